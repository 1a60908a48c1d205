import { Stream } from 'node:stream';
import type { Middleware } from 'koa';
import { type AppOriginServices, isUrlIdLabel } from '../proxy/app-origins';

/** Containers appear in answers as objects with a `url_id` and a `url` path; not deeper. */
const MAX_DEPTH = 3;

/**
 * Makes container URLs in API answers absolute on their app origins when apps are isolated for
 * the caller's view of the hub (DESIGN.md: "The `url` of a container in API answers is absolute
 * when apps are isolated"). Done once at the edge, so every route that shows a container (own
 * list, one container, the applications list, the admin list) agrees, and the spawner keeps
 * producing plain paths. It also remembers which hub origin handed out each app's URL, so the
 * app origin can send a browser without its cookie back there to be signed in.
 */
export function absoluteAppUrls(s: AppOriginServices): Middleware {
  return async (ctx, next) => {
    await next();
    const body: unknown = ctx.body;
    if (!body || typeof body !== 'object' || body instanceof Stream || Buffer.isBuffer(body))
      return;
    const domain = s.origins.appsDomainFor(ctx.req);
    if (!domain) return;
    const hubOrigin = s.origins.hubOrigin(ctx.req);
    const visit = (node: unknown, depth: number): void => {
      if (!node || typeof node !== 'object' || depth > MAX_DEPTH) return;
      if (Array.isArray(node)) {
        for (const item of node) visit(item, depth + 1);
        return;
      }
      const o = node as Record<string, unknown>;
      if (
        typeof o.url_id === 'string' &&
        typeof o.url === 'string' &&
        o.url.startsWith('/user/') &&
        isUrlIdLabel(o.url_id)
      ) {
        o.url = s.origins.appOrigin(ctx.req, o.url_id, domain) + o.url;
        s.access.rememberHubOrigin(o.url_id, hubOrigin);
        return;
      }
      for (const v of Object.values(o)) visit(v, depth + 1);
    };
    visit(body, 0);
  };
}
