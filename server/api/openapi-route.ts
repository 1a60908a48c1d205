import Router from '@koa/router';
import { openApiDocument } from './openapi';

/**
 * GET /api/v1/openapi.json: public, as it describes the API and holds no secret. Built on the
 * first request (the schemas never change while the process runs) and kept.
 */
export function openApiRouter(): Router {
  const router = new Router();
  let document: string | null = null;
  router.get('/api/v1/openapi.json', (ctx) => {
    document ??= JSON.stringify(openApiDocument());
    ctx.type = 'application/json';
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = document;
  });
  return router;
}
