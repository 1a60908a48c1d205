import Router from '@koa/router';
import { identityOf, requireUser } from '../auth/guards';
import { BadRequest } from '../errors';
import type { Hub } from '../hub';
import { TokenCreate, type TokenCreated, type TokenInfo } from './wire';

/** API tokens of the caller: create (shown once), list, revoke. */
export function tokensRouter(hub: Hub): Router {
  const router = new Router({ prefix: '/api/v1/tokens' });

  router.post('/', requireUser, async (ctx) => {
    const id = identityOf(ctx);
    const body = TokenCreate.parse(ctx.request.body ?? {});
    const created = await hub.tokens.create(id.userId, body.note ?? null, body.expires_in ?? null);
    await hub.audit({
      actor: id.name,
      action: 'token.create',
      target: String(created.id),
      address: ctx.ip,
    });
    ctx.status = 201;
    ctx.body = created satisfies TokenCreated;
  });

  router.get('/', requireUser, async (ctx) => {
    ctx.body = (await hub.tokens.list(identityOf(ctx).userId)) satisfies TokenInfo[];
  });

  router.delete('/:id', requireUser, async (ctx) => {
    const id = identityOf(ctx);
    const tokenId = Number(ctx.params.id);
    if (!Number.isInteger(tokenId) || tokenId <= 0)
      throw new BadRequest('token id: a positive integer');
    await hub.tokens.revoke(id.userId, tokenId);
    await hub.audit({
      actor: id.name,
      action: 'token.revoke',
      target: String(tokenId),
      address: ctx.ip,
    });
    ctx.status = 204;
  });

  return router;
}
