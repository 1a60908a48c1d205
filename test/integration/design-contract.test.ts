import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { loadConfig } from '../../server/config/load';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { appLabels, TestImages } from '../helpers/images';
import { type LyingIssuer, startLyingIssuer } from '../helpers/oidc/lying-issuer';
import { cleanupRealm, grantApp, WEB_CMD } from './spawner-fixtures';

/**
 * shared/DESIGN.md read as outside suites read it: the promises no other test pinned, and the
 * ones other tests pinned by one example where a client or an attacker would vary the input.
 * One hub, one app image, one running container. The audit behind it: notes/audit-table.md.
 */
jest.setTimeout(180_000);

const docker = new Dockerode();
const images = new TestImages(docker);
const run = crypto.randomBytes(4).toString('hex');
const REALM = `contract-${run}`;
const NETWORK = `hub-test-net-${run}`;

let th: TestHub;
let admin: Client;
let alice: Client;
let bob: Client;
let image: string;
let mappingId: string;
let urlId: string;

interface ErrorBody {
  error: { code: string; message: string };
}

/** The error shape of DESIGN.md's REST section, with a status that blames the caller. */
function expectClientError(
  res: { status: number; body: unknown },
  status: number | number[],
  what: string,
): void {
  const statuses = Array.isArray(status) ? status : [status];
  const seen = statuses.includes(res.status) ? `one of ${statuses.join(', ')}` : res.status;
  expect({ what, status: seen }).toEqual({ what, status: `one of ${statuses.join(', ')}` });
  const body = res.body as ErrorBody;
  expect({ what, error: body?.error }).toEqual({
    what,
    error: { code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) },
  });
  expect(body.error.message.length).toBeGreaterThan(3);
}

/** A raw request with a body exactly as given (no JSON encoding by the helper). */
function raw(client: Client, p: string, method: string, body: string) {
  return client.json(p, { method, body, headers: { 'content-type': 'application/json' } });
}

beforeAll(async () => {
  const web = await images.build('contract-web', {
    cmd: WEB_CMD,
    labels: appLabels({
      ui_name: 'Contract Web',
      description: 'answers under its prefix',
      type: 'webapp',
      'env.x11-width': '',
      'env.x11-height': '',
      'env.my-own-setting': '',
    }),
  });
  image = web.ref;
  th = await bootHub(
    { spawner: { network: NETWORK, http_timeout_seconds: 5, start_timeout_seconds: 60 } },
    { env: { HUB_REALM: REALM } },
  );
  admin = await th.loginAs(ADMIN.name, ADMIN.password);
  alice = await th.userClient('alice');
  bob = await th.userClient('bob');
  mappingId = await grantApp(admin, 'alice', image);
  const started = await alice.json<{ url_id: string }>('/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: mappingId },
  });
  if (started.status !== 201) throw new Error(`start: ${JSON.stringify(started.body)}`);
  urlId = started.body.url_id;
});

afterAll(async () => {
  await th?.close();
  await cleanupRealm(docker, REALM, NETWORK);
  await images.removeAll();
});

describe('settings', () => {
  it('reads config/hub.json of the working folder when HUB_CONFIG is not set', () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-contract-cwd-'));
    fs.mkdirSync(path.join(cwd, 'config'));
    fs.writeFileSync(path.join(cwd, 'config', 'hub.json'), JSON.stringify({ realm: 'from-file' }));
    expect(loadConfig({}, cwd).realm).toBe('from-file');
    expect(loadConfig({ HUB_REALM: 'from-env' }, cwd).realm).toBe('from-env');
  });

  it('has the documented defaults for every setting of the table', () => {
    const c = loadConfig({}, fs.mkdtempSync(path.join(os.tmpdir(), 'hub-contract-empty-')));
    expect(c).toMatchObject({
      port: 8000,
      bind: '127.0.0.1',
      data_dir: './data',
      admin_user: 'admin',
      realm: 'hub',
    });
  });

  it('reads nested keys and JSON lists from HUB_<SECTION>__<KEY>, as DESIGN.md spells them', () => {
    const c = loadConfig(
      {
        HUB_AUTH__OIDC__ISSUER: 'https://id.example.org',
        HUB_AUTH__OIDC__CLIENT_ID: 'hub',
        HUB_AUTH__OIDC__ADMIN_GROUPS: '["hub-admins"]',
        HUB_APPS_DOMAIN: 'apps.example.org',
        HUB_SPAWNER__CLASS: 'docker',
      },
      fs.mkdtempSync(path.join(os.tmpdir(), 'hub-contract-env-')),
    );
    expect(c.auth.oidc?.admin_groups).toEqual(['hub-admins']);
    expect(c.apps_domain).toBe('apps.example.org');
    expect(c.spawner.class).toBe('docker');
  });

  it('keeps the OIDC defaults DESIGN.md names', () => {
    const c = loadConfig(
      {
        HUB_AUTH__OIDC__ISSUER: 'https://id.example.org',
        HUB_AUTH__OIDC__CLIENT_ID: 'hub',
      },
      fs.mkdtempSync(path.join(os.tmpdir(), 'hub-contract-oidc-')),
    );
    expect(c.auth.local).toBe(true);
    expect(c.auth.oidc).toMatchObject({
      scopes: ['openid', 'profile', 'email'],
      username_claim: 'preferred_username',
      groups_claim: 'groups',
      allowed_groups: [],
    });
  });
});

describe('REST errors are {"error": {code, message}} with a 4xx, whatever the body', () => {
  it('answers unknown API paths and unauthenticated calls with the shape', async () => {
    expectClientError(await alice.json('/api/v1/no-such-thing'), 404, 'unknown path');
    expectClientError(await th.client().json('/api/v1/me'), 401, 'me without a session');
    const bad = th.client();
    bad.bearer = 'not-a-token';
    expectClientError(await bad.json('/api/v1/me'), 401, 'me with a bad bearer');
    expectClientError(await th.client().json('/api/v1/containers'), 401, 'containers anonymous');
  });

  it.each([
    ['malformed JSON', '{"username": '],
    ['an array', '["admin", "x"]'],
    ['a string', '"admin"'],
    ['null', 'null'],
    ['a number as name', '{"username": 5, "password": "x"}'],
    ['no password', '{"username": "admin"}'],
    ['an object as password', '{"username": "admin", "password": {"$ne": 1}}'],
  ])('POST /login with %s', async (what, body) => {
    const res = await raw(th.client(), '/login', 'POST', body);
    expectClientError(res, [400, 401], what);
  });

  it.each([
    ['an empty object', '{}'],
    ['malformed JSON', '{"mapping_id": '],
    ['an array', '[]'],
    ['null', 'null'],
    ['a number as mapping_id', '{"mapping_id": 5}'],
    ['configurables as a string', '{"mapping_id": "M", "configurables": "x"}'],
    ['a resolution of the wrong type', '{"mapping_id": "M", "configurables": {"resolution": 5}}'],
    ['a bad resolution', '{"mapping_id": "M", "configurables": {"resolution": "1x1"}}'],
    ['an undeclared configurable', '{"mapping_id": "M", "configurables": {"colour": "red"}}'],
    [
      'startup data the policy forbids',
      '{"mapping_id": "M", "configurables": {"startupdata": "/a"}}',
    ],
  ])('POST /api/v1/containers with %s, while the app runs', async (what, body) => {
    const res = await raw(
      alice,
      '/api/v1/containers',
      'POST',
      body.replace('"M"', `"${mappingId}"`),
    );
    expectClientError(res, [400, 403, 404, 422], what);
  });

  it('answers a grant that does not exist or is not the caller’s with 404', async () => {
    const none = await alice.json('/api/v1/containers', {
      method: 'POST',
      json: { mapping_id: 'f'.repeat(32) },
    });
    expectClientError(none, 404, 'unknown grant');
    const theirs = await bob.json('/api/v1/containers', {
      method: 'POST',
      json: { mapping_id: mappingId },
    });
    expectClientError(theirs, 404, 'another user’s grant');
    // The message repeats the caller's own input only: the two answers differ in nothing else.
    const masked = (b: unknown) =>
      JSON.stringify(b).replaceAll(mappingId, 'ID').replaceAll('f'.repeat(32), 'ID');
    expect(masked(theirs.body)).toBe(masked(none.body));
  });

  it.each([
    ['note as a number', { note: 5 }],
    ['expires_in negative', { expires_in: -1 }],
    ['expires_in as a string', { expires_in: '3600' }],
    ['expires_in fractional', { expires_in: 1.5 }],
    ['an unknown key', { scope: 'admin' }],
  ])('POST /api/v1/tokens with %s', async (what, json) => {
    expectClientError(await alice.json('/api/v1/tokens', { method: 'POST', json }), 400, what);
  });

  it('refuses a cookie request that changes state without the CSRF token, with the shape', async () => {
    const res = await alice.json('/api/v1/tokens', {
      method: 'POST',
      json: {},
      headers: { 'x-csrf-token': '' },
    });
    expectClientError(res, 403, 'no CSRF token');
  });

  it.each([
    ['GET', '/api/v1/admin/users'],
    ['POST', '/api/v1/admin/users'],
    ['GET', '/api/v1/admin/users/alice'],
    ['PATCH', '/api/v1/admin/users/alice'],
    ['DELETE', '/api/v1/admin/users/bob'],
    ['GET', '/api/v1/admin/applications'],
    ['POST', '/api/v1/admin/applications'],
    ['DELETE', '/api/v1/admin/applications/1'],
    ['GET', '/api/v1/admin/accounting'],
    ['POST', '/api/v1/admin/accounting'],
    ['DELETE', '/api/v1/admin/accounting/x'],
    ['GET', '/api/v1/admin/containers'],
    ['DELETE', '/api/v1/admin/containers/x'],
  ])('refuses %s %s to a non-admin with 403', async (method, p) => {
    const json = method === 'GET' || method === 'DELETE' ? undefined : { admin: true };
    expectClientError(await alice.json(p, { method, json }), 403, `${method} ${p}`);
  });
});

describe('sign-in by the form', () => {
  const form = (fields: Record<string, string>, client = th.client()) =>
    client.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });

  it('answers a wrong password with 401 and no session', async () => {
    const browser = th.client();
    const res = await form(
      { username: 'alice', password: 'wrong-password', next: '/hub/' },
      browser,
    );
    expect(res.status).toBe(401);
    expect((await browser.json('/api/v1/me')).status).toBe(401);
  });

  it.each([
    ['no password', { username: 'alice' }],
    ['no fields', {}],
  ])('answers a form with %s with a 4xx', async (_what, fields) => {
    const res = await form(fields);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe('admin routes answer bad input with a 4xx that names it', () => {
  it.each([
    ['GET', '/api/v1/admin/users/nobody', undefined, 404],
    ['PATCH', '/api/v1/admin/users/nobody', { admin: true }, 404],
    ['DELETE', '/api/v1/admin/users/nobody', undefined, 404],
    ['PATCH', '/api/v1/admin/users/alice', { admin: 'yes' }, 400],
    ['PATCH', '/api/v1/admin/users/alice', { password: 5 }, 400],
    ['POST', '/api/v1/admin/users', { name: 'alice', password: 'long-enough-password' }, 409],
    ['POST', '/api/v1/admin/users', { name: 5 }, 400],
    ['POST', '/api/v1/admin/applications', {}, 400],
    ['POST', '/api/v1/admin/applications', { image: 5 }, 400],
    ['DELETE', '/api/v1/admin/applications/999999', undefined, 404],
    ['DELETE', '/api/v1/admin/applications/not-a-number', undefined, [400, 404]],
    ['POST', '/api/v1/admin/accounting', { user: 'nobody', image: 'x', policy: {} }, [400, 404]],
    ['POST', '/api/v1/admin/accounting', { user: 'alice', image: 'x' }, [400, 404]],
    ['DELETE', '/api/v1/admin/accounting/' + 'a'.repeat(32), undefined, 404],
    ['DELETE', '/api/v1/admin/containers/' + 'a'.repeat(32), undefined, [204, 404]],
  ] as Array<[string, string, unknown, number | number[]]>)(
    '%s %s %j',
    async (method, p, json, status) => {
      const res = await admin.json(p, { method, json });
      if (res.status === 204) expect(status).toEqual(expect.arrayContaining([204]));
      else expectClientError(res, status, `${method} ${p}`);
    },
  );

  it.each([
    [
      'a volume_mode that is no mode',
      { volume_source: '/tmp', volume_target: '/d', volume_mode: 'rwx' },
    ],
    ['allow_home as a string', { allow_home: 'yes' }],
    ['app_license as a number', { app_license: 5 }],
    [
      'a relative volume_target',
      { volume_source: '/tmp', volume_target: 'data', volume_mode: 'ro' },
    ],
  ])('refuses a policy with %s', async (what, policy) => {
    const res = await admin.json('/api/v1/admin/accounting', {
      method: 'POST',
      json: { user: 'alice', image, policy },
    });
    expectClientError(res, 400, what);
  });
});

describe('tokens', () => {
  it('shows a token once, answers 201 {token, id}, and keeps only its hash', async () => {
    const made = await alice.json<{ token: string; id: number }>('/api/v1/tokens', {
      method: 'POST',
      json: { note: 'contract', expires_in: 3600 },
    });
    expect(made.status).toBe(201);
    expect(made.body).toEqual({ token: expect.any(String), id: expect.any(Number) });
    const listed = await alice.json('/api/v1/tokens');
    expect(JSON.stringify(listed.body)).not.toContain(made.body.token);
    const db = fs.readFileSync(path.join(th.dataDir, 'hub.sqlite'));
    const wal = path.join(th.dataDir, 'hub.sqlite-wal');
    const stored = Buffer.concat([db, fs.existsSync(wal) ? fs.readFileSync(wal) : Buffer.alloc(0)]);
    expect(stored.includes(Buffer.from(made.body.token))).toBe(false);
    const script = th.client();
    script.bearer = made.body.token;
    expect((await script.json('/api/v1/me')).body).toMatchObject({ name: 'alice', admin: false });
  });
});

describe('labels', () => {
  it('turns every env.<kebab-name> label into the upper-case variable it declares', async () => {
    const found = await admin.json<Array<{ image: string; env: string[] }>>(
      '/api/v1/admin/applications/discovered',
    );
    expect(found.body.find((d) => d.image === image)?.env).toEqual([
      'MY_OWN_SETTING',
      'X11_HEIGHT',
      'X11_WIDTH',
    ]);
  });
});

describe('containers', () => {
  it('answers a url_id that is not the caller’s exactly like one that does not exist', async () => {
    const none = await bob.json(`/api/v1/containers/${'a'.repeat(32)}`);
    const theirs = await bob.json(`/api/v1/containers/${urlId}`);
    expectClientError(theirs, 404, 'another user’s container');
    expect(theirs.body).toEqual(none.body);
  });

  it('does not let another user stop the container, nor tell it exists', async () => {
    const theirs = await bob.fetch(`/api/v1/containers/${urlId}`, { method: 'DELETE' });
    const none = await bob.fetch(`/api/v1/containers/${'a'.repeat(32)}`, { method: 'DELETE' });
    expect([theirs.status, await theirs.text()]).toEqual([none.status, await none.text()]);
    expect(theirs.status).toBe(204);
    expect((await alice.json(`/api/v1/containers/${urlId}`)).body).toMatchObject({
      url_id: urlId,
      status: 'running',
    });
  });

  it('lists only the caller’s containers', async () => {
    expect((await bob.json('/api/v1/containers')).body).toEqual([]);
    const mine = await alice.json<Array<{ url_id: string }>>('/api/v1/containers');
    expect(mine.body.map((c) => c.url_id)).toEqual([urlId]);
  });

  it('shows the running container in the caller’s applications', async () => {
    const apps = await alice.json<Array<Record<string, unknown>>>('/api/v1/applications');
    expect(apps.body).toEqual([
      expect.objectContaining({
        mapping_id: mappingId,
        image: expect.objectContaining({
          name: image,
          ui_name: 'Contract Web',
          description: 'answers under its prefix',
          type: 'webapp',
          icon_url: expect.any(String),
          configurables: expect.any(Array),
        }),
        policy: expect.any(Object),
        container: expect.objectContaining({
          url_id: urlId,
          url: `http://${urlId}.apps.localhost:${new URL(th.url).port}/user/alice/containers/${urlId}/`,
          status: 'running',
        }),
      }),
    ]);
  });

  it('gives the container the designed env: no APP_LICENSE without one, declared labels as env', async () => {
    const [c] = await docker.listContainers({
      filters: { label: [`eu.simphony-project.docker.url_id=${urlId}`] },
    });
    expect(c.Labels).toMatchObject({
      'eu.simphony-project.docker.user': 'alice',
      'eu.simphony-project.docker.mapping_id': mappingId,
      'eu.simphony-project.docker.url_id': urlId,
      'eu.simphony-project.docker.realm': REALM,
    });
    const env = (await docker.getContainer(c.Id).inspect()).Config.Env.map((e) => e.split('=')[0]);
    expect(env).toEqual(
      expect.arrayContaining(['JPY_USER', 'JPY_BASE_USER_URL', 'USER', 'URL_ID']),
    );
    expect(env).not.toContain('APP_LICENSE');
  });
});

describe('the proxy tells other callers nothing about whether a container exists', () => {
  const missing = 'b'.repeat(32);
  const inside = ['', 'x?y=1'];
  let script: Client;

  beforeAll(async () => {
    const { body } = await bob.json<{ token: string }>('/api/v1/tokens', {
      method: 'POST',
      json: {},
    });
    script = th.client();
    script.bearer = body.token;
  });

  /** What a caller sees for `rest` under the container `id`, its url_id masked. */
  async function seen(
    client: Client,
    origin: (id: string) => string,
    id: string,
    rest: string,
    method: string,
    accept: string,
  ) {
    const res = await client.fetch(`${origin(id)}/user/alice/containers/${id}/${rest}`, {
      method,
      headers: { accept },
    });
    const text = method === 'HEAD' ? '' : await res.text();
    return { status: res.status, text: text.replaceAll(id, 'ID') };
  }

  it.each(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'])(
    '%s by another user, with a session or a token, on the hub and the app origins',
    async (method) => {
      const hub = () => th.url;
      const app = (id: string) => `http://${id}.apps.localhost:${new URL(th.url).port}`;
      const callers: Array<[Client, (id: string) => string]> = [
        [bob, hub],
        [script, hub],
        [script, app],
      ];
      for (const accept of ['text/html', 'application/json'])
        for (const [client, origin] of callers)
          for (const rest of inside) {
            const real = await seen(client, origin, urlId, rest, method, accept);
            const none = await seen(client, origin, missing, rest, method, accept);
            expect({ method, accept, rest, ...real }).toEqual({ method, accept, rest, ...none });
            expect(real.status).toBeGreaterThanOrEqual(400);
            expect(real.status).toBeLessThan(500);
          }
    },
  );
});

describe('CSRF: every state-changing route refuses a session cookie without the token', () => {
  /** The caller's cookies as a browser page elsewhere would send them: no X-CSRF-Token. */
  function withoutToken(client: Client): Client {
    const bare = th.client();
    bare.cookies = new Map(client.cookies);
    return bare;
  }

  const json = { 'content-type': 'application/json' };
  it.each([
    ['alice', 'POST', '/api/v1/containers', () => ({ mapping_id: mappingId })],
    ['alice', 'DELETE', () => `/api/v1/containers/${urlId}`, undefined],
    ['alice', 'POST', () => `/api/v1/containers/${urlId}/restart`, () => ({})],
    ['alice', 'POST', () => `/api/v1/containers/${urlId}/shares`, () => ({ mode: 'control' })],
    ['alice', 'POST', '/api/v1/tokens', () => ({})],
    ['alice', 'DELETE', '/api/v1/tokens/1', undefined],
    ['admin', 'POST', '/api/v1/admin/users', () => ({ name: 'mallory', password: 'pw-123456789' })],
    ['admin', 'PATCH', '/api/v1/admin/users/alice', () => ({ admin: true })],
    ['admin', 'DELETE', '/api/v1/admin/users/bob', undefined],
    ['admin', 'POST', '/api/v1/admin/applications', () => ({ image })],
    ['admin', 'DELETE', '/api/v1/admin/applications/1', undefined],
    ['admin', 'POST', '/api/v1/admin/accounting', () => ({ user: 'bob', image, policy: {} })],
    ['admin', 'DELETE', () => `/api/v1/admin/accounting/${mappingId}`, undefined],
    ['admin', 'DELETE', () => `/api/v1/admin/containers/${urlId}`, undefined],
  ] as Array<[string, string, string | (() => string), (() => unknown) | undefined]>)(
    '%s: %s %s',
    async (who, method, p, body) => {
      const client = withoutToken(who === 'admin' ? admin : alice);
      const url = typeof p === 'string' ? p : p();
      const sent = body
        ? await client.json(url, { method, headers: json, body: JSON.stringify(body()) })
        : await client.json(url, { method });
      expectClientError(sent, 403, `${method} ${url} without the token`);
    },
  );

  it('refuses the token of another session, and one from the same user’s other session', async () => {
    const other = await th.loginAs('alice', 'alice-password-123');
    for (const token of [bob.csrf!, other.csrf!, `${alice.csrf!}x`, alice.csrf!.slice(0, -1)]) {
      const res = await alice.json(`/api/v1/containers/${urlId}`, {
        method: 'DELETE',
        headers: { 'x-csrf-token': token },
      });
      expectClientError(res, 403, 'a CSRF token not of this session');
    }
  });

  it('changed nothing', async () => {
    expect((await alice.json(`/api/v1/containers/${urlId}`)).body).toMatchObject({
      status: 'running',
    });
    expect((await alice.json('/api/v1/tokens')).body).toHaveLength(1);
    expect(await th.hub.users.find('mallory')).toBeNull();
    expect(await th.hub.users.find('bob')).not.toBeNull();
    expect((await alice.json('/api/v1/me')).body).toMatchObject({ admin: false });
    const grants = await admin.json<Array<{ mapping_id: string; user: string }>>(
      '/api/v1/admin/accounting',
    );
    expect(grants.body.map((g) => [g.user, g.mapping_id])).toEqual([['alice', mappingId]]);
    expect((await alice.json(`/api/v1/containers/${urlId}/shares`)).body).toEqual([]);
  });
});

describe('after a restart with HUB_APPS_DOMAIN and another realm on the engine', () => {
  const foreignUrlId = crypto.randomBytes(16).toString('hex');
  let foreign: Dockerode.Container;

  beforeAll(async () => {
    // Another hub's app on the same engine: same user name, another realm.
    foreign = await docker.createContainer({
      Image: image,
      name: `contract-foreign-${run}`,
      Cmd: ['/bin/busybox', 'sleep', '600'],
      Labels: {
        'hub-test': '1',
        'eu.simphony-project.docker.user': 'alice',
        'eu.simphony-project.docker.mapping_id': mappingId,
        'eu.simphony-project.docker.url_id': foreignUrlId,
        'eu.simphony-project.docker.realm': `other-${run}`,
      },
    });
    await foreign.start();
    await th.close();
    th = await bootHub(
      { spawner: { network: NETWORK } },
      {
        dataDir: th.dataDir,
        env: {
          HUB_REALM: REALM,
          HUB_APPS_DOMAIN: 'apps.contract.test',
          HUB_ADMIN_PASSWORD: 'another-password-123',
        },
      },
    );
  });

  afterAll(async () => {
    await foreign?.remove({ force: true }).catch(() => undefined);
  });

  it('creates no second admin: HUB_ADMIN_PASSWORD counts only while the database has none', async () => {
    expect((await th.client().login(ADMIN.name, 'another-password-123')).status).toBe(401);
    const again = await th.loginAs(ADMIN.name, ADMIN.password);
    const users = await again.json<Array<{ name: string; admin: boolean }>>('/api/v1/admin/users');
    expect(users.body.filter((u) => u.admin).map((u) => u.name)).toEqual([ADMIN.name]);
  });

  it('serves the running app again, on <url_id>.<apps_domain> with the same path', async () => {
    const me = await th.loginAs('alice', 'alice-password-123');
    const [c] = (await me.json<Array<{ url_id: string; url: string }>>('/api/v1/containers')).body;
    const port = new URL(th.url).port;
    expect(c).toMatchObject({
      url_id: urlId,
      url: `http://${urlId}.apps.contract.test:${port}/user/alice/containers/${urlId}/`,
    });
    const page = await me.fetch(c.url);
    expect(page.status).toBe(200);
    expect((await page.text()).trim()).toBe('ok');
  });

  it('leaves the other realm’s container alone and out of every list and route', async () => {
    const again = await th.loginAs(ADMIN.name, ADMIN.password);
    const all = await again.json<Array<{ url_id: string }>>('/api/v1/admin/containers');
    expect(all.body.map((c) => c.url_id)).toEqual([urlId]);
    const me = await th.loginAs('alice', 'alice-password-123');
    expect((await me.json(`/api/v1/containers/${foreignUrlId}`)).status).toBe(404);
    expect(
      (await again.json(`/api/v1/admin/containers/${foreignUrlId}`, { method: 'DELETE' })).status,
    ).toBeLessThan(500);
    expect((await foreign.inspect()).State.Running).toBe(true);
  });
});

describe('a second hub: HUB_ADMIN_USER, no HUB_ADMIN_PASSWORD, OIDC from the environment', () => {
  let issuer: LyingIssuer;
  let second: TestHub;
  const env = (): NodeJS.ProcessEnv => ({
    HUB_REALM: `${REALM}-second`,
    HUB_ADMIN_USER: 'chief',
    HUB_ADMIN_PASSWORD: '',
    HUB_AUTH__OIDC__ISSUER: issuer.issuer,
    HUB_AUTH__OIDC__CLIENT_ID: 'contract-client',
    HUB_OIDC_CLIENT_SECRET: 'contract-secret',
  });

  beforeAll(async () => {
    issuer = await startLyingIssuer('contract-client');
    second = await bootHub({}, { env: env() });
  });

  afterAll(async () => {
    await second?.close();
    await issuer?.close();
  });

  it('creates the first admin under HUB_ADMIN_USER with a generated password, given once', async () => {
    const password = second.generatedAdminPassword;
    expect(password).toMatch(/^\S{12,}$/);
    const chief = await second.loginAs('chief', password!);
    expect((await chief.json('/api/v1/me')).body).toMatchObject({ name: 'chief', admin: true });
    await second.close();
    second = await bootHub({}, { dataDir: second.dataDir, env: env() });
    expect(second.generatedAdminPassword).toBeUndefined();
    expect((await second.client().login('chief', password!)).status).toBe(200);
  });

  it('starts the code flow at GET /login/oidc with PKCE, state, nonce, the default scopes and the callback', async () => {
    const res = await second.client().fetch('/login/oidc');
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(`${issuer.issuer}/auth`);
    const q = Object.fromEntries(to.searchParams);
    expect(q).toMatchObject({
      response_type: 'code',
      client_id: 'contract-client',
      redirect_uri: `${second.url}/login/oidc/callback`,
      code_challenge_method: 'S256',
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      state: expect.stringMatching(/^.{16,}$/),
      nonce: expect.stringMatching(/^.{16,}$/),
    });
    expect(q.scope.split(' ').sort()).toEqual(['email', 'openid', 'profile']);
  });
});

describe('the hub as a process', () => {
  it('drives the engine DOCKER_HOST names, not the default socket', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-contract-main-'));
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'server/main.ts'], {
      cwd: path.join(__dirname, '..', '..'),
      env: {
        PATH: process.env.PATH,
        HUB_LOG_LEVEL: 'error',
        HUB_REALM: `${REALM}-main`,
        HUB_DATA_DIR: dataDir,
        HUB_PORT: '0',
        HUB_ADMIN_PASSWORD: ADMIN.password,
        HUB_SKIP_IMAGES: '1',
        // An engine that is not there, while /var/run/docker.sock (the default) is up.
        DOCKER_HOST: `unix://${path.join(dataDir, 'no-engine.sock')}`,
      },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /hub listening on (\S+)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`hub exited with ${code}: ${out}`)));
      });
      const health = await fetch(`${url}/health`);
      expect(((await health.json()) as { docker: { ok: boolean } }).docker.ok).toBe(false);
      expect(
        ((await (await fetch(`${th.url}/health`)).json()) as { docker: { ok: boolean } }).docker.ok,
      ).toBe(true);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
