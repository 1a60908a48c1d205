import type { IncomingMessage } from 'node:http';
import Cookies from 'cookies';

export const SESSION_COOKIE = 'hub-session';
/** Every cookie the hub owns; the proxy strips these before forwarding to a container. */
export const HUB_COOKIE_NAMES = [SESSION_COOKIE, `${SESSION_COOKIE}.sig`];

/** Reads the signed session cookie from a raw request (the proxy has no Koa context). */
export function readSessionCookie(req: IncomingMessage, keys: string[]): string | undefined {
  if (!req.headers.cookie?.includes(SESSION_COOKIE)) return undefined;
  // Cookies only needs `res` to set cookies; reading is safe without one.
  const jar = new Cookies(req, undefined as never, { keys });
  return jar.get(SESSION_COOKIE, { signed: true }) ?? undefined;
}
