import Router from '@koa/router';
import type { Context } from 'koa';
import { identityOf, requireUser } from '../auth/guards';
import type { Identity } from '../auth/sessions';
import { findGrants } from '../catalog/grant-repository';
import type { ShareRow } from '../db/entities';
import { BadRequest, Conflict, HubError } from '../errors';
import type { Hub } from '../hub';
import { shareGone } from '../shares/shares';
import { SHARE_TICKET_PATH } from '../shares/share-access';
import { containerPath } from '../spawner/container-view';
import { containersOf } from '../spawner/service';
import { escapeHtml, page } from '../web/html';
import { type Share, ShareCreate, type ShareCreated } from './wire';

const linkOf = (hub: Hub, ctx: Context, id: string): string =>
  `${hub.apps.origins.hubOrigin(ctx.req)}/share/${id}`;

async function viewOf(hub: Hub, ctx: Context, row: ShareRow): Promise<Share> {
  const ended = hub.shares.ended(row);
  const user =
    row.user_id === null
      ? null
      : await hub.db.query('SELECT name FROM users WHERE id = ?', [row.user_id]);
  return {
    id: row.id,
    url: linkOf(hub, ctx, row.id),
    mode: row.mode,
    user: user ? (user[0]?.name ?? null) : null,
    state: !ended ? 'live' : row.revoked_at ? 'revoked' : 'expired',
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
    connected: ended
      ? []
      : hub.shares
          .connectedTo(row.id)
          .map((c) => ({ user: c.viewer, since: c.since.toISOString() })),
  };
}

/**
 * Share links of the caller's running containers (shared/DESIGN.md "Shares"). The container is
 * found as the owner's own (404 for anyone else's, as for every container route); the grant
 * must allow sharing; "view" needs a VNC app, where the hub can drop the viewer's input.
 */
export function sharesRouter(hub: Hub): Router {
  const router = new Router({ prefix: '/api/v1/containers/:url_id/shares' });
  router.use(requireUser);

  router.post('/', async (ctx) => {
    const me = identityOf(ctx);
    const container = containersOf(hub).getOwn(me, ctx.params.url_id);
    const body = ShareCreate.parse(ctx.request.body ?? {});
    if (container.status !== 'running')
      throw new Conflict('the container is not running: start it, then share it');
    const [grant] = await findGrants(hub.db, { mapping_id: container.mapping_id });
    if (!grant?.policy.allow_view)
      throw new HubError(
        403,
        'share_not_allowed',
        'your grant of this application does not allow sharing: ask an admin to set allow_view on it',
      );
    if (body.mode === 'view' && hub.catalog.describe(container.image).type !== 'vncapp')
      throw new HubError(
        400,
        'share_view_unenforceable',
        'a view-only share needs a VNC application: the hub cannot stop a viewer of a web application from sending it changes. Share it with mode "control" if you trust the viewer',
      );
    let viewer: { id: number; name: string } | null = null;
    if (body.user) {
      const u = await hub.users.find(body.user);
      if (!u || u.disabled) throw new BadRequest(`user: no active user named "${body.user}"`);
      if (u.id === me.userId) throw new BadRequest('user: you already have this application');
      viewer = { id: u.id, name: u.name };
    }
    const row = await hub.shares.create({
      owner: me,
      urlId: container.url_id,
      mode: body.mode,
      expiresInSeconds: body.expires_in,
      viewer,
      address: ctx.ip,
    });
    ctx.status = 201;
    ctx.body = { id: row.id, url: linkOf(hub, ctx, row.id) } satisfies ShareCreated;
  });

  router.get('/', async (ctx) => {
    const me = identityOf(ctx);
    const container = containersOf(hub).getOwn(me, ctx.params.url_id);
    const rows = await hub.shares.listFor(container.url_id, me.userId);
    ctx.body = (await Promise.all(rows.map((r) => viewOf(hub, ctx, r)))) satisfies Share[];
  });

  // Works after the container stopped too: revoking is always the owner's to do.
  router.delete('/:id', async (ctx) => {
    await hub.shares.revoke(identityOf(ctx), ctx.params.url_id, ctx.params.id, ctx.ip);
    ctx.status = 204;
  });

  return router;
}

/**
 * GET /share/<id> on the hub's origin: who may use the link is checked here, then the browser
 * gets a one-time ticket for the app's origin, where it becomes a cookie for that app alone.
 */
export function shareLinkRouter(hub: Hub): Router {
  const router = new Router();
  router.get('/share/:id', async (ctx) => {
    try {
      await openShareLink(hub, ctx);
    } catch (err) {
      if (!(err instanceof HubError) || !err.expose || ctx.accepts('json', 'html') !== 'html')
        throw err;
      shareProblemPage(ctx, err);
    }
  });
  return router;
}

const PROBLEM_TITLES: Record<string, string> = {
  share_expired: 'This share link has expired',
  share_revoked: 'This share link was revoked',
  share_app_stopped: 'The shared application is not running',
  share_other_user: 'This share link is for someone else',
  not_found: 'No such share link',
};

/**
 * A share link is opened by a person in a browser: a refused one gets a page saying why and
 * the way back to the launcher, not a JSON body (API clients asking for JSON still get it).
 */
function shareProblemPage(ctx: Context, err: HubError): void {
  ctx.status = err.status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  const title = PROBLEM_TITLES[err.code] ?? 'This share link cannot be opened';
  ctx.body = page(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p role="alert" data-testid="share-problem" data-code="${escapeHtml(err.code)}">${escapeHtml(err.message)}</p>
<p><a href="/">Back to your applications</a></p>`,
  );
}

async function openShareLink(hub: Hub, ctx: Context): Promise<void> {
  const row = await hub.shares.get(ctx.params.id);
  if (!row) throw new HubError(404, 'not_found', 'no such share link: check the address');
  const ended = hub.shares.ended(row);
  if (ended) throw ended;
  const route = hub.routes.get(row.url_id);
  if (!route || route.status !== 'running')
    throw shareGone(
      'share_app_stopped',
      'the shared application is no longer running: ask its owner to start it and share it again',
    );
  const me = ctx.state.identity as Identity | null | undefined;
  const anonymous = row.user_id === null && hub.shares.options.anonymous;
  if (!me && !anonymous) {
    ctx.redirect(`/login?next=${encodeURIComponent(`/share/${row.id}`)}`);
    return;
  }
  if (me && me.via !== 'session')
    throw new BadRequest('open share links in a browser signed in to the hub');
  if (row.user_id !== null && me?.userId !== row.user_id)
    throw new HubError(
      403,
      'share_other_user',
      'this share link is for another user: sign in as that user, or ask the owner for a link of your own',
    );
  const domain = hub.apps.origins.appsDomainFor(ctx.req);
  if (!domain)
    throw new Conflict(
      'shares need applications on origins of their own: the admin sets apps_domain',
    );
  const ticket = hub.shares.access.issue({
    shareId: row.id,
    urlId: row.url_id,
    sessionHash: me?.credentialHash ?? null,
    // noVNC's own view-only switch, for the viewer's comfort; the hub enforces it regardless.
    next: containerPath(route.user, route.urlId) + (row.mode === 'view' ? '?view_only=true' : ''),
  });
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.redirect(
    `${hub.apps.origins.appOrigin(ctx.req, row.url_id, domain)}${SHARE_TICKET_PATH}?t=${ticket}`,
  );
}
