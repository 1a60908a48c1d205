import { timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { Forbidden } from '../errors';
import type { Identity } from './sessions';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * SimPhoNy-Remote's own client (`remoteapprest app start` and `app stop`) starts a container with
 * a POST of JSON without a Content-Type and stops it with a DELETE, both with the session cookie
 * and no CSRF token. Those two requests are let through without a token when nothing about them
 * says "browser".
 */
const SIMPHONY_START = /^\/user\/[^/]+\/api\/v1\/containers\/?$/;
const SIMPHONY_STOP = /^\/user\/[^/]+\/api\/v1\/containers\/[^/]+\/?$/;

/**
 * A start or stop in the shape SimPhoNy's client sends it: a DELETE of one container, or a POST
 * to the collection with no Content-Type at all, which no HTML form can send (see
 * `fromNonBrowser` for the rest).
 */
export function isSimphonyClientCall(ctx: Context): boolean {
  if (ctx.method === 'DELETE') return SIMPHONY_STOP.test(ctx.path);
  return ctx.method === 'POST' && !ctx.get('content-type') && SIMPHONY_START.test(ctx.path);
}

/**
 * Every browser adds `Origin` to a POST or DELETE (the Fetch standard sends it on every request
 * whose method is not GET or HEAD) and current ones add `Sec-Fetch-*` to every request; a forged
 * cross-site DELETE also needs a CORS preflight, which the hub never grants, and a POST without
 * a Content-Type cannot come from a form, only from a script, which sends Origin. A request with
 * neither header comes from a program holding the cookie itself, which needs no forging.
 */
function fromNonBrowser(ctx: Context): boolean {
  return (
    ctx.get('origin') === '' && !Object.keys(ctx.headers).some((h) => h.startsWith('sec-fetch-'))
  );
}

/** The hub's own origin as the browser sees it (public_url when behind a proxy). */
function hubOrigin(ctx: Context, publicUrl: string | undefined): string {
  return publicUrl ? new URL(publicUrl).origin : ctx.origin;
}

/**
 * CSRF defence in depth for requests that change state:
 * 1. Browsers label cross-site requests with Sec-Fetch-Site; those are refused outright
 *    (whatever Sec-Fetch-Mode says, so a `no-cors` form post is refused too).
 * 2. A cookie-authenticated request must echo the session's CSRF token in X-CSRF-Token (or a
 *    `_csrf` form field), which a cross-site page cannot read.
 * 3. Without a session (the login form itself), a foreign Origin is refused: no login CSRF.
 * Bearer-token requests need no token: a browser never attaches them by itself. Nor do
 * SimPhoNy's start and stop (`POST /user/<name>/api/v1/containers/`, `DELETE
 * /user/<name>/api/v1/containers/<url_id>/`) from a non-browser client.
 */
export function csrfMiddleware(publicUrl?: string): Middleware {
  return async (ctx, next) => {
    if (SAFE_METHODS.has(ctx.method)) return next();
    const identity = ctx.state.identity as Identity | null;
    if (identity?.via === 'token') return next();
    const site = ctx.get('sec-fetch-site');
    if (site === 'cross-site' || site === 'same-site')
      throw new Forbidden('cross-site request refused: use the hub page itself');
    const origin = ctx.get('origin');
    if (origin && origin !== 'null' && origin !== hubOrigin(ctx, publicUrl))
      throw new Forbidden('cross-origin request refused: use the hub page itself');
    if (origin === 'null') throw new Forbidden('request from an opaque origin refused');
    if (identity?.via === 'session' && !(isSimphonyClientCall(ctx) && fromNonBrowser(ctx))) {
      const body = ctx.request.body as Record<string, unknown> | undefined;
      const sent = ctx.get('x-csrf-token') || (typeof body?._csrf === 'string' ? body._csrf : '');
      if (!sent || !identity.csrfToken || !sameToken(sent, identity.csrfToken))
        throw new HubCsrfError();
    }
    return next();
  };
}

class HubCsrfError extends Forbidden {
  constructor() {
    super('missing or wrong X-CSRF-Token: take csrf_token from GET /api/v1/me or POST /login');
  }
  override readonly code = 'csrf_failed';
}
