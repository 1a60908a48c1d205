import type { Middleware } from 'koa';
import { clip, logger } from '../log';
import type { HubMetrics } from '../metrics';

const log = logger('http');

/** One line per hub request; level by outcome (2xx info, 4xx warn, 5xx error). */
export function accessLog(metrics: HubMetrics): Middleware {
  return async (ctx, next) => {
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const status = ctx.status;
      metrics.httpRequests.inc({ method: ctx.method, status: `${Math.floor(status / 100)}xx` });
      metrics.httpDuration.observe({ method: ctx.method }, ms / 1000);
      const entry = {
        method: ctx.method,
        path: clip(ctx.path, 200),
        status,
        ms: Math.round(ms * 10) / 10,
        user: ctx.state.identity?.name,
        address: ctx.ip,
      };
      if (status >= 500) log.error(entry, 'request');
      else if (status >= 400) log.warn(entry, 'request');
      else log.info(entry, 'request');
    }
  };
}
