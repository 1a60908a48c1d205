import { HUB_COOKIE_NAMES } from '../../server/auth/cookies';
import { type EchoContainer, runEcho } from '../helpers/echo-image';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { type EchoedRequest, headerOf } from '../integration/proxy-client';
import { newUrlId } from '../integration/proxy-harness';
import { Attacker, refusalOf } from './auth-attacker';

/**
 * Class 9: the session cookie, caching of private answers, and /metrics. Behind a TLS proxy
 * (trust_proxy, X-Forwarded-Proto: https) the session cookie must be `__Host-` (host-only,
 * Secure, Path=/), and a plain `hub-session` planted by a sibling host (an app origin under the
 * same parent domain) must be ignored. Private answers are never stored; /metrics can be closed.
 */
const METRICS_TOKEN = 'metrics-token-for-the-adversarial-suite';
const HTTPS = { 'x-forwarded-proto': 'https' };

describe('adversarial: cookies, caching and metrics (class 9)', () => {
  let th: TestHub;
  beforeAll(async () => {
    th = await bootHub({ trust_proxy: true }, { env: { HUB_METRICS_TOKEN: METRICS_TOKEN } });
  });
  afterAll(() => th.close());

  const setCookies = (res: Response) =>
    Object.fromEntries(res.headers.getSetCookie().map((c) => [c.split('=')[0], c]));

  it('over https the session and device cookies are __Host-, Secure, Path=/ and host-only', async () => {
    const browser = new Attacker(th.url, '192.0.2.1');
    const res = await browser.fetch('/login', {
      method: 'POST',
      headers: HTTPS,
      json: { username: ADMIN.name, password: ADMIN.password },
    });
    expect(res.status).toBe(200);
    const cookies = setCookies(res);
    for (const name of ['__Host-hub-session', '__Host-hub-session.sig', '__Host-hub-device']) {
      expect(cookies[name]).toBeDefined();
      expect(cookies[name]).toMatch(/;\s*secure/i);
      expect(cookies[name]).toMatch(/;\s*path=\/(;|$)/i);
      expect(cookies[name]).toMatch(/;\s*httponly/i);
      expect(cookies[name]).not.toMatch(/domain=/i);
    }
    expect(Object.keys(cookies).filter((n) => !n.startsWith('__Host-'))).toEqual([]);
    browser.csrf = ((await res.json()) as { csrf_token: string }).csrf_token;
    expect((await browser.json('/api/v1/me', { headers: HTTPS })).status).toBe(200);

    // A valid plain hub-session (say the attacker's own, planted in the victim's browser by a
    // sibling host to swap sessions) opens nothing over https.
    const attacker = th.client();
    expect((await attacker.login(ADMIN.name, ADMIN.password)).status).toBe(200);
    expect((await attacker.json('/api/v1/me')).status).toBe(200);
    expect((await attacker.json('/api/v1/me', { headers: HTTPS })).status).toBe(401);

    // Logout clears the __Host- cookie over https.
    const out = await browser.fetch('/logout', { method: 'POST', headers: HTTPS });
    expect(out.status).toBe(204);
    expect(setCookies(out)['__Host-hub-session']).toMatch(/expires=Thu, 01 Jan 1970/i);
    expect((await browser.json('/api/v1/me', { headers: HTTPS })).status).toBe(401);
  });

  it('over plain http the cookie keeps its plain name (browsers refuse Secure there)', async () => {
    const c = th.client();
    const res = await c.login(ADMIN.name, ADMIN.password);
    const cookies = setCookies(res);
    expect(cookies['hub-session']).not.toMatch(/;\s*secure/i);
    expect(cookies['__Host-hub-session']).toBeUndefined();
  });

  it('private answers carry Cache-Control: no-store, refusals included', async () => {
    const anon = th.client();
    const user = await th.userClient('cachey');
    const answers: Array<[string, Response]> = [
      ['me 200', await user.fetch('/api/v1/me')],
      ['me 401', await anon.fetch('/api/v1/me')],
      ['tokens 201', await user.fetch('/api/v1/tokens', { method: 'POST', json: {} })],
      ['admin 403', await user.fetch('/api/v1/admin/users')],
      ['api 404', await anon.fetch('/api/v1/nothing')],
      [
        'login 401',
        await anon.fetch('/login', { method: 'POST', json: { username: 'x', password: 'y' } }),
      ],
      ['login 400', await anon.fetch('/login?username=x&password=y', { method: 'POST', json: {} })],
      ['login page', await anon.fetch('/login')],
      ['logout 204', await user.fetch('/logout', { method: 'POST' })],
      ['logout 401', await anon.fetch('/logout', { method: 'POST' })],
    ];
    for (const [what, res] of answers)
      expect({ what, cache: res.headers.get('cache-control') }).toEqual({
        what,
        cache: 'no-store',
      });
  });

  it('/metrics answers 401 without the token, and the metrics with it', async () => {
    const anon = th.client();
    for (const authorization of [
      undefined,
      'Bearer wrong',
      `Bearer ${METRICS_TOKEN}x`,
      `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}`,
      `Bearer ${METRICS_TOKEN.slice(0, -1)}`,
    ]) {
      const res = await anon.fetch('/metrics', {
        headers: authorization ? { authorization } : {},
      });
      expect(res.status).toBe(401);
      expect((await refusalOf(res)).message).toMatch(/HUB_METRICS_TOKEN/);
    }
    // A logged-in admin's session is not the metrics token either.
    const admin = await th.loginAs(ADMIN.name, ADMIN.password);
    expect((await admin.fetch('/metrics')).status).toBe(401);
    const ok = await anon.fetch('/metrics', {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^# HELP /m);
  });
});

describe('/metrics without metrics.token', () => {
  let th: TestHub;
  beforeAll(async () => {
    th = await bootHub();
  });
  afterAll(() => th.close());

  it('stays open as before', async () => {
    const res = await th.client().fetch('/metrics');
    expect(res.status).toBe(200);
  });
});

describe('every spelling of the hub cookies stays between browser and hub', () => {
  let th: TestHub;
  let echo: EchoContainer;
  let api: Client;
  const ID = newUrlId();
  const PREFIX = `/user/${ADMIN.name}/containers/${ID}/`;
  beforeAll(async () => {
    echo = await runEcho();
    th = await bootHub();
    const admin = await th.loginAs(ADMIN.name, ADMIN.password);
    api = th.client();
    api.bearer = (
      await admin.json<{ token: string }>('/api/v1/tokens', { method: 'POST', json: {} })
    ).body.token;
    th.hub.routes.set({
      urlId: ID,
      user: ADMIN.name,
      target: echo.target,
      containerId: echo.id,
      mappingId: 'm-cookies',
    });
  });
  afterAll(async () => {
    await th?.close();
    await echo?.stop();
  });

  it('none reaches an app, and an app cannot set any of them', async () => {
    const sent = [...HUB_COOKIE_NAMES.map((n, i) => `${n}=v${i}`), 'app=1'].join('; ');
    const res = await api.fetch(`${PREFIX}headers`, { headers: { cookie: sent } });
    expect(res.status).toBe(200);
    expect(headerOf((await res.json()) as EchoedRequest, 'cookie')).toEqual(['app=1']);

    const query = HUB_COOKIE_NAMES.map((n) => `c=${encodeURIComponent(`${n}=evil`)}`).join('&');
    const set = await api.fetch(`${PREFIX}set-cookie?${query}&c=app%3D2`);
    const names = set.headers.getSetCookie().map((c) => c.split('=')[0]);
    expect(names.filter((n) => HUB_COOKIE_NAMES.includes(n))).toEqual([]);
    expect(names).toContain('app');
  });
});
