import type { Middleware } from 'koa';
import { ZodError } from 'zod';

/**
 * An error the hub raises on purpose. It carries the HTTP status and a stable code, and says
 * whether its message may be shown to the caller: a 5xx never shows its internal message.
 */
export class HubError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }

  get expose(): boolean {
    return this.status < 500;
  }
}

export class BadRequest extends HubError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(400, 'bad_request', message, details);
  }
}
export class Unauthorized extends HubError {
  constructor(message = 'log in first: this needs a session or an API token') {
    super(401, 'unauthorized', message);
  }
}
export class Forbidden extends HubError {
  constructor(message = 'you are not allowed to do this') {
    super(403, 'forbidden', message);
  }
}
export class NotFound extends HubError {
  constructor(message = 'not found') {
    super(404, 'not_found', message);
  }
}
export class Conflict extends HubError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}
export class PayloadTooLarge extends HubError {
  constructor(message = 'the request body is too large') {
    super(413, 'payload_too_large', message);
  }
}
export class TooManyRequests extends HubError {
  constructor(message: string, retryAfterSeconds: number) {
    super(
      429,
      'too_many_requests',
      message,
      { retry_after: retryAfterSeconds },
      {
        'Retry-After': String(retryAfterSeconds),
      },
    );
  }
}
export class ServiceUnavailable extends HubError {
  constructor(message: string, code = 'unavailable', retryAfterSeconds?: number) {
    super(
      503,
      code,
      message,
      undefined,
      retryAfterSeconds ? { 'Retry-After': String(retryAfterSeconds) } : undefined,
    );
  }
  // A 503 is the hub telling the truth about a dependency (Docker down, hub full): show it.
  override get expose(): boolean {
    return true;
  }
}
export class GatewayTimeout extends HubError {
  constructor(message: string) {
    super(504, 'timeout', message);
  }
  override get expose(): boolean {
    return true;
  }
}

/** Formats a zod failure as one sentence naming each bad field. */
export function describeZodError(err: ZodError): string {
  return err.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** Maps any thrown error to a HubError; unknown errors become an opaque 500. */
export function toHubError(err: unknown): HubError {
  if (err instanceof HubError) return err;
  if (err instanceof ZodError) return new BadRequest(describeZodError(err));
  const e = err as { status?: number; statusCode?: number; expose?: boolean; message?: string };
  const status = e?.status ?? e?.statusCode;
  // koa/bodyparser raise http-errors (413, 400 for bad JSON) that are safe to show.
  if (typeof status === 'number' && status >= 400 && status < 500 && e.expose !== false) {
    const code = status === 413 ? 'payload_too_large' : 'bad_request';
    const message = status === 413 ? 'the request body is too large' : (e.message ?? 'bad request');
    return new HubError(status, code, message);
  }
  return new HubError(500, 'internal', 'internal error');
}

/**
 * The one place errors become HTTP. Mounted first after the access log (which records the
 * status it sets), so every later middleware can just throw.
 * `onServerError` receives 5xx errors for logging with their real cause.
 */
export function errorMiddleware(onServerError: (err: unknown, ctx: unknown) => void): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const hubErr = toHubError(err);
      if (hubErr.status >= 500) onServerError(err, ctx);
      ctx.status = hubErr.status;
      for (const [k, v] of Object.entries(hubErr.headers ?? {})) ctx.set(k, v);
      const message = hubErr.expose ? hubErr.message : 'internal error';
      ctx.body = { error: { code: hubErr.code, message, ...(hubErr.details ?? {}) } };
    }
  };
}
