import Koa from 'koa';
import { z } from 'zod';
import {
  BadRequest,
  errorMiddleware,
  ServiceUnavailable,
  TooManyRequests,
} from '../../server/errors';

async function run(err: unknown) {
  const app = new Koa();
  const logged: unknown[] = [];
  app.use(errorMiddleware((e) => logged.push(e)));
  app.use(() => {
    throw err;
  });
  const ctx = app.createContext(
    { headers: {}, method: 'GET', url: '/', socket: {} } as never,
    {
      setHeader() {},
      getHeader() {},
      removeHeader() {},
    } as never,
  );
  await (app.middleware[0] as Koa.Middleware)(ctx, () =>
    (app.middleware[1] as Koa.Middleware)(ctx, async () => undefined),
  );
  return {
    status: ctx.status,
    body: ctx.body as { error: Record<string, unknown> },
    logged,
    headers: ctx.response,
  };
}

describe('errorMiddleware', () => {
  it('renders typed errors with their status and message', async () => {
    const r = await run(new BadRequest('name: required'));
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ code: 'bad_request', message: 'name: required' });
    expect(r.logged).toHaveLength(0);
  });

  it('hides the message of unexpected errors and logs them', async () => {
    const r = await run(new Error('SQLITE_CORRUPT at /secret/path'));
    expect(r.status).toBe(500);
    expect(r.body.error.message).toBe('internal error');
    expect(r.logged).toHaveLength(1);
  });

  it('names each bad field of a zod failure', async () => {
    const parsed = z.object({ name: z.string(), age: z.number() }).safeParse({ age: 'x' });
    const r = await run(parsed.success ? null : parsed.error);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/name: .*; age: /);
  });

  it('shows 503 messages and Retry-After', async () => {
    const r = await run(new ServiceUnavailable('Docker does not answer', 'docker_unavailable', 5));
    expect(r.status).toBe(503);
    expect(r.body.error.message).toBe('Docker does not answer');
    const t = await run(new TooManyRequests('slow down', 7));
    expect(t.body.error.retry_after).toBe(7);
  });
});
