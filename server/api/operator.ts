import { timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import { bearerToken } from '../auth/identify';
import type { DockerHealth } from '../docker/client';
import { HubError } from '../errors';
import type { Hub } from '../hub';
import type { Health } from './wire';

const HEALTH_CACHE_MS = 2000;

/** Whether `sent` is `expected`, in time independent of where they differ. */
function sameSecret(sent: string | null, expected: string): boolean {
  if (sent === null) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * GET /health (is Docker answering?) and GET /metrics (Prometheus text). With `metrics.token`
 * set (env HUB_METRICS_TOKEN), /metrics needs it as a bearer token: its counters tell an
 * outsider how many users log in and fail, and which containers run.
 */
export function operatorRouter(hub: Hub): Router {
  const router = new Router();
  let cached: { at: number; value: DockerHealth } | null = null;

  router.get('/health', async (ctx) => {
    if (!cached || Date.now() - cached.at > HEALTH_CACHE_MS)
      cached = { at: Date.now(), value: await hub.docker.health() };
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
    const token = hub.config.metrics.token;
    if (token !== undefined && !sameSecret(bearerToken(ctx.req), token)) {
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new HubError(
        401,
        'unauthorized',
        'metrics need `Authorization: Bearer <token>` with the token set as HUB_METRICS_TOKEN',
      );
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = hub.registry.contentType;
    ctx.body = await hub.registry.metrics();
  });

  return router;
}
