import Router from '@koa/router';
import { identityOf, requireUser } from '../auth/guards';
import type { Identity } from '../auth/sessions';
import { findApplication, listGrants } from '../catalog/grants';
import { catalogOf } from '../catalog/service';
import { iconVersion, imageView, userPolicyView } from '../catalog/views';
import { NotFound } from '../errors';
import type { Hub } from '../hub';
import type { Application, ContainerSummary } from './wire';

/** The caller's running app of a grant, from the container manager's memory (no Docker call). */
export function containerSummaryFor(
  hub: Pick<Hub, 'containers'>,
  identity: Pick<Identity, 'name'>,
  mappingId: string,
): ContainerSummary | null {
  return hub.containers.containerFor(mappingId, identity.name);
}

const ICON_FILE = /^(\d{1,12})\.png$/;

/**
 * If-None-Match as RFC 9110 §13.1.2 has origin servers judge it (weak comparison). Koa's
 * `ctx.fresh` is not used: it ignores the header whenever the request says `Cache-Control:
 * no-cache`, which fetch() adds to every request carrying If-None-Match.
 */
export function matchesEtag(header: string, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => bare(t) === bare(etag));
}

/** The caller's applications (their grants) and the application icons. */
export function applicationsRouter(hub: Hub): Router {
  const router = new Router({ prefix: '/api/v1/applications' });

  // One joined query for the grants, then in-memory catalogue look-ups: no Docker call per row.
  router.get('/', requireUser, async (ctx) => {
    const me = identityOf(ctx);
    const catalog = catalogOf(hub);
    const grants = await listGrants(hub, { user_id: me.userId });
    const running = grants.flatMap((g) => {
      const c = containerSummaryFor(hub, me, g.mapping_id);
      return c ? [{ ...c, image: g.image }] : [];
    });
    const updates = hub.updates.forContainers(running, hub.containers);
    ctx.body = (await Promise.all(
      grants.map(async (g) => {
        const container = containerSummaryFor(hub, me, g.mapping_id);
        return {
          mapping_id: g.mapping_id,
          image: imageView(g.application_id, catalog.describe(g.image)),
          policy: userPolicyView(g.policy),
          container: container && {
            ...container,
            update_available: updates.get(container.url_id)?.update_available ?? false,
          },
        };
      }),
    )) satisfies Application[];
  });

  // Users see icons of applications they are granted; admins see all. Anything else is a 404,
  // so ids do not reveal which applications exist.
  router.get('/icons/:file', requireUser, async (ctx) => {
    const me = identityOf(ctx);
    const m = ICON_FILE.exec(ctx.params.file);
    const app = m ? await findApplication(hub, Number(m[1])) : null;
    const allowed =
      app !== null &&
      (me.admin ||
        (
          await hub.db.query(
            'SELECT 1 FROM accounting WHERE user_id = ? AND application_id = ? LIMIT 1',
            [me.userId, app.id],
          )
        ).length > 0);
    if (!app || !allowed) throw new NotFound('no such icon');
    const { png, etag } = catalogOf(hub).icon(app.image);
    ctx.set('ETag', etag);
    // A URL carrying the current version never changes content; any other must revalidate.
    ctx.set(
      'Cache-Control',
      ctx.query.v === iconVersion(etag)
        ? 'private, max-age=604800, immutable'
        : 'private, no-cache',
    );
    if (matchesEtag(ctx.get('If-None-Match'), etag)) {
      ctx.status = 304;
      return;
    }
    ctx.type = 'image/png';
    ctx.body = png;
  });

  return router;
}
