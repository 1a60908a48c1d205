import type { Context, Middleware } from 'koa';

/**
 * Security headers for the hub's own answers (portal, API). Proxied app responses never pass
 * through Koa, so apps keep their own headers untouched.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

/**
 * Answers that may carry a user's data or credentials (the API, login and logout, the
 * SimPhoNy-compatible API under /user/<name>/api/) are never stored by a browser or a shared
 * cache: a later user of the same machine or proxy cannot replay them from a cache.
 */
function noStore(path: string): boolean {
  return (
    path.startsWith('/api/') ||
    path === '/login' ||
    path.startsWith('/login/') ||
    path === '/logout' ||
    /^\/user\/[^/]+\/api\//.test(path) ||
    path === '/hub/login' ||
    path.startsWith('/hub/api/')
  );
}

/**
 * `appFrames` names the app origins the portal may show in a frame ("Open here"), e.g.
 * `http://*.apps.localhost:8000`; null when apps share the hub's origin.
 */
export function securityHeaders(
  appFrames: (ctx: Context) => string | null = () => null,
): Middleware {
  return async (ctx, next) => {
    const privateAnswer = noStore(ctx.path);
    if (privateAnswer) ctx.set('Cache-Control', 'no-store');
    const frames = appFrames(ctx);
    ctx.set('Content-Security-Policy', `${CSP}; frame-src 'self'${frames ? ` ${frames}` : ''}`);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'SAMEORIGIN');
    ctx.set('Referrer-Policy', 'same-origin');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    if (ctx.secure) ctx.set('Strict-Transport-Security', 'max-age=31536000');
    try {
      await next();
    } finally {
      // Routes that set their own caching (the portal's index for /login) are overridden; an
      // app icon (an image, no user data) keeps its own private caching.
      if (privateAnswer && !ctx.response.is('image/*')) ctx.set('Cache-Control', 'no-store');
    }
  };
}
