import Router from '@koa/router';
import { dockerHealth, type DockerHealth } from '../docker/client';
import type { Hub } from '../hub';

const HEALTH_CACHE_MS = 2000;

/** GET /health (is Docker answering?) and GET /metrics (Prometheus text). */
export function operatorRouter(hub: Hub): Router {
  const router = new Router();
  let cached: { at: number; value: DockerHealth } | null = null;

  router.get('/health', async (ctx) => {
    if (!cached || Date.now() - cached.at > HEALTH_CACHE_MS)
      cached = { at: Date.now(), value: await dockerHealth(hub.docker) };
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      status: cached.value.ok ? 'ok' : 'degraded',
      docker: cached.value,
      catalog: hub.catalog.status(),
      containers: { docker_available: hub.containers.dockerAvailable },
    };
  });

  router.get('/metrics', async (ctx) => {
    ctx.type = hub.registry.contentType;
    ctx.body = await hub.registry.metrics();
  });

  return router;
}
