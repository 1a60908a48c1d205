import Router from '@koa/router';
import { z } from 'zod';
import { identityOf, requireUser } from '../auth/guards';
import { BadRequest } from '../errors';
import type { Hub } from '../hub';

const MAX_EXPIRY_SECONDS = 366 * 24 * 3600;

const createToken = z
  .object({
    note: z.string().max(200, 'note: at most 200 characters').optional(),
    expires_in: z
      .number()
      .int('expires_in: whole seconds')
      .positive('expires_in: seconds, more than 0')
      .max(MAX_EXPIRY_SECONDS, `expires_in: at most ${MAX_EXPIRY_SECONDS} seconds (a year)`)
      .optional(),
  })
  .strict();

/** API tokens of the caller: create (shown once), list, revoke. */
export function tokensRouter(hub: Hub): Router {
  const router = new Router({ prefix: '/api/v1/tokens' });

  router.post('/', requireUser, async (ctx) => {
    const id = identityOf(ctx);
    const body = createToken.parse(ctx.request.body ?? {});
    const created = await hub.tokens.create(id.userId, body.note ?? null, body.expires_in ?? null);
    await hub.audit({
      actor: id.name,
      action: 'token.create',
      target: String(created.id),
      address: ctx.ip,
    });
    ctx.status = 201;
    ctx.body = created;
  });

  router.get('/', requireUser, async (ctx) => {
    ctx.body = await hub.tokens.list(identityOf(ctx).userId);
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
