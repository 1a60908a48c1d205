import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { LABELS } from '../../server/spawner/names';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { appLabels, TestImages } from '../helpers/images';
import { cleanupRealm, grantApp, realmContainers, WEB_CMD } from './spawner-fixtures';

/**
 * SimPhoNy-Remote compatibility against the real hub and engine: its request shapes on our API,
 * and its own REST client, remoteapprest (test/fixtures/remoteapprest, unchanged), run with
 * Debian's python3 for login, app available, app start, app running and app stop.
 */

jest.setTimeout(240_000);

const docker = new Dockerode();
const images = new TestImages(docker);
const run = crypto.randomBytes(3).toString('hex');
const REALM = `simphony-${run}`;
const NETWORK = `hub-test-net-${run}`;
const CLIENT = path.join(__dirname, '..', 'fixtures', 'remoteapprest', 'remoteapprest.py');
const PASSWORD = 'alice-password-123';

let th: TestHub;
let admin: Client;
let alice: Client;
let image: string;
let mappingId: string;
let home: string;

/**
 * remoteapprest from a temporary copy, its credentials file in a temporary HOME. Asynchronous:
 * the hub it talks to runs in this process.
 */
async function remoteapprest(
  args: string[],
): Promise<{ status: number; stdout: string; stderr: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remoteapprest-'));
  const script = path.join(dir, 'remoteapprest.py');
  fs.copyFileSync(CLIENT, script);
  try {
    return await new Promise((resolve) => {
      execFile(
        '/usr/bin/python3',
        [script, ...args],
        { env: { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8' }, timeout: 120_000 },
        (err, stdout, stderr) =>
          resolve({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Follows the hub's redirects (slash, app origin, ticket) as a browser would. */
async function openLikeABrowser(
  client: Client,
  url: string,
): Promise<{ status: number; body: string }> {
  let at = url;
  let res = await client.fetch(at, { headers: { accept: 'text/html' } });
  for (let i = 0; i < 5 && res.status >= 300 && res.status < 400; i++) {
    at = new URL(res.headers.get('location')!, at).href;
    res = await client.fetch(at, { headers: { accept: 'text/html' } });
  }
  return { status: res.status, body: await res.text() };
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'remoteapprest-home-'));
  image = (
    await images.build('simphony-web', {
      cmd: WEB_CMD,
      labels: appLabels({
        ui_name: 'Simphony Web',
        type: 'webapp',
        'env.x11-width': '',
        'env.x11-height': '',
        'env.startupdata': '',
      }),
    })
  ).ref;
  th = await bootHub(
    { spawner: { network: NETWORK, http_timeout_seconds: 30, init: true } },
    { env: { HUB_REALM: REALM } },
  );
  admin = await th.loginAs(ADMIN.name, ADMIN.password);
  alice = await th.userClient('alice', PASSWORD);
});

afterAll(async () => {
  await th?.close();
  await cleanupRealm(docker, REALM, NETWORK);
  await images.removeAll();
  fs.rmSync(home, { recursive: true, force: true });
});

describe("SimPhoNy-Remote's data on the hub's API", () => {
  it('grants a policy with allow_view, allow_common and empty strings for none', async () => {
    mappingId = await grantApp(admin, 'alice', image, {
      allow_view: true,
      allow_common: false,
      allow_startup_data: true,
      volume_source: '',
      volume_target: '',
      volume_mode: '',
      app_license: '',
    });
    const grants = await admin.json<Array<{ mapping_id: string; policy: object }>>(
      '/api/v1/admin/accounting?user=alice',
    );
    expect(grants.body.find((g) => g.mapping_id === mappingId)?.policy).toEqual(
      expect.objectContaining({
        allow_view: true,
        allow_common: false,
        volume_source: null,
        volume_target: null,
        volume_mode: null,
        app_license: null,
      }),
    );
  });

  it('starts a container from nested configurables, as SimPhoNy sends them', async () => {
    const started = await alice.json<{ url_id: string }>('/api/v1/containers', {
      method: 'POST',
      json: {
        mapping_id: mappingId,
        configurables: {
          resolution: { resolution: '1024x768' },
          startupdata: { startupdata: '/workspace/a.txt' },
        },
      },
    });
    expect(started.status).toBe(201);
    const [c] = await docker.listContainers({
      filters: { label: [`${LABELS.urlId}=${started.body.url_id}`] },
    });
    const env = (await docker.getContainer(c.Id).inspect()).Config.Env;
    expect(env).toEqual(
      expect.arrayContaining(['X11_WIDTH=1024', 'X11_HEIGHT=768', 'STARTUPDATA=/workspace/a.txt']),
    );
    const stopped = await alice.fetch(`/api/v1/containers/${started.body.url_id}`, {
      method: 'DELETE',
    });
    expect(stopped.status).toBe(204);
  });
});

describe('remoteapprest, the SimPhoNy-Remote client, unchanged', () => {
  it('logs in through /hub/login and keeps the cookies', async () => {
    const wrong = await remoteapprest([
      'login',
      th.url,
      '--username',
      'alice',
      '--password',
      'nope',
    ]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/Server replied with error: 401/);

    const r = await remoteapprest(['login', th.url, '--username', 'alice', '--password', PASSWORD]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [url, user, ...cookies] = fs
      .readFileSync(path.join(home, '.remoteapprest'), 'utf8')
      .trim()
      .split('\n');
    expect([url, user]).toEqual([th.url, 'alice']);
    expect(cookies.map((c) => c.split('=')[0])).toContain('hub-session');
  });

  it('lists the available applications', async () => {
    const r = await remoteapprest(['app', 'available']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${mappingId} : Simphony Web\n`);
  });

  it('lists running containers and stops one with its cookie and no CSRF token', async () => {
    expect((await remoteapprest(['app', 'running'])).stdout).toBe('');
    const started = await alice.json<{ url_id: string }>('/api/v1/containers', {
      method: 'POST',
      json: { mapping_id: mappingId },
    });
    expect(started.status).toBe(201);
    const urlId = started.body.url_id;

    const running = await remoteapprest(['app', 'running']);
    expect(running.stderr).toBe('');
    expect(running.stdout).toBe(`${urlId} : ${image}\n`);

    const stop = await remoteapprest(['app', 'stop', urlId]);
    expect(stop.stdout).toBe('204\n');
    expect(await realmContainers(docker, REALM)).toEqual([]);
    expect((await remoteapprest(['app', 'running'])).stdout).toBe('');
  });

  it('starts an application and prints an address that opens it through the hub', async () => {
    const r = await remoteapprest(['app', 'start', mappingId, '--startupdata', '/workspace/b.txt']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const hub = new URL(th.url);
    const m = new RegExp(
      `^http://${hub.hostname}:${hub.port}/user/alice/containers/([0-9a-f]{32})\\n$`,
    ).exec(r.stdout);
    expect(r.stdout).toMatch(/containers/);
    expect(m).not.toBeNull();
    const urlId = m![1];
    const [c] = await docker.listContainers({ filters: { label: [`${LABELS.urlId}=${urlId}`] } });
    expect((await docker.getContainer(c.Id).inspect()).Config.Env).toContain(
      'STARTUPDATA=/workspace/b.txt',
    );
    expect(await openLikeABrowser(alice, r.stdout.trim())).toEqual({ status: 200, body: 'ok\n' });
    expect((await remoteapprest(['app', 'stop', urlId])).stdout).toBe('204\n');
    expect(await realmContainers(docker, REALM)).toEqual([]);
  });

  it("names the started container with a Location the hub serves, also for a name with '_'", async () => {
    const bob = await th.userClient('bob_s', PASSWORD);
    const grant = await grantApp(admin, 'bob_s', image, {});
    const started = await bob.json<{ url_id: string }>('/user/bob_s/api/v1/containers/', {
      method: 'POST',
      json: { mapping_id: grant },
    });
    expect(started.status).toBe(201);
    const location = started.res.headers.get('location')!;
    const hub = new URL(th.url);
    expect(location).toBe(
      `${hub.origin}/user/bob%5Fs/api/v1/containers/${started.body.url_id}_${hub.port}/`,
    );
    const one = await bob.json<{ url_id: string }>(location);
    expect(one.status).toBe(200);
    expect(one.body.url_id).toBe(started.body.url_id);
    // What remoteapprest makes of it: the only `_` of the path is before the port.
    const printed = `${hub.protocol}//${hub.hostname}:${hub.port}/user/bob%5Fs/containers/${started.body.url_id}`;
    expect(await openLikeABrowser(bob, printed)).toEqual({ status: 200, body: 'ok\n' });
    // Nobody else reaches it under that name, and a bad suffix names nothing: no GET, and a
    // DELETE (idempotent, as for any url_id that is not the caller's) leaves it running.
    expect((await alice.fetch(location.replace('/bob%5Fs/', '/alice/'))).status).toBe(404);
    const bad = location.replace(`_${hub.port}/`, `_x${hub.port}/`);
    expect((await bob.fetch(bad)).status).toBe(404);
    await bob.fetch(bad, { method: 'DELETE' });
    expect((await bob.fetch(location)).status).toBe(200);
    expect((await bob.fetch(location, { method: 'DELETE' })).status).toBe(204);
    expect(await realmContainers(docker, REALM)).toEqual([]);
  });

  it('shows the container of an application in its SimPhoNy shape', async () => {
    const started = await alice.json<{ url_id: string }>('/api/v1/containers', {
      method: 'POST',
      json: { mapping_id: mappingId },
    });
    const one = await alice.json<{ container: { url_id: string; image_name: string } | null }>(
      `/user/alice/api/v1/applications/${mappingId}/`,
    );
    expect(one.status).toBe(200);
    expect(one.body.container).toEqual(
      expect.objectContaining({ url_id: started.body.url_id, image_name: image }),
    );
    const list = await alice.json<{ identifiers: string[]; items: Record<string, unknown> }>(
      '/user/alice/api/v1/containers/',
    );
    expect(list.body.identifiers).toEqual([started.body.url_id]);
    expect(Object.keys(list.body.items)).toEqual([started.body.url_id]);
    expect((await remoteapprest(['app', 'stop', started.body.url_id])).stdout).toBe('204\n');
  });
});
