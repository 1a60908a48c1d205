import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { raw } from './proxy-client';
import { newUrlId, type ProxyHarness, startProxyHarness } from './proxy-harness';

// An app that misbehaves on purpose, on a real socket. Its default route drops every kept-alive
// connection the moment a second request arrives on it, without answering: the race in which
// the proxy reuses a connection the app is just closing (uvicorn and Node close idle ones
// after 5 s, gunicorn's async workers after 2 s). `/die-mid-body` sends half its body and
// dies; `/garbage` answers with bytes that are not HTTP; `/close-soon` answers as if keeping
// the connection, then closes it a few milliseconds later, every time.
let app: http.Server;
let appUrl: string;
const seen: string[] = [];

beforeAll(async () => {
  const requestsOn = new WeakMap<Socket, number>();
  app = http.createServer((req, res) => {
    if (req.url?.endsWith('/die-mid-body')) {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100000' });
      res.write('x'.repeat(50_000), () => req.socket.destroy());
      return;
    }
    if (req.url?.endsWith('/close-soon')) {
      res.end('ok\n', () => setTimeout(() => req.socket.destroy(), 3));
      return;
    }
    if (req.url?.endsWith('/garbage')) {
      req.socket.end('this is not HTTP at all\r\n\r\n');
      return;
    }
    const n = (requestsOn.get(req.socket) ?? 0) + 1;
    requestsOn.set(req.socket, n);
    seen.push(`${req.method} ${n}`);
    if (n > 1) {
      req.socket.destroy();
      return;
    }
    req.resume();
    req.on('end', () => res.end('ok\n'));
  });
  app.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

afterAll(async () => {
  app.closeAllConnections();
  await new Promise((resolve) => app.close(resolve));
});

describe('against a misbehaving app', () => {
  let hub: ProxyHarness;
  const urlId = newUrlId();
  const prefix = `/user/alice/containers/${urlId}/`;
  // Keep-alive also from the client, so that a forwarded Connection header would show.
  const asAlice = { cookie: 'hub-session=alice', connection: 'keep-alive' };

  beforeAll(async () => {
    hub = await startProxyHarness();
    hub.routes.set({ urlId, user: 'alice', target: appUrl, containerId: 'c', mappingId: 'm' });
  });

  afterAll(async () => {
    await hub.close();
  });

  it('sends a GET again on a fresh connection when the kept-alive one was closed', async () => {
    expect((await raw(hub.url, `${prefix}a`, { headers: asAlice })).status).toBe(200);
    seen.length = 0;
    const again = await raw(hub.url, `${prefix}b`, { headers: asAlice });
    expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: 'ok\n' });
    expect(seen).toEqual(['GET 2', 'GET 1']);
  });

  it('never sends a POST twice: it answers 503 and the app saw it once', async () => {
    expect((await raw(hub.url, `${prefix}a`, { headers: asAlice })).status).toBe(200);
    seen.length = 0;
    const post = await raw(hub.url, `${prefix}form`, {
      method: 'POST',
      headers: { ...asAlice, accept: 'application/json', 'content-type': 'text/plain' },
      body: 'once',
    });
    expect(post.status).toBe(503);
    expect(seen).toEqual(['POST 2']);
  });

  it('cuts the client off when the app dies mid-answer, and keeps serving', async () => {
    const cut = await raw(hub.url, `${prefix}die-mid-body`, { headers: asAlice }).then(
      (r) => r.body.length,
      (err: NodeJS.ErrnoException) => err.code,
    );
    // Either the client notices the short body (aborted) or it got less than announced.
    expect(cut === 'ECONNRESET' || (typeof cut === 'number' && cut < 100_000)).toBe(true);
    expect((await raw(hub.url, `${prefix}a`, { headers: asAlice })).status).toBe(200);
  });

  it('answers an app that does not speak HTTP with an error page, and keeps serving', async () => {
    const res = await raw(hub.url, `${prefix}garbage`, {
      headers: { ...asAlice, accept: 'application/json' },
    });
    expect([502, 503]).toContain(res.status);
    expect(JSON.parse(res.body)).toHaveProperty('error.message');
    expect((await raw(hub.url, `${prefix}a`, { headers: asAlice })).status).toBe(200);
  });
});

describe('against an app that closes every connection right after answering', () => {
  // A hub of its own: its pool learns that this app closes connections.
  let hub: ProxyHarness;
  const urlId = newUrlId();
  const prefix = `/user/alice/containers/${urlId}/`;
  const asAlice = { cookie: 'hub-session=alice' };

  beforeAll(async () => {
    hub = await startProxyHarness();
    hub.routes.set({ urlId, user: 'alice', target: appUrl, containerId: 'c', mappingId: 'm' });
  });

  afterAll(async () => {
    await hub.close();
  });

  it('answers every request, though the app never says it closes', async () => {
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 25; i++) {
          const res = await raw(hub.url, `${prefix}close-soon`, { headers: asAlice });
          statuses.push(res.status);
        }
      }),
    );
    expect(statuses).toEqual(Array(200).fill(200));
  });
});
