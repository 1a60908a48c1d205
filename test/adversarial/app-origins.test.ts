import WebSocket from 'ws';
import { type EchoContainer, runEcho } from '../helpers/echo-image';
import {
  type Client,
  type TestHub,
  bootHub,
  loopbackDispatcher,
  loopbackLookup,
} from '../helpers/hub';
import { type EchoedRequest, headerOf } from '../integration/proxy-client';
import { newUrlId } from '../integration/proxy-harness';

/**
 * App-origin isolation as an attacker tries it (shared/DESIGN.md "App origins"): an app's page
 * runs on `<url_id>.apps.localhost`, never on the hub's origin; what its script can reach from
 * there is its own container and nothing of the hub. Real hub, real echo container, real
 * sockets; `*.localhost` is resolved to loopback as browsers do.
 */
let echo: EchoContainer;
let th: TestHub;
let alice: Client;
let bob: Client;
const A = newUrlId();
const B = newUrlId();
const BOB = newUrlId();
const prefix = (user: string, id: string) => `/user/${user}/containers/${id}/`;
let port: string;
const appOrigin = (id: string) => `http://${id}.apps.localhost:${port}`;
const appUrl = (user: string, id: string, rest = '') => appOrigin(id) + prefix(user, id) + rest;

/** A request with every header as given (Origin, Host, cookies), through loopback. */
async function send(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { redirect: 'manual', dispatcher: loopbackDispatcher, ...init } as never);
}

function wsStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), {
      headers,
      lookup: loopbackLookup,
    } as WebSocket.ClientOptions);
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      resolve(101);
      ws.terminate();
    });
    ws.once('error', () => resolve(0));
  });
}

beforeAll(async () => {
  echo = await runEcho();
  th = await bootHub();
  port = new URL(th.url).port;
  alice = await th.userClient('alice');
  bob = await th.userClient('bob');
  const routes = th.hub.routes;
  for (const [id, user] of [
    [A, 'alice'],
    [B, 'alice'],
    [BOB, 'bob'],
  ])
    routes.set({ urlId: id, user, target: echo.target, containerId: echo.id, mappingId: 'm' });
});

afterAll(async () => {
  await th?.close();
  await echo?.stop();
});

describe('the hub origin never serves app content to a browser', () => {
  it.each(['GET', 'HEAD'])(
    '%s with the session is sent to the app origin with a ticket',
    async (method) => {
      const res = await alice.fetch(`${prefix('alice', A)}page?x=1`, { method });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      expect(location.origin).toBe(appOrigin(A));
      expect(location.pathname).toBe('/_hub/ticket');
      expect(location.searchParams.get('t')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(res.headers.get('cache-control')).toBe('no-store');
    },
  );

  it.each(['POST', 'PUT', 'DELETE', 'PATCH'])(
    '%s with the session is refused with a reason (no app content, no state change)',
    async (method) => {
      const res = await alice.fetch(`${prefix('alice', A)}headers`, {
        method,
        headers: { accept: 'application/json' },
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'app_origin_only',
      );
    },
  );

  it('refuses a WebSocket opened with the session on the hub origin', async () => {
    const status = await wsStatus(`${th.url}${prefix('alice', A)}ws`, {
      cookie: alice.cookieHeader(),
      origin: th.url,
    });
    expect(status).toBe(403);
  });

  it('still serves API tokens on the hub origin (scripts)', async () => {
    const { body } = await alice.json<{ token: string }>('/api/v1/tokens', {
      method: 'POST',
      json: {},
    });
    const script = th.client();
    script.bearer = body.token;
    const res = await script.fetch(`${prefix('alice', A)}headers`);
    expect(res.status).toBe(200);
    expect(headerOf((await res.json()) as EchoedRequest, 'authorization')).toEqual([]);
    const onApp = await send(appUrl('alice', A, 'headers'), {
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(onApp.status).toBe(200);
  });

  it('gives no ticket for a container that is not the caller’s, and tells nothing', async () => {
    for (const path of [prefix('alice', A), prefix('bob', A), prefix('alice', newUrlId())]) {
      const res = await bob.fetch(`${path}page`, { headers: { accept: 'application/json' } });
      expect(res.status).toBe(404);
    }
  });
});

describe('tickets', () => {
  async function ticketFor(c: Client, id: string, user = 'alice'): Promise<string> {
    const res = await c.fetch(`${prefix(user, id)}landing?q=1`);
    return res.headers.get('location')!;
  }

  it('becomes a host-only HttpOnly cookie and a redirect to the clean URL, once', async () => {
    const ticket = await ticketFor(alice, A);
    const res = await send(ticket);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${prefix('alice', A)}landing?q=1`);
    const [cookie, frameCookie] = res.headers.getSetCookie();
    expect(cookie).toMatch(/^hub-app=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
    // The portal's frame: partitioned, so sent only in frames under the hub's site.
    expect(frameCookie).toMatch(
      /^hub-app-frame=[^;]+; Path=\/; HttpOnly; SameSite=None; Secure; Partitioned$/,
    );
    expect(`${cookie}${frameCookie}`).not.toMatch(/domain/i);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const again = await send(ticket);
    expect(again.status).toBe(400);
    expect(again.headers.getSetCookie()).toEqual([]);
  });

  it('is refused on another app origin, and is spent by the try', async () => {
    const ticket = new URL(await ticketFor(alice, A));
    const elsewhere = `${appOrigin(B)}${ticket.pathname}${ticket.search}`;
    expect((await send(elsewhere)).status).toBe(400);
    expect((await send(ticket.href)).status).toBe(400);
  });

  it('is refused when forged, empty, repeated as a parameter or sent with POST', async () => {
    for (const q of ['', '?t=', '?t=forged', '?t=a&t=b', `?t=${'A'.repeat(43)}`])
      expect((await send(`${appOrigin(A)}/_hub/ticket${q}`)).status).toBe(400);
    const ticket = await ticketFor(alice, A);
    expect((await send(ticket, { method: 'POST' })).status).toBe(400);
  });

  it('dies with the session that asked for it', async () => {
    const carol = await th.userClient('carol');
    th.hub.routes.set({
      urlId: 'c'.repeat(32),
      user: 'carol',
      target: echo.target,
      containerId: echo.id,
      mappingId: 'm',
    });
    const ticket = await ticketFor(carol, 'c'.repeat(32), 'carol');
    await carol.fetch('/logout', { method: 'POST' });
    expect((await send(ticket)).status).toBe(400);
  });
});

describe('an app origin serves its own container and nothing else', () => {
  let cookie: string;
  beforeAll(async () => {
    expect((await alice.fetch(appUrl('alice', A, 'headers'))).status).toBe(200);
    cookie = alice.appCookieHeader(appOrigin(A));
    expect(cookie).toMatch(/^hub-app=/);
  });

  it('serves the owner, forwarding neither the app cookie nor hub cookies', async () => {
    const res = await send(appUrl('alice', A, 'headers'), {
      headers: { cookie: `${cookie}; ${alice.cookieHeader()}; app=kept` },
    });
    expect(res.status).toBe(200);
    expect(headerOf((await res.json()) as EchoedRequest, 'cookie')).toEqual(['app=kept']);
  });

  it.each([
    '/api/v1/me',
    '/api/v1/applications',
    '/hub/launcher',
    '/login',
    '/logout',
    '/metrics',
    '/health',
    '/',
    '/assets/index.js',
    '/api/v1/openapi.json',
  ])('answers 404 for the hub path %s, with or without cookies', async (path) => {
    for (const headers of [{ cookie }, { cookie: alice.cookieHeader() }, {}] as Record<
      string,
      string
    >[]) {
      const res = await send(`${appOrigin(A)}${path}`, { headers });
      expect(res.status).toBe(404);
      expect(await res.text()).not.toMatch(/csrf_token|alice/);
    }
    const post = await send(`${appOrigin(A)}${path}`, {
      method: 'POST',
      headers: { cookie, origin: appOrigin(A), 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'mallory', password: 'mallory-password', admin: true }),
    });
    expect(post.status).toBe(404);
  });

  it('answers 404 for the paths of its owner’s other apps and of other users', async () => {
    for (const path of [
      prefix('alice', B),
      prefix('bob', BOB),
      prefix('bob', A),
      prefix('alice', newUrlId()),
    ]) {
      const res = await send(`${appOrigin(A)}${path}headers`, { headers: { cookie } });
      expect(res.status).toBe(404);
    }
  });

  it('does not take its cookie on another app origin, nor a hub cookie as its own', async () => {
    const other = await send(appUrl('alice', B, 'headers'), { headers: { cookie } });
    expect(other.status).toBe(404);
    const hubOnly = await send(appUrl('alice', A, 'headers'), {
      headers: { cookie: alice.cookieHeader() },
    });
    expect(hubOnly.status).toBe(404);
    const tampered = cookie
      .split('; ')
      .map((pair) => pair.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))
      .join('; ');
    expect(
      (await send(appUrl('alice', A, 'headers'), { headers: { cookie: tampered } })).status,
    ).toBe(404);
  });

  it('answers 404 on malformed app hosts', async () => {
    for (const host of [
      'apps.localhost',
      'xyz.apps.localhost',
      `${A}x.apps.localhost`,

      `a.${A}.apps.localhost`,
    ]) {
      const res = await send(`http://${host}:${port}${prefix('alice', A)}headers`, {
        headers: { cookie },
      });
      expect(res.status).toBe(404);
    }
  });

  it('sends a browser without its cookie back to the hub origin to sign in', async () => {
    const res = await send(appUrl('alice', A, 'deep/page?y=2'), {
      headers: { accept: 'text/html' },
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${th.url}${prefix('alice', A)}deep/page?y=2`);
    const api = await send(appUrl('alice', A, 'headers'), {
      headers: { accept: 'application/json' },
    });
    expect(api.status).toBe(404);
  });

  it('drops cookies the app sets under the hub’s or the app cookie’s names', async () => {
    for (const name of [
      'hub-app',
      'HUB-APP',
      '__Host-hub-app',
      'hub-app-frame',
      '__host-hub-app-frame',
      'hub-session',
      'hub-session.sig',
    ]) {
      const res = await send(
        appUrl('alice', A, `set-cookie?c=${encodeURIComponent(`${name}=evil; Path=/`)}`),
        { headers: { cookie } },
      );
      expect(res.headers.getSetCookie().join('\n')).not.toMatch(new RegExp(`^${name}=`, 'im'));
    }
  });
});

describe('requests from pages of other origins (cross-site and cross-app)', () => {
  let cookie: string;
  beforeAll(async () => {
    await alice.fetch(appUrl('alice', A, 'headers'));
    cookie = alice.appCookieHeader(appOrigin(A));
  });

  const foreign = () => [
    appOrigin(B),
    th.url,
    'http://evil.example',
    'null',
    `${appOrigin(A)}.evil.example`,
  ];

  it('accepts the app’s own origin on state changes and WebSockets', async () => {
    const post = await send(appUrl('alice', A, 'headers'), {
      method: 'POST',
      headers: { cookie, origin: appOrigin(A) },
      body: 'x',
    });
    expect(post.status).toBe(200);
    expect(await wsStatus(appUrl('alice', A, 'ws'), { cookie, origin: appOrigin(A) })).toBe(101);
  });

  it('refuses foreign origins on state changes, with a reason', async () => {
    for (const origin of foreign()) {
      for (const method of ['POST', 'PUT', 'DELETE']) {
        const res = await send(appUrl('alice', A, 'headers'), {
          method,
          headers: { cookie, origin, accept: 'application/json' },
        });
        expect(res.status).toBe(403);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
          'foreign_origin',
        );
      }
    }
  });

  it('refuses foreign origins on WebSocket upgrades (cross-site WebSocket hijacking)', async () => {
    for (const origin of foreign())
      expect(await wsStatus(appUrl('alice', A, 'ws'), { cookie, origin })).toBe(403);
  });

  it('lets a cross-site link open the app (top-level GET)', async () => {
    const res = await send(appUrl('alice', A, 'headers'), {
      headers: { cookie, origin: 'http://evil.example' },
    });
    expect(res.status).toBe(200);
  });
});

describe('the end of a login ends what it opened', () => {
  async function openSocket(c: Client, id: string, user: string): Promise<WebSocket> {
    await c.fetch(appUrl(user, id, 'headers'));
    const ws = new WebSocket(appUrl(user, id, 'ws').replace(/^http/, 'ws'), {
      headers: { cookie: c.appCookieHeader(appOrigin(id)), origin: appOrigin(id) },
      lookup: loopbackLookup,
    } as WebSocket.ClientOptions);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return ws;
  }
  const closed = (ws: WebSocket) =>
    new Promise<void>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) resolve();
      else ws.once('close', () => resolve());
    });

  async function userWithApp(name: string): Promise<{ c: Client; id: string }> {
    const c = await th.userClient(name);
    const id = newUrlId();
    th.hub.routes.set({
      urlId: id,
      user: name,
      target: echo.target,
      containerId: echo.id,
      mappingId: 'm',
    });
    return { c, id };
  }

  it('logout closes the WebSockets and voids the app cookie', async () => {
    const { c, id } = await userWithApp('dave');
    const ws = await openSocket(c, id, 'dave');
    const appCookie = c.appCookieHeader(appOrigin(id));
    await c.fetch('/logout', { method: 'POST' });
    await closed(ws);
    const after = await send(appUrl('dave', id, 'headers'), { headers: { cookie: appCookie } });
    expect(after.status).toBe(404);
  });

  it('a password change closes them', async () => {
    const { c, id } = await userWithApp('erin');
    const ws = await openSocket(c, id, 'erin');
    const res = await c.fetch('/api/v1/me/password', {
      method: 'POST',
      json: { current_password: 'erin-password-123', new_password: 'erin-new-password-456' },
    });
    expect(res.status).toBeLessThan(300);
    await closed(ws);
  });

  it('disabling the account closes them', async () => {
    const { c, id } = await userWithApp('frank');
    const ws = await openSocket(c, id, 'frank');
    const admin = await th.loginAs('admin', 'admin-password-for-tests');
    const res = await admin.fetch('/api/v1/admin/users/frank', {
      method: 'PATCH',
      json: { disabled: true },
    });
    expect(res.status).toBe(200);
    await closed(ws);
  });

  it('revoking the token that opened one closes it', async () => {
    const { c, id } = await userWithApp('gina');
    const { body } = await c.json<{ token: string; id: number }>('/api/v1/tokens', {
      method: 'POST',
      json: {},
    });
    const ws = new WebSocket(`${th.url.replace('http', 'ws')}${prefix('gina', id)}ws`, {
      headers: { authorization: `Bearer ${body.token}` },
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    expect((await c.fetch(`/api/v1/tokens/${body.id}`, { method: 'DELETE' })).status).toBe(204);
    await closed(ws);
  });
});

describe('API answers', () => {
  it('give absolute app-origin URLs and tell admins apps are isolated', async () => {
    const me = await alice.json<{ apps_domain: string | null }>('/api/v1/me');
    expect(me.body.apps_domain).toBe('apps.localhost');
    const res = await th.client().fetch('/api/v1/me');
    expect(res.status).toBe(401);
  });

  it('fall back to the hub origin, with a warning, when reached by a public name without apps_domain', async () => {
    const base = `http://hub.example.test:${port}`;
    const login = await send(`${base}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ username: 'bob', password: 'bob-password-123' }),
    });
    expect(login.status).toBe(200);
    const cookies = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const me = await send(`${base}/api/v1/me`, { headers: { cookie: cookies } });
    expect(((await me.json()) as { apps_domain: unknown }).apps_domain).toBeNull();
    const page = await send(`${base}${prefix('bob', BOB)}headers`, {
      headers: { cookie: cookies },
    });
    expect(page.status).toBe(200);
    const csp = (await send(`${base}/hub/launcher`, { headers: { cookie: cookies } })).headers.get(
      'content-security-policy',
    );
    expect(csp).toContain("frame-src 'self'");
    expect(csp).not.toContain('apps.localhost');
  });
});
