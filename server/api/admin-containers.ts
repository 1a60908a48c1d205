import Router from '@koa/router';
import { identityOf, requireAdmin } from '../auth/guards';
import type { Hub } from '../hub';
import { containersOf } from '../spawner/service';
import { realmStats } from './container-stats';
import { LogsQuery, type AdminContainer, type ContainerStats } from './wire';

/** Every container of the realm, for the admin console. */
export function adminContainersRouter(hub: Hub): Router {
  const router = new Router({ prefix: '/api/v1/admin/containers' });
  router.use(requireAdmin);

  router.get('/', (ctx) => {
    const manager = containersOf(hub);
    ctx.body = hub.updates.annotate(manager.listAll(), manager, true) satisfies AdminContainer[];
  });

  // Live CPU and memory for the dashboard; containers the engine does not answer for in time
  // are left out rather than holding the page.
  router.get('/stats', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = (await realmStats(hub)) satisfies ContainerStats[];
  });

  router.delete('/:url_id', async (ctx) => {
    await containersOf(hub).stopAny(identityOf(ctx).name, ctx.params.url_id, ctx.ip);
    ctx.status = 204;
  });

  // Recent output, for debugging an app; plain text so it can be read in a browser tab.
  router.get('/:url_id/logs', async (ctx) => {
    const { tail } = LogsQuery.parse(ctx.query);
    const text = await containersOf(hub).logs(ctx.params.url_id, tail);
    ctx.type = 'text/plain; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = text;
  });

  return router;
}
