import Router from '@koa/router';
import { z } from 'zod';
import { identityOf, requireAdmin } from '../auth/guards';
import { createGrant, listGrants, revokeGrantById } from '../catalog/grants';
import type { PolicyInput } from '../catalog/policy';
import { NotFound } from '../errors';
import type { Hub } from '../hub';

const grantBody = z
  .object({
    user: z.string({ required_error: 'user: required' }).min(1, 'user: required').max(64),
    image: z.string({ required_error: 'image: required' }).min(1, 'image: required').max(512),
    policy: z.unknown().optional(),
  })
  .strict();

const listQuery = z.object({
  user: z.string().max(64).optional(),
  image: z.string().max(512).optional(),
});

/** Grants: which user may run which application under which policy (shared/DESIGN.md). */
export function adminAccountingRouter(hub: Hub): Router {
  const router = new Router({ prefix: '/api/v1/admin/accounting' });
  router.use(requireAdmin);

  router.get('/', async (ctx) => {
    const q = listQuery.parse(ctx.query);
    ctx.body = await listGrants(hub, q);
  });

  // The same user, image and policy again answers 200 with the existing grant, not a duplicate.
  router.post('/', async (ctx) => {
    const body = grantBody.parse(ctx.request.body ?? {});
    const { mapping_id, created } = await createGrant(
      hub,
      { user: body.user, image: body.image, policy: body.policy as PolicyInput },
      { actor: identityOf(ctx).name, address: ctx.ip },
    );
    ctx.status = created ? 201 : 200;
    ctx.body = { mapping_id };
  });

  router.delete('/:mapping_id', async (ctx) => {
    if (!/^[0-9a-f]{32}$/.test(ctx.params.mapping_id)) throw new NotFound('no such grant');
    await revokeGrantById(hub, ctx.params.mapping_id, {
      actor: identityOf(ctx).name,
      address: ctx.ip,
    });
    ctx.status = 204;
  });

  return router;
}
