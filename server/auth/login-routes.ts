import Router from '@koa/router';
import type { Context } from 'koa';
import passport from 'koa-passport';
import type { UserRow } from '../db/entities';
import { BadRequest, HubError, TooManyRequests, Unauthorized } from '../errors';
import type { Hub } from '../hub';
import { clip } from '../log';
import { loginFallback } from '../web/spa';
import { cookieName, type CookiePolicy, secureCookies, SESSION_COOKIE } from './cookies';
import { knownDeviceFor, rememberDevice } from './known-device';
import type { LoginAttempt, Refusal } from './login-limiter';
import { bodyCredentials, localStrategy } from './local-strategy';
import { safeNext } from './safe-next';
import type { Identity } from './sessions';

function isForm(ctx: Context): boolean {
  return Boolean(ctx.is('application/x-www-form-urlencoded', 'multipart/form-data'));
}

export function cookiePolicy(hub: Hub): CookiePolicy {
  return { cookieSecure: hub.config.cookie_secure, trustProxy: hub.config.trust_proxy };
}

/** The session cookie's name and options for this request (`__Host-` and Secure over https). */
export function sessionCookie(hub: Hub, ctx: Context) {
  const secure = secureCookies(ctx.req, cookiePolicy(hub));
  return {
    name: cookieName(SESSION_COOKIE, secure),
    options: {
      signed: true,
      httpOnly: true,
      sameSite: 'lax' as const,
      path: '/',
      overwrite: true,
      secure,
    },
  };
}

const LOCK_REASON: Record<Refusal['scope'], string> = {
  device: 'too many failed logins from this browser',
  'user-address': 'too many failed logins for this name from your address',
  address: 'too many failed logins from your address',
  user: 'too many failed logins for this name from browsers it has not used before (log in from one where you logged in before, or wait)',
};

/** Runs passport-local and resolves with the user, or null for wrong credentials. */
function authenticate(ctx: Context): Promise<UserRow | null> {
  return new Promise((resolve, reject) => {
    const mw = passport.authenticate(
      'local',
      { session: false },
      (err: unknown, user: UserRow | false) => {
        if (err) reject(err);
        else resolve(user || null);
      },
    );
    Promise.resolve(mw(ctx, async () => undefined)).catch(reject);
  });
}

/** POST /login (also at /hub/login) and POST /logout. */
export function loginRouter(hub: Hub): Router {
  passport.use(localStrategy(hub.users));
  const router = new Router();

  // /hub/login is where SimPhoNy-Remote's JupyterHub took the login form; its clients post there.
  router.post(['/login', '/hub/login'], async (ctx) => {
    if (ctx.query.username !== undefined || ctx.query.password !== undefined)
      throw new BadRequest(
        'send username and password in the request body, never in the URL (URLs end up in logs and history)',
      );
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const { username } = bodyCredentials(body);
    const form = isForm(ctx);
    const next = safeNext(body.next);
    const address = ctx.ip;
    const attempt: LoginAttempt = {
      user: username.slice(0, 64),
      address,
      device: knownDeviceFor(ctx, cookiePolicy(hub), username.slice(0, 64)),
    };

    const refused = hub.limiter.refusal(attempt);
    if (refused) {
      hub.metrics.logins.inc({ result: 'locked' });
      throw new TooManyRequests(
        `${LOCK_REASON[refused.scope]}: try again in ${refused.seconds} seconds`,
        refused.seconds,
      );
    }
    const user = await authenticate(ctx);
    if (!user) {
      hub.limiter.recordFailure(attempt);
      hub.metrics.logins.inc({ result: 'failure' });
      await hub.audit({ actor: clip(username, 64), action: 'login.failed', address });
      if (form) {
        ctx.status = 401;
        ctx.type = 'html';
        ctx.body = loginFallback(next, 'Wrong user name or password.');
        return;
      }
      throw new HubError(401, 'invalid_credentials', 'wrong user name or password');
    }
    hub.limiter.recordSuccess(attempt);
    hub.metrics.logins.inc({ result: 'success' });
    const session = await hub.sessions.create(user.id, address, ctx.get('user-agent') || null);
    const cookie = sessionCookie(hub, ctx);
    ctx.cookies.set(cookie.name, session.id, {
      ...cookie.options,
      maxAge: hub.config.session_max_age_hours * 3600_000,
    });
    rememberDevice(ctx, cookiePolicy(hub), user.name, hub.config.login.known_device_days);
    await hub.users.recordLogin(user.id);
    await hub.audit({ actor: user.name, action: 'login', address });
    if (form) {
      ctx.redirect(next);
      return;
    }
    ctx.body = { name: user.name, admin: user.admin, csrf_token: session.csrfToken };
  });

  router.post('/logout', async (ctx) => {
    const identity = ctx.state.identity as Identity | null;
    if (!identity) throw new Unauthorized('you are not logged in');
    if (identity.via === 'session') await hub.sessions.destroy(identity.credentialHash);
    const cookie = sessionCookie(hub, ctx);
    ctx.cookies.set(cookie.name, '', { ...cookie.options, maxAge: 0 });
    await hub.audit({ actor: identity.name, action: 'logout', address: ctx.ip });
    if (isForm(ctx)) ctx.redirect('/login');
    else ctx.status = 204;
  });

  return router;
}
