import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AuditEvent } from '../../../server/audit';
import { configSchema, type HubConfig } from '../../../server/config/schema';
import { HubError } from '../../../server/errors';
import { logger } from '../../../server/log';
import { RouteStore } from '../../../server/proxy/route-store';
import { configurablesFor } from '../../../server/catalog/configurables';
import { ContainerManager } from '../../../server/spawner/container-manager';
import { SpawnFailed } from '../../../server/spawner/docker-spawner';
import type { ProgressEvent } from '../../../server/spawner/progress';
import { fakeApp, InstantSpawner, MemoryGrants } from './fakes';

const ALICE = { userId: 1, name: 'alice' };
const BOB = { userId: 2, name: 'bob' };

type Over = { [K in keyof HubConfig['spawner']]?: HubConfig['spawner'][K] };

describe('ContainerManager', () => {
  let app: Awaited<ReturnType<typeof fakeApp>>;
  let dataDir: string;
  let spawner: InstantSpawner;
  let grants: MemoryGrants;
  let routes: RouteStore;
  let audits: AuditEvent[];
  let manager: ContainerManager;

  const make = (over: Over = {}, target?: string) => {
    const config = configSchema.parse({
      data_dir: dataDir,
      realm: 'unit',
      spawner: { http_timeout_seconds: 2, ...over },
    });
    spawner = new InstantSpawner(target ?? app.target);
    routes = new RouteStore();
    audits = [];
    manager = new ContainerManager({
      config,
      spawner,
      routes,
      grants,
      images: {
        configurablesOf: async () => ({
          ui_name: 'App',
          configurables: configurablesFor(['X11_WIDTH', 'X11_HEIGHT', 'STARTUPDATA']).configurables,
        }),
        uiNameOf: () => 'App',
      },
      audit: async (e) => {
        audits.push(e);
      },
      log: logger('test'),
    });
    return manager;
  };

  beforeAll(async () => {
    app = await fakeApp(200);
  });
  afterAll(() => app.close());
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-mgr-'));
    grants = new MemoryGrants();
    grants.add('m1', 'alice', 1);
    grants.add('m2', 'alice', 1, { allow_startup_data: true, app_license: 'LIC-1' });
    grants.add('m3', 'bob', 2);
    make();
  });
  afterEach(async () => {
    await manager.shutdown();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts a container with the designed env, registers its route and reports each stage', async () => {
    const stages: ProgressEvent[] = [];
    const off = await manager.watchProgress(ALICE, 'm1', (e) => stages.push(e));
    const { container, created } = await manager.start(
      ALICE,
      'm1',
      { resolution: '1280x800' },
      '10.0.0.1',
    );
    off();
    expect(created).toBe(true);
    expect(container.status).toBe('running');
    expect(container.url).toBe(`/user/alice/containers/${container.url_id}/`);
    const req = spawner.requests[0];
    expect(req.image).toBe('app:1');
    expect(req.env).toEqual({
      JPY_USER: 'alice',
      JPY_BASE_USER_URL: '/user/alice',
      USER: 'alice',
      URL_ID: container.url_id,
      X11_WIDTH: '1280',
      X11_HEIGHT: '800',
    });
    expect(routes.get(container.url_id)).toMatchObject({
      user: 'alice',
      mappingId: 'm1',
      status: 'running',
      target: app.target,
    });
    expect(stages.map((s) => s.stage)).toEqual([
      'queued',
      'creating',
      'starting',
      'waiting',
      'ready',
    ]);
    expect(stages.at(-1)).toMatchObject({
      url_id: container.url_id,
      url: container.url,
      progress: 100,
    });
    expect(audits).toEqual([
      expect.objectContaining({
        actor: 'alice',
        action: 'container.start',
        target: container.url_id,
        address: '10.0.0.1',
      }),
    ]);
    expect(manager.containerFor('m1', 'alice')).toEqual({
      url_id: container.url_id,
      url: container.url,
      status: 'running',
    });
  });

  it('gives ten parallel starts of one grant one container', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => manager.start(ALICE, 'm1', undefined)),
    );
    expect(spawner.requests).toHaveLength(1);
    expect(new Set(results.map((r) => r.container.url_id)).size).toBe(1);
    const again = await manager.start(ALICE, 'm1', undefined);
    expect(again).toMatchObject({
      created: false,
      container: { url_id: results[0].container.url_id },
    });
  });

  it('refuses grants that are not the caller’s with the same 404 as unknown ones', async () => {
    const other = await manager.start(BOB, 'm1', undefined).catch((e) => e);
    const unknown = await manager.start(BOB, 'nope', undefined).catch((e) => e);
    expect(other).toMatchObject({ status: 404 });
    expect(unknown).toMatchObject({ status: 404 });
    expect(other.message.replace('m1', 'X')).toBe(unknown.message.replace('nope', 'X'));
    await expect(manager.watchProgress(BOB, 'm1', () => undefined)).rejects.toMatchObject({
      status: 404,
    });
  });

  it('judges configurables: startupdata only when the policy allows, unknown names refused', async () => {
    await expect(
      manager.start(ALICE, 'm1', { startupdata: '/workspace/a.txt' }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(manager.start(ALICE, 'm1', { colour: 'red' })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('"colour"'),
    });
    await expect(manager.start(ALICE, 'm1', { resolution: '1x1' })).rejects.toMatchObject({
      status: 400,
    });
    expect(spawner.requests).toHaveLength(0);
    await manager.start(ALICE, 'm2', { startupdata: '/workspace/a.txt' });
    expect(spawner.requests[0].env).toMatchObject({
      STARTUPDATA: '/workspace/a.txt',
      APP_LICENSE: 'LIC-1',
    });
  });

  it('limits running containers per user (429) and per hub (503)', async () => {
    make({ max_per_user: 1, max_total: 2 });
    await manager.start(ALICE, 'm1', undefined);
    await expect(manager.start(ALICE, 'm2', undefined)).rejects.toMatchObject({
      status: 429,
      message: expect.stringContaining('spawner.max_per_user'),
    });
    await manager.start(BOB, 'm3', undefined);
    grants.add('m4', 'carol', 3);
    await expect(
      manager.start({ userId: 3, name: 'carol' }, 'm4', undefined),
    ).rejects.toMatchObject({
      status: 503,
      message: expect.stringContaining('spawner.max_total'),
    });
  });

  it('queues spawns beyond max_concurrent_spawns instead of failing them', async () => {
    make({ max_concurrent_spawns: 1 });
    let open!: () => void;
    spawner.gate = new Promise((r) => (open = r));
    const bobStages: string[] = [];
    await manager.watchProgress(BOB, 'm3', (e) => bobStages.push(e.message));
    const first = manager.start(ALICE, 'm1', undefined);
    const second = manager.start(BOB, 'm3', undefined);
    await new Promise((r) => setTimeout(r, 20));
    expect(spawner.requests).toHaveLength(1);
    expect(bobStages[0]).toMatch(/waiting for a free slot \(0 ahead/);
    open();
    await Promise.all([first, second]);
    expect(spawner.requests).toHaveLength(2);
  });

  it('fails a start whose app never answers, naming the setting, and leaves nothing behind', async () => {
    const broken = await fakeApp(503);
    try {
      make({ http_timeout_seconds: 1 }, broken.target);
      const stages: ProgressEvent[] = [];
      await manager.watchProgress(ALICE, 'm1', (e) => stages.push(e));
      const err = await manager.start(ALICE, 'm1', undefined).catch((e) => e);
      expect(err).toMatchObject({ status: 504 });
      expect(err.message).toMatch(/spawner\.http_timeout_seconds/);
      expect(err.message).toMatch(/app log line/);
      const urlId = spawner.requests[0].urlId;
      expect(spawner.stops).toContain(urlId);
      expect(routes.get(urlId)).toBeUndefined();
      expect(manager.listOwn(ALICE)).toEqual([]);
      expect(stages.at(-1)).toMatchObject({
        stage: 'failed',
        message: expect.stringContaining('http_timeout_seconds'),
      });
      expect(audits.map((a) => a.action)).toEqual(['container.start_failed']);
    } finally {
      await broken.close();
    }
  });

  it.each([
    ['the engine reports it', true],
    ['the periodic check finds it (event stream down)', false],
  ])('fails when the container dies while the app is awaited: %s', async (_how, events) => {
    const silent = await fakeApp(503);
    try {
      make({ http_timeout_seconds: 60 }, silent.target);
      if (events) await manager.boot();
      const p = manager.start(ALICE, 'm1', undefined);
      await new Promise((r) => setTimeout(r, 100));
      spawner.logText = 'fatal: no display\n';
      const urlId = spawner.requests[0].urlId;
      if (events) spawner.kill(urlId, 1);
      else
        Object.assign(spawner.containers.get(urlId)!, {
          state: 'exited',
          target: null,
          exitCode: 1,
        });
      const err = await p.catch((e) => e);
      expect(err).toBeInstanceOf(SpawnFailed);
      expect(err.message).toMatch(/exit code 1/);
      expect(err.message).toMatch(/fatal: no display/);
      expect(manager.listAll()).toEqual([]);
    } finally {
      await silent.close();
    }
  });

  it('passes Docker refusals through as the spawn error', async () => {
    spawner.failWith = new SpawnFailed('Docker could not start the container: bad mount');
    await expect(manager.start(ALICE, 'm1', undefined)).rejects.toThrow(/bad mount/);
    expect(manager.listAll()).toEqual([]);
  });

  it('marks the route dead when the container dies, and a new start replaces it', async () => {
    await manager.boot();
    const { container } = await manager.start(ALICE, 'm1', undefined);
    spawner.kill(container.url_id);
    expect(routes.get(container.url_id)?.status).toBe('dead');
    expect(manager.getOwn(ALICE, container.url_id).status).toBe('dead');
    expect(audits.map((a) => a.action)).toContain('container.died');
    const again = await manager.start(ALICE, 'm1', undefined);
    expect(again.container.url_id).not.toBe(container.url_id);
    expect(spawner.stops).toContain(container.url_id);
    expect(routes.get(container.url_id)).toBeUndefined();
    expect(manager.listOwn(ALICE).map((c) => c.url_id)).toEqual([again.container.url_id]);
  });

  it('replaces a running container that died before the engine said so, instead of failing', async () => {
    await manager.boot();
    const doomed = await fakeApp(200);
    spawner.target = doomed.target;
    const { container } = await manager.start(ALICE, 'm1', undefined);
    // The app exits; its death event has not arrived when its owner starts it again.
    await doomed.close();
    Object.assign(spawner.containers.get(container.url_id)!, { state: 'exited', target: null });
    spawner.target = app.target;
    const again = await manager.start(ALICE, 'm1', undefined);
    expect(again.created).toBe(true);
    expect(again.container.url_id).not.toBe(container.url_id);
    expect(spawner.stops).toContain(container.url_id);
    expect(routes.get(container.url_id)).toBeUndefined();
    expect(routes.get(again.container.url_id)?.status).toBe('running');
  });

  it('forgets a container the engine removed', async () => {
    await manager.boot();
    const { container } = await manager.start(ALICE, 'm1', undefined);
    spawner.listener?.onEvent({
      kind: 'removed',
      urlId: container.url_id,
      containerId: spawner.containers.get(container.url_id)!.id,
      exitCode: null,
    });
    expect(routes.get(container.url_id)).toBeUndefined();
    expect(manager.listOwn(ALICE)).toEqual([]);
  });

  it('stops idempotently, only the caller’s own containers', async () => {
    const { container } = await manager.start(ALICE, 'm1', undefined);
    // Another user's stop changes nothing and answers as for a container that is not there.
    await manager.stopOwn(BOB, container.url_id);
    await manager.stopOwn(BOB, 'a'.repeat(32));
    expect(spawner.stops).toEqual([]);
    await expect(() => manager.getOwn(BOB, container.url_id)).toThrow(HubError);
    await manager.stopOwn(ALICE, container.url_id);
    await manager.stopOwn(ALICE, container.url_id);
    expect(spawner.stops).toEqual([container.url_id]);
    expect(routes.get(container.url_id)).toBeUndefined();
    expect(audits.map((a) => a.action)).toEqual(['container.start', 'container.stop']);
  });

  it('cancels a start in flight when its container is stopped', async () => {
    let open!: () => void;
    spawner.gate = new Promise((r) => (open = r));
    const p = manager.start(ALICE, 'm1', undefined);
    await new Promise((r) => setTimeout(r, 10));
    const [starting] = manager.listOwn(ALICE);
    expect(starting.status).toBe('starting');
    const stopped = manager.stopOwn(ALICE, starting.url_id);
    open();
    await expect(p).rejects.toMatchObject({ status: 409 });
    await stopped;
    expect(manager.listOwn(ALICE)).toEqual([]);
    expect(routes.list()).toEqual([]);
  });

  it('reconciles: adopts running containers of existing grants, removes orphans and exited ones', async () => {
    const base = {
      name: 'n',
      image: 'app:1',
      imageId: 'sha256:one',
      startedAt: new Date(),
      exitCode: null,
      env: {},
      owner: 'self' as const,
    };
    spawner.containers.set('a'.repeat(32), {
      ...base,
      id: 'c1',
      urlId: 'a'.repeat(32),
      user: 'alice',
      mappingId: 'm1',
      state: 'running',
      target: app.target,
    });
    spawner.containers.set('b'.repeat(32), {
      ...base,
      id: 'c2',
      urlId: 'b'.repeat(32),
      user: 'alice',
      mappingId: 'deleted',
      state: 'running',
      target: app.target,
    });
    spawner.containers.set('c'.repeat(32), {
      ...base,
      id: 'c3',
      urlId: 'c'.repeat(32),
      user: 'bob',
      mappingId: 'm3',
      state: 'exited',
      target: null,
    });
    await manager.boot();
    expect(routes.get('a'.repeat(32))).toMatchObject({ user: 'alice', status: 'running' });
    expect(manager.listOwn(ALICE).map((c) => c.url_id)).toEqual(['a'.repeat(32)]);
    expect(spawner.stops.sort()).toEqual(['b'.repeat(32), 'c'.repeat(32)]);
    expect(audits.map((a) => a.action).sort()).toEqual([
      'container.adopt',
      'container.remove',
      'container.remove',
    ]);
  });

  it('keeps the image id the spawner reported, from a start and from an adoption', async () => {
    spawner.containers.set('a'.repeat(32), {
      id: 'c1',
      name: 'n',
      urlId: 'a'.repeat(32),
      user: 'alice',
      mappingId: 'm1',
      image: 'app:1',
      imageId: 'sha256:adopted',
      state: 'running',
      target: app.target,
      startedAt: new Date(),
      exitCode: null,
      env: {},
      owner: 'self',
    });
    await manager.boot();
    expect(manager.imageIdOf('a'.repeat(32))).toBe('sha256:adopted');

    let open!: () => void;
    spawner.gate = new Promise((r) => (open = r));
    spawner.imageIds.set('app:1', 'sha256:started');
    const p = manager.start(BOB, 'm3', undefined);
    await new Promise((r) => setTimeout(r, 10));
    const [starting] = manager.listAll().filter((c) => c.user === 'bob');
    expect(manager.imageIdOf(starting.url_id)).toBeNull();
    open();
    const { container } = await p;
    expect(manager.imageIdOf(container.url_id)).toBe('sha256:started');
    expect(manager.imageIdOf('0'.repeat(32))).toBeNull();
  });

  it("leaves other installations' containers of the realm alone and reports them", async () => {
    const base = {
      name: 'n',
      image: 'app:1',
      imageId: 'sha256:one',
      startedAt: new Date(),
      exitCode: null,
      env: {},
      user: 'alice',
      mappingId: 'm1',
    };
    // Same user and grant id as one of ours: only the install label tells them apart.
    spawner.containers.set('d'.repeat(32), {
      ...base,
      id: 'c4',
      urlId: 'd'.repeat(32),
      state: 'running',
      target: app.target,
      owner: 'other',
    });
    spawner.containers.set('e'.repeat(32), {
      ...base,
      id: 'c5',
      urlId: 'e'.repeat(32),
      mappingId: 'deleted',
      state: 'exited',
      target: null,
      owner: 'legacy',
    });
    await manager.boot();
    expect(spawner.stops).toEqual([]);
    expect(routes.list()).toEqual([]);
    expect(manager.listAll()).toEqual([]);
    expect(manager.notOurs.map((c) => [c.id, c.owner]).sort()).toEqual([
      ['c4', 'other'],
      ['c5', 'legacy'],
    ]);
    expect(audits).toEqual([]);
  });

  it('leaves a grant alone in a re-sync while its start is under way, and settles it after', async () => {
    // An exited leftover of alice's grant: a re-sync removes it, but not in the middle of a
    // start of that grant (on Docker the two would fight over the container name).
    const leftover = 'f'.repeat(32);
    spawner.containers.set(leftover, {
      id: 'c9',
      name: 'n',
      urlId: leftover,
      user: 'alice',
      mappingId: 'm1',
      image: 'app:1',
      imageId: 'sha256:one',
      state: 'exited',
      target: null,
      startedAt: new Date(),
      exitCode: 0,
      env: {},
      owner: 'self',
    });
    let open!: () => void;
    spawner.gate = new Promise((r) => (open = r));
    const started = manager.start(ALICE, 'm1', undefined);
    await new Promise((r) => setTimeout(r, 10));
    await manager.reconcile();
    expect(spawner.stops).toEqual([]);
    open();
    await started;
    await manager.reconcile();
    expect(spawner.stops).toEqual([leftover]);
  });

  it('does not forget a start that finishes while the engine is being listed', async () => {
    await manager.boot();
    let answer!: () => void;
    spawner.listGate = new Promise((r) => (answer = r));
    const resync = manager.reconcile();
    const { container } = await manager.start(ALICE, 'm1', undefined);
    answer();
    await resync;
    expect(manager.getOwn(ALICE, container.url_id).status).toBe('running');
    expect(routes.get(container.url_id)).toBeDefined();
    expect(spawner.stops).toEqual([]);
  });

  it('does not adopt back a container stopped while the engine is being listed', async () => {
    const { container } = await manager.start(ALICE, 'm1', undefined);
    let answer!: () => void;
    spawner.listGate = new Promise((r) => (answer = r));
    const resync = manager.reconcile();
    await manager.stopOwn(ALICE, container.url_id);
    answer();
    await resync;
    expect(manager.listOwn(ALICE)).toEqual([]);
    expect(routes.get(container.url_id)).toBeUndefined();
  });

  it('boots with the engine down and keeps answering from memory', async () => {
    spawner.down = true;
    await expect(manager.boot()).resolves.toBeUndefined();
    expect(manager.dockerAvailable).toBe(false);
    expect(manager.listOwn(ALICE)).toEqual([]);
    await expect(manager.start(ALICE, 'm1', undefined)).rejects.toMatchObject({
      status: 503,
      code: 'docker_unavailable',
    });
  });

  it('keeps a container listed and routed when stopping it fails because the engine is down', async () => {
    const { container } = await manager.start(ALICE, 'm1', undefined);
    spawner.down = true;
    await expect(manager.stopOwn(ALICE, container.url_id)).rejects.toMatchObject({ status: 503 });
    expect(routes.get(container.url_id)).toMatchObject({ status: 'running' });
    expect(manager.getOwn(ALICE, container.url_id).status).toBe('running');
    spawner.down = false;
    await manager.stopOwn(ALICE, container.url_id);
    expect(routes.get(container.url_id)).toBeUndefined();
  });

  it('culls containers idle longer than idle_timeout_seconds; keepalive postpones it', async () => {
    make({ idle_timeout_seconds: 60 });
    const { container } = await manager.start(ALICE, 'm1', undefined);
    const started = Date.parse(container.last_activity);
    expect(Date.parse(container.cull_at!)).toBe(started + 60_000);
    await manager.cullIdle(started + 30_000);
    expect(spawner.stops).toEqual([]);
    routes.touch(container.url_id, started + 50_000);
    await manager.cullIdle(started + 70_000);
    expect(spawner.stops).toEqual([]);
    manager.keepalive(ALICE, container.url_id);
    expect(() => manager.keepalive(BOB, container.url_id)).toThrow(HubError);
    await manager.cullIdle(Date.now() + 61_000);
    expect(spawner.stops).toEqual([container.url_id]);
    expect(audits.map((a) => a.action)).toContain('container.cull');
  });

  it('shows no cull time when culling is off', async () => {
    const { container } = await manager.start(ALICE, 'm1', undefined);
    expect(container.cull_at).toBeNull();
  });
});
