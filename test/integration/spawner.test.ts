import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { openDatabase } from '../../server/db/data-source';
import { AccountingEntity } from '../../server/db/entities';
import { CAP_ADD } from '../../server/spawner/container-spec';
import { containersOf } from '../../server/spawner/service';
import { loadInstallIdentity } from '../../server/spawner/install-id';
import { containerName, LABELS } from '../../server/spawner/names';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { TestImages } from '../helpers/images';
import {
  buildSpawnerImages,
  cleanupRealm,
  collectProgress,
  grantApp,
  realmContainers,
  type SpawnerImages,
  until,
} from './spawner-fixtures';

/**
 * Per-user containers through the real hub (in-process, port 0, temp data folder) on the real
 * engine: what a user and an admin observe over HTTP, and what `docker inspect` shows.
 */

jest.setTimeout(240_000);

const docker = new Dockerode();
const images = new TestImages(docker);
const run = crypto.randomBytes(3).toString('hex');
const REALM = `spawner-${run}`;
const NETWORK = `hub-test-net-${run}`;

interface View {
  url_id: string;
  url: string;
  status: string;
  mapping_id: string;
  image: string;
  ui_name: string;
  started_at: string;
  last_activity: string;
  cull_at: string | null;
}

let th: TestHub;
let admin: Client;
let alice: Client;
let bob: Client;
let imgs: SpawnerImages;
let roots: string;

const overrides = () => ({
  spawner: {
    network: NETWORK,
    allowed_volume_roots: [path.join(roots, 'shared')],
    http_timeout_seconds: 5,
    start_timeout_seconds: 60,
    max_per_user: 20,
    // Docker's init as PID 1: this suite's apps must start and answer under it too.
    init: true,
  },
});

async function boot(dataDir?: string): Promise<void> {
  th = await bootHub(overrides(), { dataDir, env: { HUB_REALM: REALM } });
  admin = await th.loginAs(ADMIN.name, ADMIN.password);
  alice = await th.userClient('alice');
  bob = await th.userClient('bob');
}

async function start(client: Client, mappingId: string, configurables?: unknown) {
  return client.json<View & { error?: { code: string; message: string } }>('/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: mappingId, ...(configurables ? { configurables } : {}) },
  });
}

/** The install id of the hub under test (its data folder's). */
function installId(): string {
  return loadInstallIdentity(th.dataDir).id;
}

async function inspectByUrlId(urlId: string): Promise<Dockerode.ContainerInspectInfo> {
  const [c] = await docker.listContainers({
    all: true,
    filters: { label: [`${LABELS.urlId}=${urlId}`] },
  });
  if (!c) throw new Error(`no container with url_id ${urlId}`);
  return docker.getContainer(c.Id).inspect();
}

beforeAll(async () => {
  roots = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'hub-spawner-roots-')));
  fs.mkdirSync(path.join(roots, 'shared', 'data'), { recursive: true });
  fs.writeFileSync(path.join(roots, 'shared', 'data', 'hello.txt'), 'hello');
  fs.mkdirSync(path.join(roots, 'secret'));
  fs.symlinkSync(path.join(roots, 'secret'), path.join(roots, 'shared', 'escape'));
  imgs = await buildSpawnerImages(images);
  await boot();
});

afterAll(async () => {
  await th?.close();
  await cleanupRealm(docker, REALM, NETWORK);
  await images.removeAll();
  fs.rmSync(roots, { recursive: true, force: true });
});

describe('starting an application', () => {
  let mappingId: string;
  let view: View;

  beforeAll(async () => {
    mappingId = await grantApp(admin, 'alice', imgs.web, {
      allow_home: true,
      allow_startup_data: true,
      app_license: 'LICENSE-42',
      volume_source: path.join(roots, 'shared', 'data'),
      volume_target: '/data',
      volume_mode: 'ro',
      memory_limit: '256m',
      cpu_limit: 0.5,
      pids_limit: 64,
    });
  });

  it('answers once the app answers, streams progress, and the proxy reaches the app', async () => {
    let opened!: () => void;
    const streamOpen = new Promise<void>((r) => (opened = r));
    const progress = collectProgress(
      alice,
      mappingId,
      (es) => es.some((e) => e.stage === 'ready' || e.stage === 'failed'),
      opened,
    );
    await streamOpen;
    const res = await start(alice, mappingId, {
      resolution: '1280x800',
      startupdata: '/workspace/a.txt',
    });
    expect(res.status).toBe(201);
    view = res.body;
    expect(view).toMatchObject({
      status: 'running',
      mapping_id: mappingId,
      ui_name: 'Web Test',
      image: imgs.web,
    });
    expect(view.url_id).toMatch(/^[0-9a-f]{32}$/);
    // On its own origin (DESIGN.md "App origins"): the hub is reached on loopback here.
    expect(view.url).toBe(
      `http://${view.url_id}.apps.localhost:${new URL(th.url).port}/user/alice/containers/${view.url_id}/`,
    );
    const page = await alice.fetch(view.url);
    expect(page.status).toBe(200);
    expect((await page.text()).trim()).toBe('ok');
    const stages = (await progress).map((e) => e.stage);
    expect(stages).toEqual(['queued', 'creating', 'starting', 'waiting', 'ready']);
    const metrics = await (await th.client().fetch('/metrics')).text();
    expect(metrics).toMatch(/^hub_container_start_seconds_count\{outcome="ready"\} [1-9]/m);
  });

  it('labels the container, sets the designed env and nothing of the hub', async () => {
    const c = await inspectByUrlId(view.url_id);
    expect(c.Config.Labels).toMatchObject({
      [LABELS.user]: 'alice',
      [LABELS.mappingId]: mappingId,
      [LABELS.urlId]: view.url_id,
      [LABELS.realm]: REALM,
      [LABELS.install]: installId(),
    });
    const env = Object.fromEntries(
      c.Config.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({
      JPY_USER: 'alice',
      JPY_BASE_USER_URL: '/user/alice',
      USER: 'alice',
      URL_ID: view.url_id,
      APP_LICENSE: 'LICENSE-42',
      X11_WIDTH: '1280',
      X11_HEIGHT: '800',
      STARTUPDATA: '/workspace/a.txt',
    });
    expect(Object.keys(env).filter((k) => k.startsWith('HUB_'))).toEqual([]);
  });

  it('turns the policy into mounts, limits and secure defaults', async () => {
    const c = await inspectByUrlId(view.url_id);
    const mounts = Object.fromEntries(c.Mounts.map((m) => [m.Destination, m]));
    expect(mounts['/workspace']).toMatchObject({
      Type: 'bind',
      Source: path.join(th.dataDir, 'workspaces', 'alice'),
      RW: true,
    });
    expect(mounts['/data']).toMatchObject({
      Type: 'bind',
      Source: path.join(roots, 'shared', 'data'),
      RW: false,
    });
    const h = c.HostConfig;
    expect(h.Memory).toBe(256 * 1024 ** 2);
    expect(h.NanoCpus).toBe(5e8);
    expect(h.PidsLimit).toBe(64);
    expect(h.Privileged).toBe(false);
    expect(h.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(h.CapDrop).toEqual(['ALL']);
    expect([...(h.CapAdd ?? [])].sort()).toEqual([...CAP_ADD].sort());
    expect(h.Init).toBe(true);
    expect(Object.keys(c.NetworkSettings.Networks)).toEqual([NETWORK]);
    const net = await docker.getNetwork(NETWORK).inspect();
    expect(net.Options?.['com.docker.network.bridge.enable_icc']).toBe('false');
  });

  it('shows the container to its owner only', async () => {
    const mine = await alice.json<View[]>('/api/v1/containers');
    expect(mine.body.map((c) => c.url_id)).toEqual([view.url_id]);
    expect((await alice.json(`/api/v1/containers/${view.url_id}`)).body).toMatchObject({
      url_id: view.url_id,
      cull_at: null,
    });
    expect((await bob.json<View[]>('/api/v1/containers')).body).toEqual([]);
    expect((await bob.json(`/api/v1/containers/${view.url_id}`)).status).toBe(404);
    // Bob's DELETE answers as for a container that is not there, and stops nothing.
    expect((await bob.json(`/api/v1/containers/${view.url_id}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await alice.json(`/api/v1/containers/${view.url_id}`)).status).toBe(200);
    expect((await bob.json(`/api/v1/containers/progress/${mappingId}`)).status).toBe(404);
    expect(
      (await alice.json(`/api/v1/containers/${view.url_id}/keepalive`, { method: 'POST' })).status,
    ).toBe(204);
    const apps =
      await alice.json<Array<{ mapping_id: string; container: unknown }>>('/api/v1/applications');
    expect(apps.body.find((a) => a.mapping_id === mappingId)?.container).toEqual({
      url_id: view.url_id,
      url: view.url,
      status: 'running',
      update_available: false,
    });
  });

  it('returns the running container when started again', async () => {
    const again = await start(alice, mappingId);
    expect(again.status).toBe(201);
    expect(again.body.url_id).toBe(view.url_id);
  });

  it('lets the admin list every container, read its logs and stop it; stopping is idempotent', async () => {
    const all = await admin.json<Array<View & { user: string }>>('/api/v1/admin/containers');
    expect(all.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ url_id: view.url_id, user: 'alice', mapping_id: mappingId }),
      ]),
    );
    expect((await alice.json('/api/v1/admin/containers')).status).toBe(403);
    const logs = await admin.fetch(`/api/v1/admin/containers/${view.url_id}/logs?tail=50`);
    expect(logs.status).toBe(200);
    expect(logs.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await logs.text()).toContain(`serving ${view.url_id} for alice`);
    expect((await admin.json(`/api/v1/admin/containers/${view.url_id}/logs?tail=0`)).status).toBe(
      400,
    );
    expect(
      (await admin.fetch(`/api/v1/admin/containers/${view.url_id}`, { method: 'DELETE' })).status,
    ).toBe(204);
    expect(
      (await realmContainers(docker, REALM)).filter((c) => c.Labels[LABELS.urlId] === view.url_id),
    ).toEqual([]);
    expect((await alice.fetch(view.url)).status).toBe(404);
    expect(
      (await admin.fetch(`/api/v1/admin/containers/${view.url_id}`, { method: 'DELETE' })).status,
    ).toBe(204);
    expect(
      (await alice.fetch(`/api/v1/containers/${view.url_id}`, { method: 'DELETE' })).status,
    ).toBe(204);
    expect((await admin.json(`/api/v1/admin/containers/${view.url_id}/logs`)).status).toBe(404);
  });
});

describe('policy refusals (nothing is started)', () => {
  const refuse = async (
    policy: Record<string, unknown>,
    configurables: unknown,
    status: number,
    text: RegExp,
  ) => {
    const mappingId = await grantApp(admin, 'bob', imgs.web, policy);
    const res = await start(bob, mappingId, configurables);
    expect(res.status).toBe(status);
    expect(res.body.error?.message).toMatch(text);
    expect(
      (await realmContainers(docker, REALM)).filter((c) => c.Labels[LABELS.user] === 'bob'),
    ).toEqual([]);
  };

  it('refuses a volume outside spawner.allowed_volume_roots', () =>
    refuse(
      { volume_source: path.join(roots, 'secret'), volume_target: '/data' },
      undefined,
      403,
      /allowed_volume_roots/,
    ));

  it('refuses a symlink that escapes the allowed root', () =>
    refuse(
      { volume_source: path.join(roots, 'shared', 'escape'), volume_target: '/data2' },
      undefined,
      403,
      /allowed_volume_roots/,
    ));

  it('refuses a volume source that does not exist (400, not a silent drop)', () =>
    refuse(
      { volume_source: path.join(roots, 'shared', 'missing'), volume_target: '/data3' },
      undefined,
      400,
      /does not exist/,
    ));

  it('refuses startup data the policy does not allow', () =>
    refuse({ app_license: 'x' }, { startupdata: '/etc/passwd' }, 403, /startup data/));

  it('refuses an unknown configurable, naming it', () =>
    refuse({ app_license: 'y' }, { colour: 'red' }, 400, /"colour"/));

  it('never takes the image from the caller', async () => {
    const mappingId = await grantApp(admin, 'bob', imgs.web);
    const res = await bob.json<{ error: { message: string } }>('/api/v1/containers', {
      method: 'POST',
      json: { mapping_id: mappingId, image: imgs.silent },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/image/);
  });

  it('answers 404 for a grant of someone else', async () => {
    const alices = await grantApp(admin, 'alice', imgs.silent);
    expect((await start(bob, alices)).status).toBe(404);
  });
});

describe('one container per user and grant', () => {
  it('gives ten parallel starts of one grant one container, and every caller gets it', async () => {
    const mappingId = await grantApp(admin, 'alice', imgs.web, { app_license: 'parallel' });
    const results = await Promise.all(Array.from({ length: 10 }, () => start(alice, mappingId)));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 201));
    expect(new Set(results.map((r) => r.body.url_id)).size).toBe(1);
    const containers = (await realmContainers(docker, REALM)).filter(
      (c) => c.Labels[LABELS.mappingId] === mappingId,
    );
    expect(containers).toHaveLength(1);
    expect((await alice.fetch(results[0].body.url)).status).toBe(200);
    expect(
      (await alice.fetch(`/api/v1/containers/${results[0].body.url_id}`, { method: 'DELETE' }))
        .status,
    ).toBe(204);
  });

  it('replaces a leftover container that holds the name (from a hub that died mid-spawn)', async () => {
    const mappingId = await grantApp(admin, 'bob', imgs.web, { app_license: 'leftover' });
    const name = containerName(REALM, 'bob', mappingId, installId());
    // What a hub that died between create and start leaves: its labels, never started.
    const leftover = await docker.createContainer({
      Image: imgs.web,
      name,
      Labels: {
        'hub-test': '1',
        [LABELS.realm]: REALM,
        [LABELS.install]: installId(),
        [LABELS.user]: 'bob',
        [LABELS.mappingId]: mappingId,
        [LABELS.urlId]: crypto.randomBytes(16).toString('hex'),
      },
    });
    const res = await start(bob, mappingId);
    expect(res.status).toBe(201);
    expect((await bob.fetch(res.body.url)).status).toBe(200);
    await expect(leftover.inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await inspectByUrlId(res.body.url_id)).Name).toBe(`/${name}`);
    await bob.fetch(`/api/v1/containers/${res.body.url_id}`, { method: 'DELETE' });
  });

  it('never removes a container it did not create that holds the name', async () => {
    const mappingId = await grantApp(admin, 'bob', imgs.web, { app_license: 'squatter' });
    const name = containerName(REALM, 'bob', mappingId, installId());
    const squatter = await docker.createContainer({
      Image: imgs.web,
      name,
      Labels: { 'hub-test': '1', [LABELS.realm]: REALM },
    });
    try {
      const res = await start(bob, mappingId);
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'name_taken' });
      expect(res.body.error?.message).toContain(`docker rm ${name}`);
      expect((await squatter.inspect()).Name).toBe(`/${name}`);
    } finally {
      await squatter.remove({ force: true });
    }
  });

  it('keeps users whose names escape alike apart (a-b, a, b, a.b)', async () => {
    const users = ['a-b', 'a', 'b', 'a.b', 'a_b'];
    const clients = await Promise.all(users.map((u) => th.userClient(u)));
    const grants = await Promise.all(users.map((u) => grantApp(admin, u, imgs.web)));
    const views = await Promise.all(clients.map((c, i) => start(c, grants[i])));
    expect(views.map((v) => v.status)).toEqual(users.map(() => 201));
    const names = await Promise.all(
      views.map(async (v) => (await inspectByUrlId(v.body.url_id)).Name),
    );
    expect(new Set(names).size).toBe(users.length);
    for (const [i, v] of views.entries()) {
      expect((await clients[i].fetch(v.body.url)).status).toBe(200);
      // Another user's container is never reachable, whatever the names look like.
      expect((await clients[(i + 1) % users.length].fetch(v.body.url)).status).toBe(404);
    }
    await Promise.all(
      views.map((v, i) =>
        clients[i].fetch(`/api/v1/containers/${v.body.url_id}`, { method: 'DELETE' }),
      ),
    );
  });

  it('keeps one user’s container from reaching another’s (inter-container traffic off)', async () => {
    const ga = await grantApp(admin, 'alice', imgs.web, { app_license: 'icc-a' });
    const gb = await grantApp(admin, 'bob', imgs.web, { app_license: 'icc-b' });
    const [va, vb] = await Promise.all([start(alice, ga), start(bob, gb)]);
    const ipB = (await inspectByUrlId(vb.body.url_id)).NetworkSettings.Networks[NETWORK].IPAddress;
    const exec = await docker.getContainer((await inspectByUrlId(va.body.url_id)).Id).exec({
      Cmd: [
        '/bin/busybox',
        'wget',
        '-T',
        '3',
        '-q',
        '-O',
        '-',
        `http://${ipB}:8888/user/bob/containers/${vb.body.url_id}/`,
      ],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({});
    await new Promise((r) => stream.on('end', r).resume());
    const { ExitCode } = await exec.inspect();
    expect(ExitCode).not.toBe(0);
    // The hub itself does reach it.
    expect((await bob.fetch(vb.body.url)).status).toBe(200);
    await alice.fetch(`/api/v1/containers/${va.body.url_id}`, { method: 'DELETE' });
    await bob.fetch(`/api/v1/containers/${vb.body.url_id}`, { method: 'DELETE' });
  });
});

describe('failures and deaths', () => {
  it('reports an app that exits with its last output and removes it', async () => {
    const mappingId = await grantApp(admin, 'alice', imgs.dying);
    const progress = collectProgress(alice, mappingId, (es) =>
      es.some((e) => e.stage === 'failed' || e.stage === 'ready'),
    );
    await new Promise((r) => setTimeout(r, 100));
    const res = await start(alice, mappingId);
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.body.error?.message).toMatch(/cannot open display: giving up/);
    const events = await progress;
    expect(events.at(-1)).toMatchObject({
      stage: 'failed',
      message: expect.stringMatching(/giving up/),
    });
    expect(
      (await realmContainers(docker, REALM)).filter(
        (c) => c.Labels[LABELS.mappingId] === mappingId,
      ),
    ).toEqual([]);
  });

  it('gives up on an app that never answers, naming spawner.http_timeout_seconds', async () => {
    const mappingId = await grantApp(admin, 'alice', imgs.silent);
    const res = await start(alice, mappingId);
    expect(res.status).toBe(504);
    expect(res.body.error?.message).toMatch(/spawner\.http_timeout_seconds/);
    expect(
      (await realmContainers(docker, REALM)).filter(
        (c) => c.Labels[LABELS.mappingId] === mappingId,
      ),
    ).toEqual([]);
    expect(
      (await alice.json<View[]>('/api/v1/containers')).body.filter(
        (c) => c.mapping_id === mappingId,
      ),
    ).toEqual([]);
  });

  it('notices a container killed behind its back: the route answers 503 and a new start replaces it', async () => {
    const mappingId = await grantApp(admin, 'alice', imgs.web, { app_license: 'kill' });
    const first = (await start(alice, mappingId)).body;
    await docker.getContainer((await inspectByUrlId(first.url_id)).Id).kill();
    await until(
      'the route is dead',
      async () =>
        (await alice.json<View>(`/api/v1/containers/${first.url_id}`)).body.status === 'dead',
    );
    expect((await alice.fetch(first.url)).status).toBe(503);
    const second = await start(alice, mappingId);
    expect(second.status).toBe(201);
    expect(second.body.url_id).not.toBe(first.url_id);
    expect((await alice.fetch(second.body.url)).status).toBe(200);
    expect((await alice.fetch(first.url)).status).toBe(404);
    expect(
      (await realmContainers(docker, REALM)).filter(
        (c) => c.Labels[LABELS.mappingId] === mappingId,
      ),
    ).toHaveLength(1);
    await alice.fetch(`/api/v1/containers/${second.body.url_id}`, { method: 'DELETE' });
  });

  it('stops the containers of a revoked grant and of a deleted user', async () => {
    const carol = await th.userClient('carol');
    const g1 = await grantApp(admin, 'carol', imgs.web, { app_license: 'revoke' });
    const g2 = await grantApp(admin, 'carol', imgs.web, { app_license: 'user-gone' });
    const [v1, v2] = await Promise.all([start(carol, g1), start(carol, g2)]);
    expect((await admin.fetch(`/api/v1/admin/accounting/${g1}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    await until('the revoked grant’s container is gone', async () =>
      (await realmContainers(docker, REALM)).every(
        (c) => c.Labels[LABELS.urlId] !== v1.body.url_id,
      ),
    );
    expect((await admin.fetch('/api/v1/admin/users/carol', { method: 'DELETE' })).status).toBe(204);
    await until('the deleted user’s container is gone', async () =>
      (await realmContainers(docker, REALM)).every(
        (c) => c.Labels[LABELS.urlId] !== v2.body.url_id,
      ),
    );
  });

  it('stops the containers of a disabled user, by the API at once and by the CLI at the next re-sync', async () => {
    const dora = await th.userClient('dora');
    const g = await grantApp(admin, 'dora', imgs.web, { app_license: 'disabled' });
    const v = await start(dora, g);
    expect(v.status).toBe(201);
    const patch = await admin.json('/api/v1/admin/users/dora', {
      method: 'PATCH',
      json: { disabled: true },
    });
    expect(patch.status).toBe(200);
    await until('the disabled user’s container is gone', async () =>
      (await realmContainers(docker, REALM)).every((c) => c.Labels[LABELS.urlId] !== v.body.url_id),
    );
    // Disabled behind the hub's back (as `hub user disable` does): reconcile stops it.
    await admin.json('/api/v1/admin/users/dora', { method: 'PATCH', json: { disabled: false } });
    const again = await start(await th.loginAs('dora', 'dora-password-123'), g);
    expect(again.status).toBe(201);
    await th.hub.users.update('dora', { disabled: true });
    await containersOf(th.hub).reconcile();
    expect(
      (await realmContainers(docker, REALM)).some(
        (c) => c.Labels[LABELS.urlId] === again.body.url_id,
      ),
    ).toBe(false);
  });
});

describe('Docker is the source of truth across hub restarts', () => {
  it('adopts running containers with their routes, removes orphans of deleted grants and exited ones', async () => {
    const kept = await grantApp(admin, 'alice', imgs.web, { app_license: 'kept' });
    const doomed = await grantApp(admin, 'bob', imgs.web, { app_license: 'doomed' });
    const exited = await grantApp(admin, 'bob', imgs.web, { app_license: 'exited' });
    const [vk, vd, ve] = await Promise.all([
      start(alice, kept),
      start(bob, doomed),
      start(bob, exited),
    ]);
    const dataDir = th.dataDir;
    await th.close();
    // While the hub is down: a grant disappears and a container exits.
    const db = await openDatabase(dataDir);
    await db.getRepository(AccountingEntity).delete({ id: doomed });
    await db.destroy();
    await docker.getContainer((await inspectByUrlId(ve.body.url_id)).Id).kill();
    await boot(dataDir);

    const mine = await alice.json<View[]>('/api/v1/containers');
    expect(mine.body).toEqual([
      expect.objectContaining({
        url_id: vk.body.url_id,
        status: 'running',
        mapping_id: kept,
        ui_name: 'Web Test',
      }),
    ]);
    // The restarted hub listens on another port: its URL is the one to open now.
    expect((await alice.fetch(mine.body[0].url)).status).toBe(200);
    const left = (await realmContainers(docker, REALM)).map((c) => c.Labels[LABELS.urlId]);
    expect(left).toContain(vk.body.url_id);
    expect(left).not.toContain(vd.body.url_id);
    expect(left).not.toContain(ve.body.url_id);
    expect((await bob.json<View[]>('/api/v1/containers')).body).toEqual([]);
    const audit = await admin.json<Array<{ action: string; target: string }>>(
      '/api/v1/admin/audit?action=container.',
    );
    expect(audit.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'container.adopt', target: vk.body.url_id }),
        expect.objectContaining({ action: 'container.remove', target: vd.body.url_id }),
      ]),
    );
    await alice.fetch(`/api/v1/containers/${vk.body.url_id}`, { method: 'DELETE' });
  });
});
