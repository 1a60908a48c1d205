import Router from '@koa/router';
import type { Context } from 'koa';
import { identityOf, requireUser } from '../auth/guards';
import type { Identity } from '../auth/sessions';
import { listGrants, type GrantView } from '../catalog/grants';
import { catalogOf } from '../catalog/service';
import { NotFound } from '../errors';
import type { Hub } from '../hub';
import { containerLocation, urlIdOfResource } from './simphony-location';
import { containersOf } from '../spawner/service';
import {
  ContainerStart,
  type Container,
  type SimphonyApplication,
  type SimphonyCollection,
  type SimphonyContainer,
} from './wire';

/**
 * SimPhoNy-Remote's REST API under `/user/<name>/api/v1/`, in the shapes of its tornado-webapi
 * resources, so its clients (`remoteapprest`) work unchanged: a collection is
 * `{"identifiers": [...], "items": {id: item}}` (its clients iterate `items` for the ids and
 * index it by id), then one GET per item. The same rules as /api/v1 apply: only the caller's own
 * grants and containers, the same start and stop.
 */
export function simphonyRouter(hub: Hub): Router {
  const router = new Router({ prefix: '/user/:name/api/v1' });
  router.use(requireUser);

  router.get('/applications', async (ctx) => {
    const me = caller(ctx);
    const grants = await listGrants(hub, { user_id: me.userId });
    ctx.body = collection(
      grants.map((g) => [g.mapping_id, application(hub, me, g)]),
    ) satisfies SimphonyCollection<SimphonyApplication>;
  });

  router.get('/applications/:mapping_id', async (ctx) => {
    const me = caller(ctx);
    const [grant] = /^[0-9a-f]{32}$/.test(ctx.params.mapping_id)
      ? await listGrants(hub, { user_id: me.userId, mapping_id: ctx.params.mapping_id })
      : [];
    if (!grant) throw new NotFound('no such application');
    ctx.body = application(hub, me, grant) satisfies SimphonyApplication;
  });

  router.get('/containers', (ctx) => {
    const me = caller(ctx);
    ctx.body = collection(
      containersOf(hub)
        .listOwn(me)
        .map((c) => [c.url_id, container(c)]),
    ) satisfies SimphonyCollection<SimphonyContainer>;
  });

  router.get('/containers/:url_id', (ctx) => {
    const me = caller(ctx);
    ctx.body = container(
      containersOf(hub).getOwn(me, urlIdOfResource(ctx.params.url_id)),
    ) satisfies SimphonyContainer;
  });

  // tornado-webapi answers a create with 201 and the new resource's URL in Location.
  router.post('/containers', async (ctx) => {
    const me = caller(ctx);
    const body = ContainerStart.parse(ctx.request.body ?? {});
    const started = await containersOf(hub).start(me, body.mapping_id, body.configurables, ctx.ip);
    ctx.status = 201;
    ctx.set(
      'Location',
      containerLocation(hub.apps.origins.hubOrigin(ctx.req), me.name, started.container.url_id),
    );
    ctx.body = container(started.container) satisfies SimphonyContainer;
  });

  router.delete('/containers/:url_id', async (ctx) => {
    const me = caller(ctx);
    await containersOf(hub).stopOwn(me, urlIdOfResource(ctx.params.url_id), ctx.ip);
    ctx.status = 204;
  });

  return router;
}

/** The caller, who must be the `<name>` of the path: nobody reads another user's API. */
function caller(ctx: Context): Identity {
  const me = identityOf(ctx);
  if (ctx.params.name !== me.name) {
    throw new NotFound(`nothing here for you: your SimPhoNy API is /user/${me.name}/api/v1/`);
  }
  return me;
}

function collection<T>(entries: Array<[string, T]>): SimphonyCollection<T> {
  return {
    identifiers: entries.map(([id]) => id),
    items: Object.fromEntries(entries),
    total: entries.length,
  };
}

function container(c: Container): SimphonyContainer {
  return {
    name: c.url_id,
    image_name: c.image,
    ui_name: c.ui_name,
    mapping_id: c.mapping_id,
    url_id: c.url_id,
    url: c.url,
    status: c.status,
  };
}

function application(hub: Hub, me: Identity, g: GrantView): SimphonyApplication {
  const catalog = catalogOf(hub);
  const entry = catalog.describe(g.image);
  const running = hub.containers.containerFor(g.mapping_id, me.name);
  const own = running ? containersOf(hub).getOwn(me, running.url_id) : null;
  return {
    mapping_id: g.mapping_id,
    image: {
      name: entry.image,
      ui_name: entry.ui_name,
      icon_128: catalog.icon(g.image).png.toString('base64'),
      description: entry.description,
      type: entry.type ?? 'webapp',
      configurables: entry.configurables.map((c) => c.name),
      policy: {
        allow_home: g.policy.allow_home,
        allow_view: g.policy.allow_view,
        allow_common: g.policy.allow_common,
        allow_startup_data: g.policy.allow_startup_data,
        volume_source: g.policy.volume_source,
        volume_target: g.policy.volume_target,
        volume_mode: g.policy.volume_mode,
      },
    },
    container: own ? container(own) : null,
  };
}
