import { PassThrough } from 'node:stream';
import Router from '@koa/router';
import { identityOf, requireUser } from '../auth/guards';
import type { Hub } from '../hub';
import { containersOf } from '../spawner/service';
import {
  ContainerRestart,
  ContainerStart,
  LogsQuery,
  type Container,
  type ProgressEvent,
} from './wire';

/** Comment lines keep proxies and browsers from closing a quiet event stream. */
const SSE_PING_MS = 15_000;

/** A user's own containers (shared/DESIGN.md and the agreed API additions). */
export function containersRouter(hub: Hub): Router {
  const router = new Router({ prefix: '/api/v1/containers' });
  router.use(requireUser);

  // Answers 201 once the app answers HTTP, also when it hands back the container already running
  // for this grant (DESIGN.md names 201 only; clients rely on it). The audit log tells the two apart.
  router.post('/', async (ctx) => {
    const me = identityOf(ctx);
    const body = ContainerStart.parse(ctx.request.body ?? {});
    const { container } = await containersOf(hub).start(
      me,
      body.mapping_id,
      body.configurables,
      ctx.ip,
    );
    ctx.status = 201;
    ctx.body = container satisfies Container;
  });

  router.get('/', (ctx) => {
    const manager = containersOf(hub);
    ctx.body = hub.updates.annotate(
      manager.listOwn(identityOf(ctx)),
      manager,
    ) satisfies Container[];
  });

  // Server-Sent Events for the portal's progress bar; opened before the POST that starts.
  router.get('/progress/:mapping_id', async (ctx) => {
    const me = identityOf(ctx);
    const stream = new PassThrough();
    const send = (e: ProgressEvent) =>
      stream.write(`event: progress\ndata: ${JSON.stringify(e)}\n\n`);
    const unsubscribe = await containersOf(hub).watchProgress(me, ctx.params.mapping_id, send);
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.set('Cache-Control', 'no-cache, no-transform');
    ctx.set('X-Accel-Buffering', 'no');
    ctx.type = 'text/event-stream';
    ctx.status = 200;
    ctx.body = stream;
    stream.write('retry: 3000\n\n');
    const ping = setInterval(() => stream.write(': ping\n\n'), SSE_PING_MS);
    const close = () => {
      clearInterval(ping);
      unsubscribe();
      stream.end();
    };
    ctx.req.once('close', close);
    stream.once('error', close);
  });

  // A dead container tells its owner how it ended, so the portal can say why it stopped.
  router.get('/:url_id', async (ctx) => {
    const manager = containersOf(hub);
    const [view] = hub.updates.annotate(
      [manager.getOwn(identityOf(ctx), ctx.params.url_id)],
      manager,
    );
    const exit_code = view.status === 'dead' ? await manager.exitCode(view.url_id) : undefined;
    ctx.body = (exit_code === undefined ? view : { ...view, exit_code }) satisfies Container;
  });

  // The owner's own view of what the admin's logs route shows: their app's recent output.
  router.get('/:url_id/logs', async (ctx) => {
    const { tail } = LogsQuery.parse(ctx.query);
    const manager = containersOf(hub);
    const view = manager.getOwn(identityOf(ctx), ctx.params.url_id);
    ctx.type = 'text/plain; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await manager.logs(view.url_id, tail);
  });

  // Stop and start in one call: the portal's "Restart" of a crashed or stuck app.
  router.post('/:url_id/restart', async (ctx) => {
    const me = identityOf(ctx);
    const body = ContainerRestart.parse(ctx.request.body ?? {});
    const manager = containersOf(hub);
    const { mapping_id } = manager.getOwn(me, ctx.params.url_id);
    // Starts go by the registered name, so the new container runs what the name points to now.
    const before = { url_id: ctx.params.url_id, image_id: manager.imageIdOf(ctx.params.url_id) };
    await manager.stopOwn(me, ctx.params.url_id, ctx.ip);
    const { container } = await manager.start(me, mapping_id, body.configurables, ctx.ip);
    const after = { ...container, image_id: manager.imageIdOf(container.url_id) };
    await hub.updates.restarted(before, after, me.name, ctx.ip);
    ctx.status = 201;
    ctx.body = container satisfies Container;
  });

  router.delete('/:url_id', async (ctx) => {
    await containersOf(hub).stopOwn(identityOf(ctx), ctx.params.url_id, ctx.ip);
    ctx.status = 204;
  });

  // The portal's "keep running" button: counts as activity for idle culling.
  router.post('/:url_id/keepalive', (ctx) => {
    containersOf(hub).keepalive(identityOf(ctx), ctx.params.url_id);
    ctx.status = 204;
  });

  return router;
}
