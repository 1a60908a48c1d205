/**
 * `next` after login may only name a path on this hub, and the check is made on the value as
 * a browser will resolve it, not on the input: WHATWG URL parsing drops tabs and newlines,
 * reads `\` as `/`, decodes `%2e` as a dot and removes dot segments, so `/.//evil`,
 * `/%2e%2e//evil` or `/a/..//evil` all become `//evil`, another host. The answer is the
 * normalised path, re-checked as if it were the input (a browser resolves the Location we
 * send once more), or the default when anything is off.
 */
export const DEFAULT_NEXT = '/hub/';
const PROBE_ORIGIN = 'http://hub.invalid';
const MAX_LENGTH = 2048;

/** A plain absolute path: one leading '/', no backslash, no control or space characters. */
function plainPath(p: string): boolean {
  if (!p.startsWith('/') || p.startsWith('//')) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u0020\u007f]/.test(p)) return false;
  // Some servers and proxies decode %2f/%5c before routing: `/%2f/evil` could turn into `//evil`.
  return !/^\/(%2f|%5c)/i.test(p);
}

/** The path, query and fragment `p` resolves to on this origin, or null when it leaves it. */
function resolved(p: string): string | null {
  try {
    const url = new URL(p, PROBE_ORIGIN);
    if (url.origin !== PROBE_ORIGIN) return null;
    return url.pathname + url.search + url.hash;
  } catch {
    return null;
  }
}

export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > MAX_LENGTH)
    return DEFAULT_NEXT;
  if (!plainPath(next)) return DEFAULT_NEXT;
  const out = resolved(next);
  if (out === null || out.length > MAX_LENGTH || !plainPath(out)) return DEFAULT_NEXT;
  // The browser resolves our Location again: it must land on exactly the same place.
  if (resolved(out) !== out) return DEFAULT_NEXT;
  return out;
}
