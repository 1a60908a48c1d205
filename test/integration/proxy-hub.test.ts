import WebSocket from 'ws';
import { type EchoContainer, runEcho } from '../helpers/echo-image';
import { type Client, type TestHub, bootHub, loopbackLookup } from '../helpers/hub';
import type { EchoedRequest } from './proxy-client';
import { headerOf } from './proxy-client';
import { newUrlId } from './proxy-harness';

// The proxy inside the real hub: real sessions, real tokens, the hub's own http server.
let echo: EchoContainer;
let th: TestHub;
let alice: Client;
let bob: Client;
const ID = newUrlId();
const PREFIX = `/user/alice/containers/${ID}/`;

beforeAll(async () => {
  echo = await runEcho();
  th = await bootHub();
  alice = await th.userClient('alice');
  bob = await th.userClient('bob');
  th.hub.routes.set({
    urlId: ID,
    user: 'alice',
    target: echo.target,
    containerId: echo.id,
    mappingId: 'm-1',
  });
});

afterAll(async () => {
  await th?.close();
  await echo?.stop();
});

/** The container's URL on its own origin, as the API hands it out. */
const appUrl = (rest = '') => `http://${ID}.apps.localhost:${new URL(th.url).port}${PREFIX}${rest}`;

it('serves the owner, signed in on the app origin, without forwarding any hub cookie', async () => {
  expect([...alice.cookies.keys()]).toContain('hub-session');
  const res = await alice.fetch(appUrl('headers'));
  expect(res.status).toBe(200);
  const echoed = (await res.json()) as EchoedRequest;
  expect(echoed.path).toBe(`${PREFIX}headers`);
  expect(headerOf(echoed, 'cookie')).toEqual([]);
});

it('serves the owner through an API token without forwarding it', async () => {
  const created = await alice.json<{ token: string }>('/api/v1/tokens', {
    method: 'POST',
    json: {},
  });
  expect(created.status).toBe(201);
  const api = th.client();
  api.bearer = created.body.token;
  const res = await api.fetch(`${PREFIX}headers`);
  expect(res.status).toBe(200);
  const echoed = (await res.json()) as EchoedRequest;
  expect(headerOf(echoed, 'authorization')).toEqual([]);
});

it('refuses another user and sends an anonymous browser to the login page', async () => {
  const other = await bob.fetch(`${PREFIX}headers`, { headers: { accept: 'application/json' } });
  expect(other.status).toBe(404);
  const guessed = await alice.fetch(`/user/alice/containers/${newUrlId()}/headers`, {
    headers: { accept: 'application/json' },
  });
  expect(guessed.status).toBe(404);
  expect(await guessed.text()).toBe(await other.text());
  const anon = await th.client().fetch(`${PREFIX}lab`, { headers: { accept: 'text/html' } });
  expect(anon.status).toBe(302);
  expect(anon.headers.get('location')).toBe(`/login?next=${encodeURIComponent(`${PREFIX}lab`)}`);
});

it('treats a forged or stale session cookie as no session at all', async () => {
  const forger = th.client();
  forger.cookies.set('hub-session', alice.cookies.get('hub-session')!);
  forger.cookies.set('hub-session.sig', 'forged-signature');
  const page = await forger.fetch(`${PREFIX}lab`, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(302);
  const api = await forger.fetch(`${PREFIX}headers`, { headers: { accept: 'application/json' } });
  expect(api.status).toBe(404);
});

it('carries WebSockets for the owner only', async () => {
  await alice.fetch(appUrl('headers'));
  const url = appUrl('ws').replace('http', 'ws');
  const ws = new WebSocket(url, {
    headers: { cookie: alice.appCookieHeader(appUrl()) },
    lookup: loopbackLookup,
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const reply = new Promise((resolve) => ws.once('message', resolve));
  ws.send('through the hub');
  expect(String(await reply)).toBe('through the hub');
  ws.close();
  await bob.fetch(appUrl('headers'));
  const refused = new WebSocket(url, {
    headers: { cookie: bob.appCookieHeader(appUrl()) },
    lookup: loopbackLookup,
  });
  const status = await new Promise<number>((resolve) => {
    refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    refused.once('open', () => resolve(101));
    refused.once('error', () => undefined);
  });
  refused.terminate();
  expect(status).toBe(404);
});

it('exposes the proxy metrics on the hub registry', async () => {
  expect(await th.hub.registry.metrics()).toMatch(/hub_proxy_requests_total\{status_class="2xx"\}/);
});
