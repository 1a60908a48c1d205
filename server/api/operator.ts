import Router from '@koa/router';
import { dockerHealth, type DockerHealth } from '../docker/client';
import type { Hub } from '../hub';
import type { Health } from './wire';

const HEALTH_CACHE_MS = 2000;

/** GET /health (is Docker answering?) and GET /metrics (Prometheus text). */
export function operatorRouter(hub: Hub): Router {
  const router = new Router();
  let cached: { at: number; value: DockerHealth } | null = null;

  router.get('/health', async (ctx) => {
    if (!cached || Date.now() - cached.at > HEALTH_CACHE_MS)
      cached = { at: Date.now(), value: await dockerHealth(hub.docker) };
    ctx.set('Cache-Control', 'no-store');
    const status = hub.catalog.status();
    ctx.body = {
      status: cached.value.ok ? 'ok' : 'degraded',
      docker: cached.value,
      catalog: { ...status, scanned_at: status.scanned_at?.toISOString() ?? null },
      containers: { docker_available: hub.containers.dockerAvailable },
    } satisfies Health;
  });

  router.get('/metrics', async (ctx) => {
    ctx.type = hub.registry.contentType;
    ctx.body = await hub.registry.metrics();
  });

  return router;
}
