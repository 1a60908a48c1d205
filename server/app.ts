import bodyParser from '@koa/bodyparser';
import Koa from 'koa';
import { ROUTERS } from './api';
import { csrfMiddleware, isSimphonyClientCall } from './auth/csrf';
import { identityMiddleware } from './auth/identify';
import { loginRouter } from './auth/login-routes';
import { errorMiddleware, NotFound } from './errors';
import type { Hub } from './hub';
import { logger } from './log';
import { accessLog } from './web/access-log';
import { absoluteAppUrls } from './web/app-urls';
import { bodyTimeout } from './web/body-timeout';
import { securityHeaders } from './web/security-headers';
import { spa } from './web/spa';

const log = logger('app');

/**
 * Composes the hub's Koa app: access log, errors, security headers, body, identity, CSRF,
 * routes, portal. The access log wraps the error middleware so it records the status the
 * client got (a thrown error is a 500 there, not Koa's default 404).
 */
export function createApp(hub: Hub): Koa {
  const app = new Koa({ proxy: hub.config.trust_proxy });
  app.keys = hub.keys;
  // Koa logs unhandled errors itself; ours are all handled by errorMiddleware.
  app.silent = true;

  app.use(accessLog(hub.metrics));
  app.use(
    errorMiddleware((err, ctx) =>
      log.error({ err, path: (ctx as Koa.Context).path }, 'request failed'),
    ),
  );
  app.use(securityHeaders((ctx) => hub.apps.origins.frameSource(ctx.req)));
  app.use(bodyTimeout(hub.config.body_timeout_seconds));
  app.use(
    bodyParser({
      enableTypes: ['json', 'form'],
      encoding: 'utf-8',
      jsonLimit: hub.config.max_body_bytes,
      formLimit: hub.config.max_body_bytes,
      // remoteapprest posts its JSON without a Content-Type. Only on that one path; a page's
      // request there still needs the CSRF token (it carries Origin: see csrf.ts).
      detectJSON: (ctx) => ctx.method === 'POST' && isSimphonyClientCall(ctx),
    }),
  );
  app.use(identityMiddleware(hub.identify));
  app.use(csrfMiddleware(hub.config.public_url));
  app.use(absoluteAppUrls(hub.apps));
  for (const router of [loginRouter(hub), ...ROUTERS.map((f) => f(hub))]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  app.use(spa());
  app.use(async (ctx) => {
    throw new NotFound(`nothing at ${ctx.method} ${ctx.path.slice(0, 200)}`);
  });
  return app;
}
