/**
 * `next` after login may only name a path on this hub. Browsers read `//x`, `/\x` and
 * `\\x` as other hosts and drop tabs and newlines before parsing, so anything but a plain
 * absolute path with no backslash and no control character falls back to the default.
 */
export const DEFAULT_NEXT = '/hub/';
const PROBE_ORIGIN = 'http://hub.invalid';

export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2048) return DEFAULT_NEXT;
  if (!next.startsWith('/') || next.startsWith('//')) return DEFAULT_NEXT;
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return DEFAULT_NEXT;
  if (/^\/%(2f|5c)/i.test(next)) return DEFAULT_NEXT;
  try {
    const url = new URL(next, PROBE_ORIGIN);
    if (url.origin !== PROBE_ORIGIN) return DEFAULT_NEXT;
    return url.pathname + url.search + url.hash;
  } catch {
    return DEFAULT_NEXT;
  }
}
