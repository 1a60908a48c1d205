import Router from '@koa/router';
import type { Context } from 'koa';
import type { UserRow } from '../db/entities';
import type { LoginOptions } from '../api/wire';
import { BadRequest, HubError, NotFound, TooManyRequests, Unauthorized } from '../errors';
import type { Hub } from '../hub';
import { clip } from '../log';
import { escapeHtml, page } from '../web/html';
import { loginFallback } from '../web/spa';
import { LoginRefused, LoginUnavailable, type RedirectAuthenticator } from './authenticator';
import { runSignedInHooks } from './account-hooks';
import { cookieName, type CookiePolicy, secureCookies, SESSION_COOKIE } from './cookies';
import { knownDeviceFor, rememberDevice } from './known-device';
import type { LoginAttempt, Refusal } from './login-limiter';
import { authenticatePassword, bodyCredentials, passwordPassport } from './local-strategy';
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

/** Throws 429 while the limiter locks this attempt out. */
function checkLimiter(hub: Hub, attempt: LoginAttempt): void {
  const refused = hub.limiter.refusal(attempt);
  if (!refused) return;
  hub.metrics.logins.inc({ result: 'locked' });
  throw new TooManyRequests(
    `${LOCK_REASON[refused.scope]}: try again in ${refused.seconds} seconds`,
    refused.seconds,
  );
}

/** One way in for every authenticator: session cookie, known device, last login, audit. */
async function openSession(
  hub: Hub,
  ctx: Context,
  user: UserRow,
  attempt: LoginAttempt,
  via: string,
) {
  hub.limiter.recordSuccess(attempt);
  hub.metrics.logins.inc({ result: 'success' });
  const session = await hub.sessions.create(user.id, ctx.ip, ctx.get('user-agent') || null);
  const cookie = sessionCookie(hub, ctx);
  ctx.cookies.set(cookie.name, session.id, {
    ...cookie.options,
    maxAge: hub.config.session_max_age_hours * 3600_000,
  });
  rememberDevice(ctx, cookiePolicy(hub), user.name, hub.config.login.known_device_days);
  await hub.users.recordLogin(user.id);
  await hub.audit({ actor: user.name, action: 'login', address: ctx.ip, details: { via } });
  runSignedInHooks(hub, user.name);
  return session;
}

/**
 * Asks the password authenticators in order; the first that knows the credentials wins. One
 * that cannot be reached is skipped, and reported only when no other signed the user in.
 */
async function passwordLogin(hub: Hub, username: string, password: string) {
  let unavailable: LoginUnavailable | null = null;
  for (const a of hub.authenticators.password) {
    try {
      const user = await a.login(username, password);
      if (user) return { user, via: a.kind };
    } catch (err) {
      if (!(err instanceof LoginUnavailable)) throw err;
      hub.log.warn({ authenticator: a.kind, problem: err.message }, 'sign-in backend unavailable');
      unavailable ??= err;
    }
  }
  if (unavailable) throw unavailable;
  return null;
}

/** A page for a browser that came back from a provider (or never got there). */
function problemPage(ctx: Context, err: HubError): void {
  ctx.status = err.status;
  ctx.type = 'html';
  if (err.headers) ctx.set(err.headers);
  ctx.body = page(
    'Sign-in failed',
    `<h1>Sign-in failed</h1><p role="alert" data-testid="login-problem">${escapeHtml(err.message)}</p>
<p><a href="/login">Back to the login page</a></p>`,
  );
}

/**
 * GET /login/<kind> (start) and GET /login/<kind>/callback for the providers that sign in by
 * redirect (`/login/oidc`); an unknown kind is a 404.
 */
function redirectRoutes(hub: Hub, router: Router): void {
  const provider = (ctx: Context): RedirectAuthenticator => {
    const a = hub.authenticators.redirect.find((r) => r.path === `/login/${ctx.params.provider}`);
    if (!a) throw new NotFound('this hub has no such sign-in provider');
    return a;
  };
  // The user is not known before the provider answers: such sign-ins are counted per address.
  const attemptOf = (ctx: Context, a: RedirectAuthenticator): LoginAttempt => ({
    user: `(${a.kind})`,
    address: ctx.ip,
    device: null,
  });
  router.get('/login/:provider', async (ctx) => {
    const a = provider(ctx);
    try {
      checkLimiter(hub, attemptOf(ctx, a));
      await a.start(ctx, safeNext(ctx.query.next));
    } catch (err) {
      if (!(err instanceof HubError)) throw err;
      problemPage(ctx, err);
    }
  });
  router.get('/login/:provider/callback', async (ctx) => {
    const a = provider(ctx);
    const attempt = attemptOf(ctx, a);
    try {
      checkLimiter(hub, attempt);
      const { user, next } = await a.finish(ctx);
      await openSession(hub, ctx, user, attempt, a.kind);
      ctx.redirect(next);
    } catch (err) {
      if (!(err instanceof HubError)) throw err;
      if (err.status !== 429 && err.status < 500) {
        hub.limiter.recordFailure(attempt);
        hub.metrics.logins.inc({ result: 'failure' });
        await hub.audit({
          actor: null,
          action: 'login.failed',
          address: ctx.ip,
          details: { via: a.kind, reason: clip(err.message, 200) },
        });
      }
      problemPage(ctx, err);
    }
  });
}

/** POST /login (also at /hub/login), POST /logout, the providers' redirect routes and GET /api/v1/login-options. */
export function loginRouter(hub: Hub): Router {
  const router = new Router();

  router.get('/api/v1/login-options', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const body: LoginOptions = {
      form: hub.authenticators.form,
      providers: hub.authenticators.redirect.map((a) => ({
        kind: a.kind,
        display_name: a.displayName,
        url: a.path,
      })),
    };
    ctx.body = body;
  });

  redirectRoutes(hub, router);
  const hubPassport = passwordPassport((username, password) =>
    passwordLogin(hub, username, password),
  );

  // /hub/login is where SimPhoNy-Remote's JupyterHub took the login form; its clients post there.
  router.post(['/login', '/hub/login'], async (ctx) => {
    if (ctx.query.username !== undefined || ctx.query.password !== undefined)
      throw new BadRequest(
        'send username and password in the request body, never in the URL (URLs end up in logs and history)',
      );
    const { authenticators } = hub;
    if (!authenticators.form)
      throw new BadRequest(
        `this hub has no login form: log in with ${authenticators.redirect.map((a) => `${a.displayName} (${a.path})`).join(' or ')}`,
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

    checkLimiter(hub, attempt);
    let found: Awaited<ReturnType<typeof passwordLogin>>;
    try {
      found = await authenticatePassword(hubPassport, ctx);
    } catch (err) {
      if (err instanceof LoginRefused)
        await hub.audit({
          actor: clip(username, 64),
          action: 'login.refused',
          address,
          details: { reason: err.message },
        });
      if (form && err instanceof HubError && err.expose) {
        ctx.status = err.status;
        ctx.type = 'html';
        ctx.body = loginFallback(next, err.message);
        return;
      }
      throw err;
    }
    if (!found) {
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
    const { user, via } = found;
    const session = await openSession(hub, ctx, user, attempt, via);
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
