import type { Socket } from 'node:net';
import http from 'node:http';
import WebSocket from 'ws';
import { type EchoContainer, runEcho } from '../helpers/echo-image';
import { type EchoedRequest, headerOf, raw, type RawResponse } from './proxy-client';
import { newUrlId, type ProxyHarness, startProxyHarness } from './proxy-harness';

// One real echo container plays both alice's and bob's apps. A stopped container's address
// answers unpredictably (a fast refusal, or silence until ARP gives up after tens of seconds),
// so the "app refuses connections" route points at a closed port of the live container; the
// soak test covers a really stopped container.
let echo: EchoContainer;
let hub: ProxyHarness;
const ALICE_ID = newUrlId();
const BOB_ID = newUrlId();
const REFUSING_ID = newUrlId();
const DEAD_ID = newUrlId();
const alicePath = `/user/alice/containers/${ALICE_ID}/`;
const asAlice = { cookie: 'hub-session=alice; hub-session.sig=sig; app=1' };
const asBob = { cookie: 'hub-session=bob' };

beforeAll(async () => {
  echo = await runEcho();
});

afterAll(async () => {
  await echo?.stop();
});

describe('the user proxy', () => {
  beforeAll(async () => {
    hub = await startProxyHarness({ wsPingSeconds: 1, timeoutSeconds: 1 });
    const common = { containerId: echo.id, mappingId: 'grant-1' };
    hub.routes.set({ ...common, urlId: ALICE_ID, user: 'alice', target: echo.target });
    hub.routes.set({ ...common, urlId: BOB_ID, user: 'bob', target: echo.target });
    const closedPort = `http://${echo.ip}:1`;
    hub.routes.set({ ...common, urlId: REFUSING_ID, user: 'alice', target: closedPort });
    hub.routes.set({
      ...common,
      urlId: DEAD_ID,
      user: 'alice',
      target: closedPort,
      status: 'dead',
    });
  });

  afterAll(async () => {
    await hub?.close();
  });

  const get = (path: string, headers: http.OutgoingHttpHeaders = {}) =>
    raw(hub.url, path, { headers });

  describe('HTTP through the proxy', () => {
    it('reaches the owner container with the full path kept', async () => {
      const res = await get(`${alicePath}lab/headers?x=1`, asAlice);
      expect(res.status).toBe(200);
      const echoed = JSON.parse(res.body) as EchoedRequest;
      expect(echoed.path).toBe(`${alicePath}lab/headers?x=1`);
    });

    it('never forwards the hub cookies or the Authorization header', async () => {
      for (const headers of [asAlice, { authorization: 'Bearer tok-alice', cookie: 'app=2' }]) {
        const res = await get(`${alicePath}headers`, headers);
        expect(res.status).toBe(200);
        const echoed = JSON.parse(res.body) as EchoedRequest;
        const cookies = headerOf(echoed, 'cookie').join('; ');
        expect(cookies).not.toMatch(/hub-session/i);
        expect(cookies).toMatch(/^app=\d$/);
        expect(headerOf(echoed, 'authorization')).toEqual([]);
        expect(res.body).not.toMatch(/tok-alice|hub-session/);
      }
    });

    it('sets X-Forwarded-* from the connection, not from the client', async () => {
      const res = await get(`${alicePath}headers`, {
        ...asAlice,
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-host': 'evil.test',
      });
      const echoed = JSON.parse(res.body) as EchoedRequest;
      expect(headerOf(echoed, 'x-forwarded-for')).toEqual(['127.0.0.1']);
      expect(headerOf(echoed, 'x-forwarded-proto')).toEqual(['http']);
      expect(headerOf(echoed, 'x-forwarded-host')).toEqual([`127.0.0.1:${hub.port}`]);
    });

    it('adds no security headers of its own to app responses', async () => {
      const res = await get(`${alicePath}hello`, asAlice);
      expect(res.status).toBe(200);
      for (const h of [
        'content-security-policy',
        'x-frame-options',
        'x-content-type-options',
        'strict-transport-security',
        'referrer-policy',
      ])
        expect(res.headers[h]).toBeUndefined();
    });

    it('confines cookies the app sets to its own prefix and never lets it set a hub cookie', async () => {
      const cookies = [
        'app=1; Path=/; Domain=127.0.0.1',
        'hub-session=evil; Path=/',
        `deep=2; Path=${alicePath}x`,
      ];
      const query = cookies.map((c) => `c=${encodeURIComponent(c)}`).join('&');
      const res = await get(`${alicePath}set-cookie?${query}`, asAlice);
      expect(res.headers['set-cookie']).toEqual([
        `app=1; Path=${alicePath}`,
        `deep=2; Path=${alicePath}x`,
      ]);
    });

    it('redirects the bare prefix to its trailing-slash form, for the owner only', async () => {
      const res = await get(`/user/alice/containers/${ALICE_ID}?a=1`, asAlice);
      expect(res.status).toBe(301);
      expect(res.headers.location).toBe(`${alicePath}?a=1`);
      expect((await get(`/user/alice/containers/${ALICE_ID}`, asBob)).status).toBe(404);
    });

    it('records activity for successful responses only, in memory', async () => {
      hub.routes.touch(ALICE_ID, 1);
      await get(`${alicePath}status/404`, asAlice);
      expect(hub.routes.get(ALICE_ID)!.lastActivity).toBe(1);
      await get(`${alicePath}status/204`, asAlice);
      expect(hub.routes.get(ALICE_ID)!.lastActivity).toBeGreaterThan(1);
    });

    it('streams a POST body to the app', async () => {
      const body = 'x'.repeat(100_000);
      const res = await raw(hub.url, `${alicePath}sink`, {
        method: 'POST',
        headers: asAlice,
        body,
      });
      expect(res.body.trim()).toBe(String(body.length));
    });

    it('takes an upload that waits for 100 Continue, as curl sends large bodies', async () => {
      const { hostname, port } = new URL(hub.url);
      const body = Buffer.alloc(300_000, 'u');
      const answer = await new Promise<{ continued: boolean; status: number; text: string }>(
        (resolve, reject) => {
          let continued = false;
          const req = http.request({
            host: hostname,
            port,
            method: 'POST',
            path: `${alicePath}sink`,
            agent: false,
            headers: { ...asAlice, expect: '100-continue', 'content-length': body.length },
          });
          req.on('continue', () => {
            continued = true;
            req.end(body);
          });
          req.on('response', (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve({ continued, status: res.statusCode ?? 0, text }));
          });
          req.on('error', reject);
        },
      );
      expect(answer).toEqual({ continued: true, status: 200, text: `${body.length}\n` });
    });

    it('answers HEAD with the headers of GET and no body', async () => {
      const head = await raw(hub.url, `${alicePath}bytes/4096`, {
        method: 'HEAD',
        headers: asAlice,
      });
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe('4096');
      expect(head.body).toBe('');
      // The connection stays usable: the next request on a fresh one is answered normally.
      expect((await get(`${alicePath}hello`, asAlice)).status).toBe(200);
    });
  });

  describe('access control', () => {
    // Everything that is not "the owner asks for their container" must look the same.
    const comparable = (r: RawResponse) => ({
      status: r.status,
      body: r.body,
      headers: Object.keys(r.headers)
        .filter((h) => h !== 'date')
        .sort(),
      type: r.headers['content-type'],
    });

    it('gives other users, guessed url_ids and wrong prefixes one identical 404', async () => {
      const api = { accept: 'application/json' };
      const answers = await Promise.all([
        get(`${alicePath}headers`, { ...asBob, ...api }),
        get(`/user/alice/containers/${newUrlId()}/headers`, { ...asAlice, ...api }),
        get(`/user/bob/containers/${ALICE_ID}/headers`, { ...asBob, ...api }),
        get(`/user/alice/containers/${BOB_ID}/headers`, { ...asAlice, ...api }),
        get(`${alicePath}headers`, api),
        get(`/user/alice/containers/${newUrlId()}/`, api),
        get('/user/alice/', { ...asAlice, ...api }),
      ]);
      const first = comparable(answers[0]);
      expect(first.status).toBe(404);
      expect(JSON.parse(first.body)).toMatchObject({ error: { code: 'not_found' } });
      for (const a of answers) expect(comparable(a)).toEqual(first);
    });

    it('answers browsers of other users with the same HTML 404', async () => {
      const html = { accept: 'text/html,application/xhtml+xml' };
      const a = await get(alicePath, { ...asBob, ...html });
      const b = await get(`/user/alice/containers/${newUrlId()}/`, { ...asBob, ...html });
      expect(a.status).toBe(404);
      expect(a.headers['content-type']).toMatch(/text\/html/);
      expect(comparable(a)).toEqual(comparable(b));
    });

    it('sends anonymous browsers to the login page and back, whether or not the app exists', async () => {
      const html = { accept: 'text/html' };
      const a = await get(`${alicePath}lab?x=1`, html);
      const b = await get(`/user/alice/containers/${newUrlId()}/lab?x=1`, html);
      expect(a.status).toBe(302);
      expect(a.headers.location).toBe(`/login?next=${encodeURIComponent(`${alicePath}lab?x=1`)}`);
      expect(b.status).toBe(302);
      expect(Object.keys(a.headers).sort()).toEqual(Object.keys(b.headers).sort());
    });

    it.each([
      [`${alicePath}../../../bob/containers/${BOB_ID}/headers`],
      [`${alicePath}%2e%2e/%2e%2e/%2e%2e/bob/containers/${BOB_ID}/headers`],
      [`/user/alice%2fcontainers%2f${ALICE_ID}%2f..%2f..%2f..%2fbob/containers/${BOB_ID}/headers`],
      [`//user/bob//containers/${BOB_ID}//headers`],
    ])('does not let alice reach bob by path tricks: %s', async (path) => {
      const res = await get(path, { ...asAlice, accept: 'application/json' });
      expect(res.status).toBe(404);
      expect(res.body).not.toMatch(/"headers"/);
    });

    it("keeps an encoded backslash inside its segment, within alice's own container", async () => {
      const res = await get(
        `${alicePath}..%5c..%5c..%5cbob%5ccontainers%5c${BOB_ID}/headers`,
        asAlice,
      );
      expect(res.status).toBe(200);
      expect((JSON.parse(res.body) as EchoedRequest).path).toBe(
        `${alicePath}..%5C..%5C..%5Cbob%5Ccontainers%5C${BOB_ID}/headers`,
      );
    });

    it('routes an odd but valid spelling of her own path to alice', async () => {
      const res = await get(`//user/alice//containers/${ALICE_ID}/x/../headers`, asAlice);
      expect(res.status).toBe(200);
      expect((JSON.parse(res.body) as EchoedRequest).path).toBe(`${alicePath}headers`);
    });

    it('answers a malformed escape with 400 and keeps serving', async () => {
      for (const bad of ['%zz', '%', '%c0%af', '%e2%82'])
        expect((await get(`${alicePath}${bad}/x`, asAlice)).status).toBe(400);
      expect((await get(`${alicePath}hello`, asAlice)).status).toBe(200);
    });
  });

  describe('errors', () => {
    it('answers 503 with a way to start the app again when the route is dead', async () => {
      const page = await get(`/user/alice/containers/${DEAD_ID}/`, {
        ...asAlice,
        accept: 'text/html',
      });
      expect(page.status).toBe(503);
      expect(page.body).toContain('href="/hub/launcher?start=grant-1"');
      const api = await get(`/user/alice/containers/${DEAD_ID}/`, {
        ...asAlice,
        accept: 'application/json',
      });
      expect(api.status).toBe(503);
      expect(JSON.parse(api.body)).toEqual({
        error: {
          code: 'app_not_running',
          message: expect.stringMatching(/start it again/),
          mapping_id: 'grant-1',
          start_url: '/hub/launcher?start=grant-1',
        },
      });
    });

    it('answers 503 when the app refuses connections and its route is not yet marked dead', async () => {
      const res = await get(`/user/alice/containers/${REFUSING_ID}/`, {
        ...asAlice,
        accept: 'application/json',
      });
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'app_not_running' } });
    });

    it('answers 504 when the app sends no headers within proxy.timeout_seconds', async () => {
      const res = await get(`${alicePath}hang`, { ...asAlice, accept: 'application/json' });
      expect(res.status).toBe(504);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'timeout' } });
    });

    it('frees the upstream connection when the client leaves mid-download', async () => {
      const toEcho = () =>
        (process as unknown as { _getActiveHandles(): unknown[] })
          ._getActiveHandles()
          .filter(
            (h): h is Socket => (h as Socket).remoteAddress === echo.ip && !(h as Socket).destroyed,
          );
      const before = toEcho().length;
      await new Promise<void>((resolve, reject) => {
        const req = http.get(
          {
            host: '127.0.0.1',
            port: hub.port,
            path: `${alicePath}bytes/${1 << 30}`,
            headers: asAlice,
            agent: false,
          },
          (res) => {
            let seen = 0;
            res.on('data', (c: Buffer) => {
              seen += c.length;
              if (seen > 1 << 20) {
                expect(toEcho().length).toBe(before + 1);
                req.destroy();
                resolve();
              }
            });
          },
        );
        req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      });
      while (toEcho().length > before) await new Promise((r) => setTimeout(r, 20));
      expect(toEcho().length).toBe(before);
    });

    it('exports request, byte and error metrics', async () => {
      const text = await hub.registry.metrics();
      expect(text).toMatch(/hub_proxy_requests_total\{status_class="2xx"\} [1-9]/);
      expect(text).toMatch(/hub_proxy_requests_total\{status_class="4xx"\} [1-9]/);
      expect(text).toMatch(/hub_proxy_bytes_total\{direction="out"\} [1-9]/);
      expect(text).toMatch(/hub_proxy_upstream_errors_total\{kind="refused"\} [1-9]/);
      expect(text).toMatch(/hub_proxy_upstream_errors_total\{kind="timeout"\} [1-9]/);
    });
  });

  describe('WebSocket through the proxy', () => {
    const wsUrl = (path: string) => `ws://127.0.0.1:${hub.port}${path}`;

    it('echoes text and binary messages for the owner and counts the tunnel', async () => {
      const ws = new WebSocket(wsUrl(`${alicePath}websockify`), ['binary'], { headers: asAlice });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      expect(ws.protocol).toBe('binary');
      expect(hub.proxy.openWebSockets).toBe(1);
      const replies: string[] = [];
      const done = new Promise<void>((resolve) =>
        ws.on('message', (m: Buffer) => {
          replies.push(m.toString().slice(0, 10));
          if (replies.length === 2) resolve();
        }),
      );
      ws.send('hello');
      ws.send(Buffer.alloc(300_000, 'b'));
      await done;
      expect(replies).toEqual(['hello', 'bbbbbbbbbb']);
      expect(await hub.registry.metrics()).toMatch(/hub_proxy_websockets_open 1/);
      ws.close();
      await new Promise((resolve) => ws.once('close', resolve));
      while (hub.proxy.openWebSockets > 0) await new Promise((r) => setTimeout(r, 10));
      expect(await hub.registry.metrics()).toMatch(/hub_proxy_websockets_open 0/);
    });

    it('keeps idle WebSockets alive with pings and records activity', async () => {
      const ws = new WebSocket(wsUrl(`${alicePath}ws`), { headers: asAlice });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      hub.routes.touch(ALICE_ID, 1);
      await new Promise((resolve) => ws.once('ping', resolve));
      // The pong went to the app; the connection still carries messages both ways.
      const reply = new Promise((resolve) => ws.once('message', resolve));
      ws.send('after ping');
      expect(String(await reply)).toBe('after ping');
      expect(hub.routes.get(ALICE_ID)!.lastActivity).toBeGreaterThan(1);
      ws.terminate();
    });

    it.each([
      ['another user', `${alicePath}ws`, asBob, 404],
      ['an anonymous client', `${alicePath}ws`, {}, 404],
      ['a guessed url_id', `/user/alice/containers/${newUrlId()}/ws`, asAlice, 404],
      ['a dead app', `/user/alice/containers/${DEAD_ID}/ws`, asAlice, 503],
      ['an app refusing connections', `/user/alice/containers/${REFUSING_ID}/ws`, asAlice, 503],
    ])('refuses %s', async (_who, path, headers, status) => {
      const ws = new WebSocket(wsUrl(path), { headers });
      const answer = await new Promise<number>((resolve) => {
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('open', () => resolve(101));
        ws.once('error', () => undefined);
      });
      ws.terminate();
      expect(answer).toBe(status);
    });
  });
});
