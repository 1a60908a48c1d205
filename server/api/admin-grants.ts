import Router from '@koa/router';
import { z } from 'zod';
import { identityOf, requireAdmin } from '../auth/guards';
import { createGrant, listGrants, revokeGrantById } from '../catalog/grants';
import type { PolicyInput } from '../catalog/policy';
import { NotFound } from '../errors';
import type { Hub } from '../hub';
import { GrantCreate, GrantListQuery, type Grant, type GrantCreated } from './wire';

// The policy's fields are judged by parsePolicy (shared with the CLI), whose messages name the
// field to fix; here only the envelope is checked.
const grantBody = GrantCreate.extend({ policy: z.unknown().optional() });

/**
 * Grants: which user may run which application under which policy (shared/DESIGN.md). The wire
 * keeps SimPhoNy-Remote's name for them, `/admin/accounting`.
 */
export function adminGrantsRouter(hub: Hub): Router {
  const router = new Router({ prefix: '/api/v1/admin/accounting' });
  router.use(requireAdmin);

  router.get('/', async (ctx) => {
    const q = GrantListQuery.parse(ctx.query);
    ctx.body = (await listGrants(hub, q)) satisfies Grant[];
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
    ctx.body = { mapping_id } satisfies GrantCreated;
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
