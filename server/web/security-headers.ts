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
 * `appFrames` names the app origins the portal may show in a frame ("Open here"), e.g.
 * `http://*.apps.localhost:8000`; null when apps share the hub's origin.
 */
export function securityHeaders(
  appFrames: (ctx: Context) => string | null = () => null,
): Middleware {
  return async (ctx, next) => {
    const frames = appFrames(ctx);
    ctx.set('Content-Security-Policy', `${CSP}; frame-src 'self'${frames ? ` ${frames}` : ''}`);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'SAMEORIGIN');
    ctx.set('Referrer-Policy', 'same-origin');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    if (ctx.secure) ctx.set('Strict-Transport-Security', 'max-age=31536000');
    await next();
  };
}
