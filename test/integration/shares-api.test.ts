import crypto from 'node:crypto';
import Dockerode from 'dockerode';
import { z } from 'zod';
import * as W from '../../server/api/wire';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { appLabels, TestImages } from '../helpers/images';
import { expectWire } from '../helpers/wire';
import { cleanupRealm, grantApp, WEB_CMD } from './spawner-fixtures';

/**
 * The share API against real containers (shared/DESIGN.md "Shares"): who may share what, the
 * refusals with their reasons, the listing, revoking, the audit trail, and a link whose app
 * stopped. What a viewer can do through the proxy is test/adversarial/shares-view.test.ts.
 */
jest.setTimeout(180_000);

const docker = new Dockerode();
const images = new TestImages(docker);
const run = crypto.randomBytes(3).toString('hex');
const REALM = `shares-${run}`;
const NETWORK = `hub-test-net-${run}`;

let th: TestHub;
let admin: Client;
let alice: Client;
let bob: Client;
/** url_ids of alice's containers: a VNC-typed app shareable, one not, a web app shareable. */
const c = { vnc: '', vncNoShare: '', web: '' };

interface ErrorBody {
  error: { code: string; message: string };
}

async function start(client: Client, mappingId: string): Promise<string> {
  const res = await client.json<{ url_id: string }>('/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: mappingId },
  });
  if (res.status !== 201) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.url_id;
}

const share = (client: Client, urlId: string, json: unknown) =>
  client.json<W.ShareCreated & ErrorBody>(`/api/v1/containers/${urlId}/shares`, {
    method: 'POST',
    json,
  });

beforeAll(async () => {
  const vnc = await images.build('share-vnc', {
    cmd: WEB_CMD,
    labels: appLabels({ ui_name: 'Share VNC', type: 'vncapp' }),
  });
  const vnc2 = await images.build('share-vnc2', {
    cmd: WEB_CMD,
    labels: appLabels({ ui_name: 'Share VNC 2', type: 'vncapp' }),
  });
  const web = await images.build('share-web', {
    cmd: WEB_CMD,
    labels: appLabels({ ui_name: 'Share Web', type: 'webapp' }),
  });
  th = await bootHub(
    { spawner: { network: NETWORK, http_timeout_seconds: 10, start_timeout_seconds: 60 } },
    { env: { HUB_REALM: REALM } },
  );
  admin = await th.loginAs(ADMIN.name, ADMIN.password);
  alice = await th.userClient('alice');
  bob = await th.userClient('bob');
  await th.userClient('carol');
  c.vnc = await start(alice, await grantApp(admin, 'alice', vnc.ref, { allow_view: true }));
  c.vncNoShare = await start(alice, await grantApp(admin, 'alice', vnc2.ref, {}));
  c.web = await start(alice, await grantApp(admin, 'alice', web.ref, { allow_view: true }));
});

afterAll(async () => {
  await th?.close();
  await cleanupRealm(docker, REALM, NETWORK);
  await images.removeAll();
});

describe('creating a share', () => {
  it('gives a link on the hub origin for a VNC app whose grant allows viewing', async () => {
    const res = await share(alice, c.vnc, { mode: 'view', user: 'bob', expires_in: 3600 });
    expect(res.status).toBe(201);
    expectWire(W.ShareCreated, res.body);
    expect(res.body.url).toBe(`${th.url}/share/${res.body.id}`);
    expect(res.body.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses a grant without allow_view, saying what to ask for', async () => {
    const res = await share(alice, c.vncNoShare, { mode: 'view', user: 'bob' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('share_not_allowed');
    expect(res.body.error.message).toMatch(/allow_view/);
  });

  it('refuses a view share of a web app (the hub cannot enforce it), allows control', async () => {
    const view = await share(alice, c.web, { mode: 'view', user: 'bob' });
    expect(view.status).toBe(400);
    expect(view.body.error.code).toBe('share_view_unenforceable');
    expect(view.body.error.message).toMatch(/VNC/);
    expect((await share(alice, c.web, { mode: 'control', user: 'bob' })).status).toBe(201);
  });

  it('answers someone else’s container exactly like one that does not exist', async () => {
    const theirs = await share(bob, c.vnc, { mode: 'view' });
    const none = await share(bob, 'f'.repeat(32), { mode: 'view' });
    expect(theirs.status).toBe(404);
    expect(theirs.body).toEqual(none.body);
    expect((await bob.json(`/api/v1/containers/${c.vnc}/shares`)).status).toBe(404);
  });

  it.each([
    [{ mode: 'edit' }, /mode/],
    [{}, /mode/],
    [{ mode: 'view', expires_in: -5 }, /expires_in/],
    [{ mode: 'view', expires_in: 1.5 }, /expires_in/],
    [{ mode: 'view', expires_in: 10 ** 9 }, /expires_in: at most/],
    [{ mode: 'view', user: 'nobody-here' }, /user: no active user/],
    [{ mode: 'view', user: 'alice' }, /user: you already/],
    [{ mode: 'view', extra: 1 }, /extra|unrecognized/i],
  ])('refuses %j with a 400 naming the field', async (body, message) => {
    const res = await share(alice, c.vnc, body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });

  it('needs a login', async () => {
    const res = await th.client().json(`/api/v1/containers/${c.vnc}/shares`, {
      method: 'POST',
      json: { mode: 'view' },
    });
    expect(res.status).toBe(401);
  });
});

describe('listing and revoking', () => {
  it('lists the owner’s shares with their state, and revokes them idempotently', async () => {
    const made = await share(alice, c.vnc, { mode: 'view', user: 'carol' });
    const list = await alice.json<W.Share[]>(`/api/v1/containers/${c.vnc}/shares`);
    expect(list.status).toBe(200);
    expectWire(z.array(W.Share), list.body);
    const mine = list.body.find((s) => s.id === made.body.id)!;
    expect(mine).toMatchObject({ mode: 'view', user: 'carol', state: 'live', connected: [] });

    const path = `/api/v1/containers/${c.vnc}/shares/${made.body.id}`;
    expect((await bob.fetch(path, { method: 'DELETE' })).status).toBe(404);
    expect((await alice.fetch(path, { method: 'DELETE' })).status).toBe(204);
    expect((await alice.fetch(path, { method: 'DELETE' })).status).toBe(204);
    const after = await alice.json<W.Share[]>(`/api/v1/containers/${c.vnc}/shares`);
    expect(after.body.find((s) => s.id === made.body.id)?.state).toBe('revoked');
    const link = await th.client().json<ErrorBody>(`/share/${made.body.id}`);
    expect(link.status).toBe(410);
    expect(link.body.error.code).toBe('share_revoked');
  });

  it('recorded creating and revoking in the audit log', async () => {
    const { body } = await admin.json<Array<{ action: string; actor: string; target: string }>>(
      '/api/v1/admin/audit?limit=1000',
    );
    const actions = body.filter((e) => e.actor === 'alice').map((e) => e.action);
    expect(actions).toContain('share.create');
    expect(actions).toContain('share.revoke');
  });
});

describe('a stopped app', () => {
  it('ends its links with 410 and a reason', async () => {
    const made = await share(alice, c.web, { mode: 'control', user: 'bob' });
    expect((await alice.fetch(`/api/v1/containers/${c.web}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    const link = await bob.json<ErrorBody>(`/share/${made.body.id}`);
    expect(link.status).toBe(410);
    expect(link.body.error.code).toBe('share_app_stopped');
    expect((await share(alice, c.web, { mode: 'control' })).status).toBe(404);

    // A browser gets a page with the reason and the way back, not JSON.
    const browser = await bob.fetch(`/share/${made.body.id}`, {
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(browser.status).toBe(410);
    expect(browser.headers.get('content-type')).toMatch(/^text\/html/);
    const text = await browser.text();
    expect(text).toContain('The shared application is not running');
    expect(text).toContain('ask its owner to start it and share it again');
    expect(text).toContain('<a href="/">Back to your applications</a>');
  });
});
