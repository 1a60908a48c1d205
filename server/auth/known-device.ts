import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { cookieName, DEVICE_COOKIE, secureCookies, type CookiePolicy } from './cookies';

/** Names remembered per browser: a shared computer may serve a few accounts. */
const MAX_NAMES = 5;
const ID_PATTERN = /^[0-9a-f]{32}$/;

/**
 * The known-device cookie: a signed, HttpOnly, long-lived mark set at each successful login,
 * `<random id>~<name>~<name>...`. It proves that this browser has logged in as these names
 * before, which exempts it from the per-user lock that guessers on other addresses can
 * trigger (login-limiter.ts). It grants nothing else: the password is still needed.
 */
interface KnownDevice {
  id: string;
  names: string[];
}

function read(ctx: Context, policy: CookiePolicy): KnownDevice | null {
  const name = cookieName(DEVICE_COOKIE, secureCookies(ctx.req, policy));
  const raw = ctx.cookies.get(name, { signed: true });
  if (!raw) return null;
  const [id, ...names] = raw.split('~');
  return ID_PATTERN.test(id) ? { id, names: names.slice(0, MAX_NAMES) } : null;
}

/** The id of this browser's known-device cookie when it lists `user`, else null. */
export function knownDeviceFor(ctx: Context, policy: CookiePolicy, user: string): string | null {
  const device = read(ctx, policy);
  return device && user && device.names.includes(user) ? device.id : null;
}

/** Adds `user` to this browser's known-device cookie (creating it), most recent first. */
export function rememberDevice(
  ctx: Context,
  policy: CookiePolicy,
  user: string,
  maxAgeDays: number,
): void {
  const secure = secureCookies(ctx.req, policy);
  const device = read(ctx, policy) ?? { id: randomBytes(16).toString('hex'), names: [] };
  const names = [user, ...device.names.filter((n) => n !== user)].slice(0, MAX_NAMES);
  ctx.cookies.set(cookieName(DEVICE_COOKIE, secure), [device.id, ...names].join('~'), {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    overwrite: true,
    secure,
    maxAge: maxAgeDays * 24 * 3600_000,
  });
}
