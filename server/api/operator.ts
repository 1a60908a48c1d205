import Router from '@koa/router';
import { Catalog } from '../catalog/catalog';
import { dockerHealth, type DockerHealth } from '../docker/client';
import { ContainerManager } from '../spawner/container-manager';
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
    const status = hub.services.catalog instanceof Catalog ? hub.services.catalog.status() : null;
    const catalog = status && { ...status, scanned_at: status.scanned_at?.toISOString() ?? null };
    const containers =
      hub.services.containers instanceof ContainerManager
        ? { docker_available: hub.services.containers.dockerAvailable }
        : null;
    ctx.body = {
      status: cached.value.ok ? 'ok' : 'degraded',
      docker: cached.value,
      catalog,
      containers,
    } satisfies Health;
  });

  router.get('/metrics', async (ctx) => {
    ctx.type = hub.registry.contentType;
    ctx.body = await hub.registry.metrics();
  });

  return router;
}
