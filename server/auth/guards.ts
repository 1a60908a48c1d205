import type { Context, Middleware } from 'koa';
import { Forbidden, Unauthorized } from '../errors';
import type { Identity } from './sessions';

/** The caller's identity; throws 401 when there is none. */
export function identityOf(ctx: Context): Identity {
  const id = ctx.state.identity as Identity | null | undefined;
  if (!id) throw new Unauthorized();
  return id;
}

export const requireUser: Middleware = async (ctx, next) => {
  identityOf(ctx);
  await next();
};

/** Admin is a role checked at every admin route, from the current database state. */
export const requireAdmin: Middleware = async (ctx, next) => {
  if (!identityOf(ctx).admin) throw new Forbidden('this needs an admin');
  await next();
};
