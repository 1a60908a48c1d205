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

/**
 * Where to go after logging in: `next` when it is a same-origin path (so a crafted link cannot
 * bounce a fresh session to another site) and not the login page itself, else `fallback`.
 */
export function safeNext(next: string | null | undefined, fallback = '/hub/launcher'): string {
  if (!next || !isSameOriginPath(next)) return fallback;
  if (next === '/login' || next.startsWith('/login?') || next.startsWith('/login/')) return fallback;
  return next;
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
