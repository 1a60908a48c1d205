import http from 'node:http';
import { type EchoContainer, runEcho } from '../helpers/echo-image';
import { bootHub, type Client, loopbackLookup, type TestHub } from '../helpers/hub';
import { newUrlId } from '../integration/proxy-harness';

/**
 * SimPhoNy-Remote's API under /user/<name>/api/v1/: its stop is a cookie-authenticated DELETE
 * without a CSRF token and its start a POST of JSON without a Content-Type, let through only
 * when nothing about the request says "browser". Every
 * request a browser can be made to send (cross-site form or fetch, same-origin script without
 * the token) is still refused; no other route gets the exemption; and the API and the
 * containers never answer each other's paths, however the path is spelled.
 */

let th: TestHub;
let alice: Client;
let bob: Client;
let echo: EchoContainer;
let token: string;
const ID = newUrlId();
const STOP = `/user/alice/api/v1/containers/${newUrlId()}/`;

/** One request with exactly these headers (fetch would add Sec-Fetch-Mode by itself). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(path, th.url),
      { method, headers, lookup: loopbackLookup, setHost: !headers.host },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const code = (body: string) => (JSON.parse(body) as { error: { code: string } }).error.code;

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
  const created = await alice.json<{ token: string }>('/api/v1/tokens', {
    method: 'POST',
    json: {},
  });
  token = created.body.token;
});

afterAll(async () => {
  await th?.close();
  await echo?.stop();
});

describe('adversarial: the token-less SimPhoNy stop', () => {
  const cookie = () => ({ cookie: alice.cookieHeader() });

  // Stopping a container that is not there is done already: 204, as for /api/v1.
  it('lets a non-browser client with the cookie through the CSRF check', async () => {
    const res = await raw('DELETE', STOP, cookie());
    expect(res.status).toBe(204);
  });

  it.each([
    ['a cross-site fetch', { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' }],
    ['a foreign Origin alone', { origin: 'http://evil.example' }],
    ['an opaque origin (sandboxed frame)', { origin: 'null' }],
    ['a same-site sibling', { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors' }],
  ])('refuses %s with the cookie', async (_what, headers) => {
    const res = await raw('DELETE', STOP, { ...cookie(), ...headers });
    expect(res.status).toBe(403);
  });

  it.each([
    ['the hub Origin', () => ({ origin: new URL(th.url).origin })],
    ['Sec-Fetch headers', () => ({ 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' })],
    ['only Sec-Fetch-Mode (as Node fetch sends)', () => ({ 'sec-fetch-mode': 'cors' })],
  ])('wants the CSRF token from a same-origin script: %s', async (_what, headers) => {
    const res = await raw('DELETE', STOP, { ...cookie(), ...headers() });
    expect(res.status).toBe(403);
    expect(code(res.body)).toBe('csrf_failed');
    const withToken = await raw('DELETE', STOP, {
      ...cookie(),
      ...headers(),
      'x-csrf-token': alice.csrf!,
    });
    expect(withToken.status).toBe(204);
  });

  it('gives the exemption to that DELETE only: not to POST, not to /api/v1', async () => {
    const form = await raw(
      'POST',
      '/user/alice/api/v1/containers/',
      { ...cookie(), 'content-type': 'application/x-www-form-urlencoded' },
      'mapping_id=0123456789abcdef0123456789abcdef',
    );
    expect(form.status).toBe(403);
    expect(code(form.body)).toBe('csrf_failed');
    const own = await raw('DELETE', `/api/v1/containers/${newUrlId()}`, cookie());
    expect(own.status).toBe(403);
    expect(code(own.body)).toBe('csrf_failed');
    const nested = await raw('DELETE', `${STOP}extra/`, cookie());
    expect(nested.status).toBe(403);
  });

  describe("remoteapprest's start: a POST of JSON with no Content-Type", () => {
    const START = '/user/alice/api/v1/containers/';
    // A mapping_id that is no grant of alice's: past the CSRF check the start answers 404.
    const body = JSON.stringify({ mapping_id: '0123456789abcdef0123456789abcdef' });

    it('lets it through the CSRF check from a non-browser client', async () => {
      const res = await raw('POST', START, cookie(), body);
      expect(res.status).toBe(404);
      expect(code(res.body)).toBe('not_found');
    });

    it.each([
      ['a foreign Origin', { origin: 'http://evil.example' }],
      ['a cross-site fetch', { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' }],
      ['the hub Origin (a same-origin script)', { origin: 'HUB' }],
      ['Sec-Fetch headers alone', { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' }],
      ['a text/plain body (what a cross-site form can send)', { 'content-type': 'text/plain' }],
    ])('refuses it with %s', async (_what, headers: Record<string, string>) => {
      const h: Record<string, string> = { ...cookie(), ...headers };
      if (h.origin === 'HUB') h.origin = new URL(th.url).origin;
      const res = await raw('POST', START, h, body);
      expect(res.status).toBe(403);
    });

    it('reads no body without a Content-Type on any other path', async () => {
      const res = await raw(
        'POST',
        '/api/v1/containers',
        { authorization: `Bearer ${token}` },
        body,
      );
      expect(res.status).toBe(400);
    });
  });

  it('grants no CORS preflight, so a cross-site page cannot even send the DELETE', async () => {
    const res = await raw('OPTIONS', STOP, {
      origin: 'http://evil.example',
      'access-control-request-method': 'DELETE',
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it("does not let one user read or stop through another's API, and says nothing of it", async () => {
    const read = await bob.json('/user/alice/api/v1/applications/');
    expect(read.status).toBe(404);
    const stop = await raw('DELETE', `/user/alice/api/v1/containers/${ID}/`, {
      cookie: bob.cookieHeader(),
    });
    expect(stop.status).toBe(404);
    expect(th.hub.routes.get(ID)).toBeDefined();
    expect((await th.client().json('/user/alice/api/v1/containers/')).status).toBe(401);
  });
});

describe('adversarial: API paths and container paths never cross', () => {
  const bearer = () => ({ authorization: `Bearer ${token}`, accept: 'application/json' });

  it('serves the API from the hub, not from the container', async () => {
    const res = await raw('GET', '/user/alice/api/v1/containers/', bearer());
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual(
      expect.objectContaining({ identifiers: expect.any(Array) }),
    );
  });

  it('sends a container path spelled through api/.. to the container', async () => {
    const res = await raw('GET', `/user/alice/api/../containers/${ID}/headers`, bearer());
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual(
      expect.objectContaining({ path: `/user/alice/containers/${ID}/headers` }),
    );
  });

  it.each([
    `/user/alice/containers/${ID}/../../api/v1/containers/`,
    `/user/alice/%61pi/v1/containers/`,
  ])('never lets the container see an API path: %s', async (p) => {
    const res = await raw('GET', p, bearer());
    expect(res.body).not.toMatch(/"path"/);
  });

  it('answers the API on an app origin with 404: an app origin serves its container only', async () => {
    const host = `${ID}.apps.localhost:${new URL(th.url).port}`;
    const res = await raw('GET', '/user/alice/api/v1/containers/', { ...bearer(), host });
    expect(res.status).toBe(404);
    expect(res.body).not.toMatch(/identifiers/);
  });
});
