import Router from '@koa/router';
import type { Context } from 'koa';
import passport from 'koa-passport';
import type { UserRow } from '../db/entities';
import { HubError, TooManyRequests, Unauthorized } from '../errors';
import type { Hub } from '../hub';
import { clip } from '../log';
import { loginFallback } from '../web/spa';
import { SESSION_COOKIE } from './cookies';
import { localStrategy } from './local-strategy';
import { safeNext } from './safe-next';
import type { Identity } from './sessions';

function isForm(ctx: Context): boolean {
  return Boolean(ctx.is('application/x-www-form-urlencoded', 'multipart/form-data'));
}

export function cookieOptions(hub: Hub, ctx: Context) {
  const mode = hub.config.cookie_secure;
  return {
    signed: true,
    httpOnly: true,
    sameSite: 'lax' as const,
    path: '/',
    overwrite: true,
    secure: mode === 'always' || (mode === 'auto' && ctx.secure),
  };
}

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

/** POST /login and POST /logout. */
export function loginRouter(hub: Hub): Router {
  passport.use(localStrategy(hub.users));
  const router = new Router();

  router.post('/login', async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const username = typeof body.username === 'string' ? body.username : '';
    const form = isForm(ctx);
    const next = safeNext(body.next);
    const address = ctx.ip;
    const key = username.slice(0, 64);

    const wait = hub.limiter.retryAfter(key, address);
    if (wait > 0) {
      hub.metrics.logins.inc({ result: 'locked' });
      throw new TooManyRequests(`too many failed logins: try again in ${wait} seconds`, wait);
    }
    if (typeof body.password !== 'string') body.password = '';
    if (typeof body.username !== 'string') body.username = '';
    const user = await authenticate(ctx);
    if (!user) {
      hub.limiter.recordFailure(key, address);
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
    hub.limiter.recordSuccess(key);
    hub.metrics.logins.inc({ result: 'success' });
    const session = await hub.sessions.create(user.id, address, ctx.get('user-agent') || null);
    ctx.cookies.set(SESSION_COOKIE, session.id, {
      ...cookieOptions(hub, ctx),
      maxAge: hub.config.session_max_age_hours * 3600_000,
    });
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
    ctx.cookies.set(SESSION_COOKIE, '', { ...cookieOptions(hub, ctx), maxAge: 0 });
    await hub.audit({ actor: identity.name, action: 'logout', address: ctx.ip });
    if (isForm(ctx)) ctx.redirect('/login');
    else ctx.status = 204;
  });

  return router;
}
