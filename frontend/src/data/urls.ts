/**
 * Whether `path` stays on this origin: a single leading `/`, never `//host` or `/\host`
 * (browsers read both as another origin), and no control characters (browsers drop tabs and
 * newlines inside URLs, so "/\t/evil" would become "//evil").
 */
export function isSameOriginPath(path: string): boolean {
  if (!path.startsWith('/')) return false;
  if (path.length > 1 && (path[1] === '/' || path[1] === '\\')) return false;
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u001f\u007f]/.test(path);
}

const PROBE_ORIGIN = 'http://hub.invalid';

/**
 * The path, query and fragment `path` resolves to on this origin, or null when a browser would
 * leave it. Resolution drops tabs and newlines, reads `\` as `/`, decodes `%2e` and removes dot
 * segments, so `/.//evil` or `/a/%2e%2e//evil` become `//evil` (another host): the check is
 * made on that final value, which must itself be a plain same-origin path and resolve to itself.
 */
export function normalisedSameOriginPath(path: string): string | null {
  if (!isSameOriginPath(path) || path.includes('\\')) return null;
  const resolve = (p: string): string | null => {
    try {
      const url = new URL(p, PROBE_ORIGIN);
      return url.origin === PROBE_ORIGIN ? url.pathname + url.search + url.hash : null;
    } catch {
      return null;
    }
  };
  const out = resolve(path);
  if (out === null || !isSameOriginPath(out) || out.includes('\\') || resolve(out) !== out)
    return null;
  return out;
}

/**
 * Where to go after logging in: `next` when it resolves to a same-origin path (so a crafted
 * link cannot bounce a fresh session to another site) and not the login page itself, else
 * `fallback`. The server applies the same rule to the form login's `next`.
 */
export function safeNext(next: string | null | undefined, fallback = '/hub/launcher'): string {
  const out = next ? normalisedSameOriginPath(next) : null;
  if (!out) return fallback;
  if (out === '/login' || out.startsWith('/login?') || out.startsWith('/login/')) return fallback;
  return out;
}

/**
 * A link target from server data that is safe to put in an href: a same-origin path, or an
 * http(s) URL. Anything else (javascript:, data:) becomes null and the link is not rendered.
 */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  if (isSameOriginPath(url)) return url;
  return /^https?:\/\/[^\s]+$/i.test(url) ? url : null;
}

/** An image source from server data: a safe href, or an inline raster image (icon labels). */
export function safeImageSrc(src: string | null | undefined): string | null {
  if (src && /^data:image\/(png|jpeg|gif|webp);base64,[a-z0-9+/=\s]+$/i.test(src)) return src;
  return safeHref(src);
}
