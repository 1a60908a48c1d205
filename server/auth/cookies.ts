import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'hub-session';
/** Marks a browser where a user has logged in before (see login-limiter.ts). */
export const DEVICE_COOKIE = 'hub-device';
/** The state, nonce and PKCE verifier of an OpenID Connect sign-in under way. */
export const OIDC_FLOW_COOKIE = 'hub-oidc';
const HOST_PREFIX = '__Host-';

/**
 * Every cookie the hub owns, in each spelling it may have (plain over http, `__Host-` over
 * https, each with Koa's `.sig` companion): the proxy strips these from requests before they
 * reach a container and drops a container's Set-Cookie of any of them.
 */
export const HUB_COOKIE_NAMES = [SESSION_COOKIE, DEVICE_COOKIE, OIDC_FLOW_COOKIE].flatMap((base) =>
  [base, HOST_PREFIX + base].flatMap((name) => [name, `${name}.sig`]),
);

/** How the hub decides whether its cookies are Secure: `cookie_secure` and `trust_proxy`. */
export interface CookiePolicy {
  cookieSecure: 'auto' | 'always' | 'never';
  trustProxy: boolean;
}

export const DEFAULT_COOKIE_POLICY: CookiePolicy = { cookieSecure: 'auto', trustProxy: false };

/**
 * Whether the hub's cookies for this request are Secure, by Koa's own reading of the scheme
 * (TLS socket, or the first X-Forwarded-Proto when the proxy is trusted), so the name the
 * login sets and the name every reader reads are always the same.
 */
export function secureCookies(req: IncomingMessage, policy: CookiePolicy): boolean {
  if (policy.cookieSecure !== 'auto') return policy.cookieSecure === 'always';
  if ((req.socket as { encrypted?: boolean } | undefined)?.encrypted) return true;
  if (!policy.trustProxy) return false;
  const proto = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(proto) ? proto[0] : proto)?.split(',')[0].trim();
  return first === 'https';
}

/**
 * The name of a hub cookie: `__Host-<base>` when Secure, so the browser keeps it host-only,
 * Path=/ and https-only, and no sibling host (an app origin under the same parent domain)
 * can set or shadow it. Over https only this name is read: a plain `hub-session` planted by a
 * sibling host is ignored.
 */
export function cookieName(base: string, secure: boolean): string {
  return secure ? HOST_PREFIX + base : base;
}

// Verified (signature → value) pairs kept per reader; a full cache is simply dropped.
const VERIFIED_CACHE_MAX = 10_000;

/**
 * Makes a reader of the signed session cookie for raw requests (the proxy has no Koa context).
 *
 * The signature is the one Koa's `cookies` writes (keygrip: HMAC-SHA1 of `name=value` under
 * any of the keys, base64url). It is checked here with one HMAC and a constant-time compare per
 * key, because `cookies` spends three HMACs and 32 random bytes on every read, and the proxy
 * reads the cookie on every request it forwards (a fifth of its CPU time, measured). Pairs that
 * passed are remembered, so a browser's later requests cost one map lookup.
 */
export function sessionCookieReader(
  keys: readonly string[],
  policy: CookiePolicy = DEFAULT_COOKIE_POLICY,
): (req: IncomingMessage) => string | undefined {
  const verified = new Map<string, string>();
  return (req) => {
    const header = req.headers.cookie;
    if (!header?.includes(SESSION_COOKIE)) return undefined;
    const name = cookieName(SESSION_COOKIE, secureCookies(req, policy));
    // Two session cookies mean a sibling host under a shared parent domain (an app origin) set
    // one with Domain= (cookie tossing), and the browser may send either first: taking one
    // would let that page sign its owner in as someone else. Neither is taken.
    const value = onlyCookieValue(header, name);
    const signature = onlyCookieValue(header, `${name}.sig`);
    if (value === undefined || signature === undefined) return undefined;
    const cacheKey = `${name}\n${signature}`;
    if (verified.get(cacheKey) === value) return value;
    if (!signedBy(keys, name, value, signature)) return undefined;
    if (verified.size >= VERIFIED_CACHE_MAX) verified.clear();
    verified.set(cacheKey, value);
    return value;
  };
}

function signedBy(keys: readonly string[], name: string, value: string, signature: string) {
  const given = Buffer.from(signature);
  for (const key of keys) {
    const expected = Buffer.from(
      createHmac('sha1', key).update(`${name}=${value}`).digest('base64url'),
    );
    if (expected.length === given.length && timingSafeEqual(expected, given)) return true;
  }
  return false;
}

// More than a browser keeps for one site (Chrome 180): tossed cookies cannot crowd out the real
// one, and a request with more costs at most this many MAC checks.
const MAX_COOKIE_VALUES = 256;

/**
 * The values of the cookies called any of `names` (raw, not decoded, empty ones left out), in
 * the order of `names`, each name's in header order; at most MAX_COOKIE_VALUES in all.
 */
export function cookieValues(header: string, names: readonly string[]): string[] {
  const values: string[][] = names.map(() => []);
  let count = 0;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const at = names.indexOf(part.slice(0, eq).trim());
    const value = at >= 0 ? part.slice(eq + 1).trim() : '';
    if (!value) continue;
    values[at].push(value);
    if (++count >= MAX_COOKIE_VALUES) break;
  }
  return values.flat();
}

/** The one cookie called `name` in a Cookie header (raw); undefined when none or several. */
function onlyCookieValue(header: string, name: string): string | undefined {
  let found: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) return undefined;
    found = part.slice(eq + 1).trim();
  }
  return found;
}

/** The first cookie called `name` in a Cookie header, as `cookies` picks it; raw, not decoded. */
export function cookieValue(header: string, name: string): string | undefined {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    return part.slice(eq + 1).trim();
  }
  return undefined;
}
