import fs from 'node:fs';
import path from 'node:path';
import type { Middleware } from 'koa';
import send from 'koa-send';
import { safeNext } from '../auth/safe-next';
import { escapeHtml, page } from './html';

const DIST = path.resolve(__dirname, '..', '..', 'frontend', 'dist');
const DIST_FALLBACK = path.resolve(__dirname, '..', '..', '..', 'frontend', 'dist');

function distDir(): string {
  return fs.existsSync(DIST) ? DIST : DIST_FALLBACK;
}

/** The login form served when the portal bundle is not built: the hub stays usable. */
export function loginFallback(next: string, error?: string): string {
  return page(
    'Log in',
    `<h1>Log in</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/login">
<p><label>User name <input name="username" autocomplete="username" required autofocus></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
<input type="hidden" name="next" value="${escapeHtml(next)}">
<p><button type="submit">Log in</button></p></form>`,
  );
}

/**
 * Serves the built portal: hashed assets with immutable caching, and index.html (never
 * cached, so a new release is picked up) for the client-side routes.
 */
export function spa(): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const dir = distDir();
    if (ctx.path.startsWith('/assets/')) {
      ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
      await send(ctx, ctx.path, { root: dir });
      return;
    }
    if (ctx.path === '/') return ctx.redirect('/hub/');
    if (ctx.path === '/login' || ctx.path === '/hub' || ctx.path.startsWith('/hub/')) {
      const index = path.join(dir, 'index.html');
      ctx.set('Cache-Control', 'no-cache');
      ctx.type = 'html';
      if (fs.existsSync(index)) ctx.body = fs.createReadStream(index);
      else ctx.body = loginFallback(safeNext(ctx.query.next));
      return;
    }
    if (
      /^\/(favicon\.ico|icon\.svg|robots\.txt)$/.test(ctx.path) &&
      fs.existsSync(path.join(dir, ctx.path))
    ) {
      ctx.set('Cache-Control', 'public, max-age=86400');
      await send(ctx, ctx.path, { root: dir });
      return;
    }
    return next();
  };
}
