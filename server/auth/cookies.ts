import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'hub-session';
const SIGNATURE_COOKIE = `${SESSION_COOKIE}.sig`;
/** Every cookie the hub owns; the proxy strips these before forwarding to a container. */
export const HUB_COOKIE_NAMES = [SESSION_COOKIE, SIGNATURE_COOKIE];

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
): (req: IncomingMessage) => string | undefined {
  const verified = new Map<string, string>();
  return (req) => {
    const header = req.headers.cookie;
    if (!header?.includes(SESSION_COOKIE)) return undefined;
    const value = cookieValue(header, SESSION_COOKIE);
    const signature = cookieValue(header, SIGNATURE_COOKIE);
    if (value === undefined || signature === undefined) return undefined;
    if (verified.get(signature) === value) return value;
    if (!signedBy(keys, value, signature)) return undefined;
    if (verified.size >= VERIFIED_CACHE_MAX) verified.clear();
    verified.set(signature, value);
    return value;
  };
}

function signedBy(keys: readonly string[], value: string, signature: string): boolean {
  const given = Buffer.from(signature);
  for (const key of keys) {
    const expected = Buffer.from(
      createHmac('sha1', key).update(`${SESSION_COOKIE}=${value}`).digest('base64url'),
    );
    if (expected.length === given.length && timingSafeEqual(expected, given)) return true;
  }
  return false;
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
