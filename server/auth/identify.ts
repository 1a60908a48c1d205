import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import { type CookiePolicy, sessionCookieReader } from './cookies';
import type { Identity, SessionStore } from './sessions';
import type { TokenStore } from './tokens';

export type Identify = (req: IncomingMessage) => Promise<Identity | null>;

/** Reads `Authorization: Bearer <t>` (or JupyterHub's `token <t>`). */
export function bearerToken(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^(?:Bearer|token)\s+(\S+)$/i.exec(h);
  return m ? m[1] : null;
}

/**
 * One answer to "who is this?" for both Koa routes and the raw proxy path: a bearer token
 * wins over the session cookie, and neither being valid means anonymous.
 */
export function createIdentify(deps: {
  sessions: SessionStore;
  tokens: TokenStore;
  keys: string[];
  /** Which cookie name a request's session is read from (`__Host-` over https). */
  cookies?: CookiePolicy;
}): Identify {
  const readSessionCookie = sessionCookieReader(deps.keys, deps.cookies);
  return async (req) => {
    const token = bearerToken(req);
    if (token) return deps.tokens.verify(token);
    const sid = readSessionCookie(req);
    return sid ? deps.sessions.lookup(sid) : null;
  };
}

/** Sets `ctx.state.identity` (or null) for every later middleware. */
export function identityMiddleware(identify: Identify): Middleware {
  return async (ctx, next) => {
    ctx.state.identity = await identify(ctx.req);
    await next();
  };
}
