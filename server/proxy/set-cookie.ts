/**
 * Confines the cookies a container sets to its own prefix. A container shares the hub's origin,
 * so without this it could set cookies for the whole site, or shadow the hub's session cookie:
 * browsers send longer-path cookies first, so a container's `hub-session` at its own path would
 * be read before the real one on the container's requests.
 *
 * Rules: a cookie named like a hub cookie (case-insensitive, with or without a `__Host-` or
 * `__Secure-` prefix), or without a name, is dropped; every `Domain`
 * attribute is removed (host-only); `Path` is kept when it lies within `prefix`, otherwise
 * (missing, outside, or several) it is replaced by `prefix`. Other attributes are kept as sent.
 */
export function rewriteSetCookie(
  values: string | readonly string[],
  prefix: string,
  hubCookieNames: ReadonlySet<string>,
): string[] {
  const out: string[] = [];
  // Clients (undici, and Node for an answer with one header) give a lone Set-Cookie as a string:
  // walked as an array it would be cut into characters and every one dropped.
  for (const value of typeof values === 'string' ? [values] : values) {
    const rewritten = rewriteOne(value, prefix, hubCookieNames);
    if (rewritten !== null) out.push(rewritten);
  }
  return out;
}

function rewriteOne(
  value: string,
  prefix: string,
  hubCookieNames: ReadonlySet<string>,
): string | null {
  const parts = value.split(';');
  const pair = parts[0];
  const eq = pair.indexOf('=');
  // A nameless cookie ('x' or '=x') is sent back by browsers as a bare 'x', which a cookie parser
  // may read as a cookie named 'x' (say, 'hub-session'): drop it rather than guess.
  const name = (eq === -1 ? '' : pair.slice(0, eq)).trim();
  if (!name || hubCookieNames.has(baseName(name))) return null;
  const attrs: string[] = [];
  let path: string | null = null;
  let paths = 0;
  for (let i = 1; i < parts.length; i++) {
    const attr = parts[i].trim();
    if (!attr) continue;
    const aeq = attr.indexOf('=');
    const key = (aeq === -1 ? attr : attr.slice(0, aeq)).trim().toLowerCase();
    if (key === 'domain') continue;
    if (key === 'path') {
      paths++;
      path = aeq === -1 ? '' : attr.slice(aeq + 1).trim();
      continue;
    }
    attrs.push(attr);
  }
  const keep = paths === 1 && path !== null && withinPrefix(path, prefix);
  return [pair.trim(), `Path=${keep ? path : prefix}`, ...attrs].join('; ');
}

/** `prefix` ends with '/'; the prefix without its slash also only matches this container. */
function withinPrefix(path: string, prefix: string): boolean {
  return path.startsWith(prefix) || path === prefix.slice(0, -1);
}

/**
 * A cookie name as compared with the hub's: lower-cased, without the `__Host-`/`__Secure-`
 * prefix, so that `__Host-hub-session`, `HUB-SESSION` and `__secure-hub-session` are all the
 * hub's session cookie, whichever spelling the hub itself uses.
 */
function baseName(name: string): string {
  // Every prefix, not just one: the hub's own names may carry one (`__Host-hub-session`).
  return name
    .trim()
    .toLowerCase()
    .replace(/^(?:__host-|__secure-)+/, '');
}

/** Names as `rewriteSetCookie` and `stripCookies` compare them (see baseName). */
export function cookieNameSet(names: readonly string[]): ReadonlySet<string> {
  return new Set(names.map(baseName));
}

/**
 * Removes the named cookies from a Cookie request header; returns undefined when nothing is
 * left. Names are compared as in `rewriteSetCookie`.
 */
export function stripCookies(header: string, names: ReadonlySet<string>): string | undefined {
  const kept: string[] = [];
  for (const part of header.split(';')) {
    const item = part.trim();
    if (!item) continue;
    const eq = item.indexOf('=');
    const name = eq === -1 ? '' : item.slice(0, eq);
    if (!names.has(baseName(name))) kept.push(item);
  }
  return kept.length ? kept.join('; ') : undefined;
}
