import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { LABELS } from '../../server/spawner/names';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { TestImages } from '../helpers/images';
import {
  buildSpawnerImages,
  cleanupRealm,
  grantApp,
  realmContainers,
  type SpawnerImages,
  until,
} from './spawner-fixtures';

/**
 * The hub when the engine goes away and comes back, and when apps sit idle. The engine outage is
 * simulated by cutting a socket forwarder between the hub and the real engine, so it disturbs no
 * other test; the real engine stop/start runs only with HUB_TEST_DISRUPTIVE=1 (CI sets it).
 */

jest.setTimeout(300_000);

const docker = new Dockerode();
const images = new TestImages(docker);
const run = crypto.randomBytes(3).toString('hex');
const REALM = `spawner-res-${run}`;
const NETWORK = `hub-test-net-res-${run}`;
const ENGINE_SOCKET = process.env.DOCKER_HOST?.startsWith('unix://')
  ? process.env.DOCKER_HOST.slice('unix://'.length)
  : '/var/run/docker.sock';

interface View {
  url_id: string;
  url: string;
  status: string;
  last_activity: string;
  cull_at: string | null;
}

/** A unix-socket relay to the engine that a test can cut (engine "down") and restore. */
class EngineRelay {
  readonly path = path.join(os.tmpdir(), `hub-engine-relay-${run}.sock`);
  private server: net.Server | null = null;
  private sockets = new Set<net.Socket>();

  async open(): Promise<void> {
    fs.rmSync(this.path, { force: true });
    this.server = net.createServer((client) => {
      const upstream = net.connect(ENGINE_SOCKET);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.path, resolve));
  }

  /** The engine "goes away": open connections break, new ones are refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    fs.rmSync(this.path, { force: true });
  }
}

let imgs: SpawnerImages;

beforeAll(async () => {
  imgs = await buildSpawnerImages(images);
});

afterAll(async () => {
  await cleanupRealm(docker, REALM, NETWORK);
  await images.removeAll();
});

async function start(client: Client, mappingId: string) {
  return client.json<View & { error?: { code: string; message: string } }>('/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: mappingId },
  });
}

describe('the engine goes away and comes back', () => {
  const relay = new EngineRelay();
  let th: TestHub;
  let alice: Client;
  let mappingId: string;

  beforeAll(async () => {
    await relay.open();
    th = await bootHub(
      {
        docker: { socket: relay.path },
        spawner: { network: NETWORK, http_timeout_seconds: 10, docker_timeout_seconds: 5 },
      },
      { env: { HUB_REALM: REALM } },
    );
    const admin = await th.loginAs(ADMIN.name, ADMIN.password);
    alice = await th.userClient('alice');
    mappingId = await grantApp(admin, 'alice', imgs.web);
  });

  afterAll(async () => {
    await th?.close();
    await relay.cut();
  });

  it('keeps serving, answers 503 for what needs the engine, and recovers by itself', async () => {
    const running = (await start(alice, mappingId)).body;
    expect(running.status).toBe('running');

    await relay.cut();
    // The hub keeps serving: its own API from memory, and the proxy to the running app.
    const list = await alice.json<View[]>('/api/v1/containers');
    expect(list.status).toBe(200);
    expect(list.body.map((c) => c.url_id)).toEqual([running.url_id]);
    expect((await alice.fetch(running.url)).status).toBe(200);
    // Stopping needs the engine: a clear 503.
    const refused = await alice.json<{ error: { code: string; message: string } }>(
      `/api/v1/containers/${running.url_id}`,
      { method: 'DELETE' },
    );
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({
      code: 'docker_unavailable',
      message: expect.stringMatching(/Docker engine is not available/),
    });
    expect(refused.res.headers.get('retry-after')).toBeTruthy();

    // While the hub cannot see it, the container dies.
    const [c] = await docker.listContainers({
      filters: { label: [`${LABELS.urlId}=${running.url_id}`] },
    });
    await docker.getContainer(c.Id).kill();

    await relay.open();
    // Once the event stream is back, the hub re-syncs and sees the death it missed.
    await until(
      'the hub noticed the death it missed',
      async () =>
        (await alice.json<View>(`/api/v1/containers/${running.url_id}`)).body.status === 'dead',
      60_000,
    );
    expect((await alice.fetch(running.url)).status).toBe(503);
    const again = await start(alice, mappingId);
    expect(again.status).toBe(201);
    expect((await alice.fetch(again.body.url)).status).toBe(200);
    await alice.fetch(`/api/v1/containers/${again.body.url_id}`, { method: 'DELETE' });
  });

  it('refuses a start while the engine is down with 503, not a hang', async () => {
    await relay.cut();
    try {
      const res = await start(alice, mappingId);
      expect(res.status).toBe(503);
      expect(res.body.error?.message).toMatch(
        /Docker engine is not available|not available on this hub/,
      );
    } finally {
      await relay.open();
    }
    await until(
      'starts work again',
      async () => (await start(alice, mappingId)).status === 201,
      60_000,
    );
    const [c] = await alice.json<View[]>('/api/v1/containers').then((r) => r.body);
    await alice.fetch(`/api/v1/containers/${c.url_id}`, { method: 'DELETE' });
  });
});

describe('idle culling', () => {
  let th: TestHub;
  let alice: Client;
  let mappingId: string;

  beforeAll(async () => {
    th = await bootHub(
      { spawner: { network: NETWORK, idle_timeout_seconds: 3 } },
      { env: { HUB_REALM: REALM } },
    );
    const admin = await th.loginAs(ADMIN.name, ADMIN.password);
    alice = await th.userClient('alice');
    mappingId = await grantApp(admin, 'alice', imgs.web);
  });

  afterAll(() => th?.close());

  it('shows when a container will be culled, postpones it on keepalive, and stops it when idle', async () => {
    const view = (await start(alice, mappingId)).body;
    expect(view.cull_at).not.toBeNull();
    expect(Date.parse(view.cull_at!) - Date.parse(view.last_activity)).toBe(3000);
    await new Promise((r) => setTimeout(r, 1100));
    expect(
      (await alice.fetch(`/api/v1/containers/${view.url_id}/keepalive`, { method: 'POST' })).status,
    ).toBe(204);
    const touched = (await alice.json<View>(`/api/v1/containers/${view.url_id}`)).body;
    expect(Date.parse(touched.last_activity)).toBeGreaterThan(Date.parse(view.last_activity));
    expect(Date.parse(touched.cull_at!)).toBeGreaterThan(Date.parse(view.cull_at!));
    await until(
      'the idle container is culled',
      async () => (await alice.json<View[]>('/api/v1/containers')).body.length === 0,
      60_000,
    );
    expect(
      (await realmContainers(docker, REALM)).filter((c) => c.Labels[LABELS.urlId] === view.url_id),
    ).toEqual([]);
    const admin = await th.loginAs(ADMIN.name, ADMIN.password);
    const audit = await admin.json<Array<{ action: string; target: string }>>(
      '/api/v1/admin/audit?action=container.cull',
    );
    expect(audit.body).toEqual([
      expect.objectContaining({ action: 'container.cull', target: view.url_id }),
    ]);
  });
});

/** Stops the real dockerd (found by its pid file) and waits until it is gone. */
async function stopEngine(): Promise<void> {
  const pid = Number(fs.readFileSync('/var/run/docker.pid', 'utf8'));
  process.kill(pid, 'SIGTERM');
  await until(
    'dockerd stopped',
    () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    120_000,
  );
}

/** Starts dockerd again the way this machine runs it, and waits until it answers. */
async function startEngine(): Promise<void> {
  const log = fs.openSync('/tmp/dockerd.log', 'a');
  spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] }).unref();
  await until(
    'dockerd answers',
    () => {
      try {
        execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 });
        return true;
      } catch {
        return false;
      }
    },
    120_000,
  );
}

// Stopping the shared engine breaks every other test using it: only where CI asks for it.
if (process.env.HUB_TEST_DISRUPTIVE === '1') {
  describe('the real engine stopped and started again (HUB_TEST_DISRUPTIVE=1)', () => {
    let th: TestHub;
    let alice: Client;
    let first: string;
    let second: string;

    beforeAll(async () => {
      th = await bootHub(
        { spawner: { network: NETWORK, http_timeout_seconds: 10 } },
        { env: { HUB_REALM: REALM } },
      );
      const admin = await th.loginAs(ADMIN.name, ADMIN.password);
      alice = await th.userClient('alice');
      first = await grantApp(admin, 'alice', imgs.web, { app_license: 'engine-1' });
      second = await grantApp(admin, 'alice', imgs.web, { app_license: 'engine-2' });
    });

    afterAll(() => th?.close());

    it('keeps the hub up during the outage and recovers without a hub restart', async () => {
      const before = (await start(alice, first)).body;
      expect(before.status).toBe('running');
      await stopEngine();
      try {
        expect((await alice.json('/api/v1/containers')).status).toBe(200);
        const refused = await start(alice, second);
        expect(refused.status).toBe(503);
        expect(refused.body.error?.code).toBe('docker_unavailable');
      } finally {
        await startEngine();
      }
      // Without live-restore the engine stopped the container: the hub must notice by itself.
      await until(
        'the hub re-synced after the engine came back',
        async () => {
          const list = (await alice.json<View[]>('/api/v1/containers')).body;
          return !list.some((c) => c.url_id === before.url_id && c.status === 'running');
        },
        120_000,
      );
      const again = await start(alice, first);
      expect(again.status).toBe(201);
      expect((await alice.fetch(again.body.url)).status).toBe(200);
      await alice.fetch(`/api/v1/containers/${again.body.url_id}`, { method: 'DELETE' });
    });
  });
}
