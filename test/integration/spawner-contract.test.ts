import crypto from 'node:crypto';
import Dockerode from 'dockerode';
import { APP_NETWORK_LABEL } from '../../server/spawner/docker-attach';
import { LABELS } from '../../server/spawner/names';
import { SWARM_NETWORK_LABEL } from '../../server/spawner/swarm-spec';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { appLabels, TestImages } from '../helpers/images';
import {
  cleanupSwarmRealm,
  ensureHubImage,
  ensureSwarm,
  type HubContainer,
  probeFrom,
  runHubContainer,
} from './hub-container';
import {
  buildSpawnerImages,
  cleanupRealm,
  grantApp,
  type SpawnerImages,
  until,
} from './spawner-fixtures';

/**
 * One contract, both spawners (STYLE.md: "New backends pass one shared contract suite"), seen
 * as a user sees it: through the hub's API and proxy. The Docker hub runs in this process and
 * reaches apps on a bridge of this host. The Swarm hub runs as the hub image and is reached only
 * through its port published on 127.0.0.1: apps on overlays are reached from inside its
 * container, never from this host.
 */
jest.setTimeout(600_000);
const docker = new Dockerode();

/** What the engine was asked to run for one app, whatever the backend. */
interface EngineView {
  labels: Record<string, string>;
  env: string[];
  memoryBytes: number;
  nanoCpus: number;
}

interface Backend {
  realm: string;
  admin: Client;
  /** The engine's view of a live app, or null once nothing runs for it. */
  view(urlId: string): Promise<EngineView | null>;
  /** How many apps of the realm the engine holds (containers or services). */
  count(): Promise<number>;
  /** Whether app `a` is kept from reaching app `b`, checked without traffic from this host. */
  isolated(a: string, b: string): Promise<boolean>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

interface Started {
  url_id: string;
  url: string;
}

/** An entry of the admin's container list, with where it stands against its image's name. */
interface Listed extends Started {
  image: string;
  update_available?: boolean;
  image_id?: string | null;
  latest_image_id?: string | null;
}

async function dockerBackend(): Promise<Backend> {
  const realm = `ct${crypto.randomBytes(4).toString('hex')}`;
  const network = `hub-test-${realm}`;
  const overrides = {
    spawner: { network, init: true, allowed_volume_roots: ['/tmp'] },
  };
  let hub: TestHub = await bootHub(overrides, { env: { HUB_REALM: realm } });
  const b: Backend = {
    realm,
    admin: await hub.loginAs(ADMIN.name, ADMIN.password),
    async view(urlId) {
      const [c] = await docker.listContainers({
        filters: { label: [`${LABELS.realm}=${realm}`, `${LABELS.urlId}=${urlId}`] },
      });
      if (!c) return null;
      const d = await docker.getContainer(c.Id).inspect();
      return {
        labels: d.Config.Labels,
        env: d.Config.Env,
        memoryBytes: d.HostConfig.Memory ?? 0,
        nanoCpus: d.HostConfig.NanoCpus ?? 0,
      };
    },
    async count() {
      return (await docker.listContainers({ filters: { label: [`${LABELS.realm}=${realm}`] } }))
        .length;
    },
    async isolated(a, bId) {
      const find = async (u: string) =>
        (
          await docker.listContainers({
            filters: { label: [`${LABELS.realm}=${realm}`, `${LABELS.urlId}=${u}`] },
          })
        )[0];
      const [ca, cb] = [await find(a), await find(bId)];
      return apart(ca, cb, network, network);
    },
    async restart() {
      hub = await hub.restart();
      b.admin = await hub.loginAs(ADMIN.name, ADMIN.password);
    },
    async close() {
      await hub.close();
      await cleanupRealm(docker, realm, network);
    },
  };
  return b;
}

/** The page an app serves: a 404 elsewhere would fail a probe even where the app is reached. */
function pageOf(c: Dockerode.ContainerInfo): string {
  return `/user/${c.Labels[LABELS.user]}/containers/${c.Labels[LABELS.urlId]}/`;
}

/**
 * From inside app a, to bridges of this host: a reaches its own page (the probe works) and not
 * b's. `netA`/`netB`: the network each app's address is read on.
 */
async function apart(
  ca: Dockerode.ContainerInfo,
  cb: Dockerode.ContainerInfo,
  netA: string,
  netB: string,
): Promise<boolean> {
  const ipA = ca.NetworkSettings.Networks[netA]?.IPAddress;
  const ipB = cb.NetworkSettings.Networks[netB]?.IPAddress;
  if (!ipA || !ipB) return false;
  if ((await probeFrom(docker, ca.Id, `http://${ipA}:8888${pageOf(ca)}`)) !== 0) return false;
  return (await probeFrom(docker, ca.Id, `http://${ipB}:8888${pageOf(cb)}`)) !== 0;
}

/**
 * The Docker spawner in the hub image, as config/compose.yaml runs it: published port only, each
 * app on a bridge network of its own that the hub's container joins.
 */
async function dockerImageBackend(): Promise<Backend> {
  ensureHubImage();
  const hub: HubContainer = await runHubContainer(docker, {
    HUB_SPAWNER__INIT: 'true',
    // A root on the hub's data volume: one on the container's own layer refuses the start.
    HUB_SPAWNER__ALLOWED_VOLUME_ROOTS: '["/data"]',
  });
  const realm = hub.realm;
  const find = async (urlId: string) =>
    (
      await docker.listContainers({
        filters: { label: [`${LABELS.realm}=${realm}`, `${LABELS.urlId}=${urlId}`] },
      })
    )[0];
  const b: Backend = {
    realm,
    admin: await hub.admin(),
    async view(urlId) {
      const c = await find(urlId);
      if (!c) return null;
      const d = await docker.getContainer(c.Id).inspect();
      return {
        labels: d.Config.Labels,
        env: d.Config.Env,
        memoryBytes: d.HostConfig.Memory ?? 0,
        nanoCpus: d.HostConfig.NanoCpus ?? 0,
      };
    },
    async count() {
      return (await docker.listContainers({ filters: { label: [`${LABELS.realm}=${realm}`] } }))
        .length;
    },
    async isolated(a, bId) {
      const [ca, cb] = [await find(a), await find(bId)];
      const [netA, netB] = [ca.Labels[APP_NETWORK_LABEL], cb.Labels[APP_NETWORK_LABEL]];
      return netA !== netB && (await apart(ca, cb, netA, netB));
    },
    async restart() {
      // As a hub container made anew (a new image): it has lost its app networks and must join
      // those of the apps it adopts. A plain restart keeps them, the easier case.
      const self = await docker.getContainer(hub.id).inspect();
      for (const net of Object.keys(self.NetworkSettings.Networks))
        if (net.startsWith(`hub-${realm}-`))
          await docker.getNetwork(net).disconnect({ Container: hub.id, Force: true });
      await hub.restart();
      b.admin = await hub.admin();
    },
    async close() {
      await hub.remove();
      await cleanupRealm(docker, realm);
      for (const n of await docker.listNetworks({
        filters: { label: [`${LABELS.realm}=${realm}`] },
      }))
        await docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined);
    },
  };
  return b;
}

async function swarmBackend(): Promise<Backend> {
  ensureHubImage();
  const hub: HubContainer = await runHubContainer(docker, {
    HUB_SPAWNER__CLASS: 'swarm',
    HUB_SPAWNER__INIT: 'true',
    HUB_SPAWNER__ALLOWED_VOLUME_ROOTS: '["/tmp"]',
  });
  const realm = hub.realm;
  const service = async (urlId: string) =>
    (
      await docker.listServices({
        filters: { label: [`${LABELS.realm}=${realm}`, `${LABELS.urlId}=${urlId}`] },
      })
    )[0];
  const b: Backend = {
    realm,
    admin: await hub.admin(),
    async view(urlId) {
      const s = await service(urlId);
      if (!s) return null;
      const t = s.Spec!.TaskTemplate as {
        ContainerSpec: { Env: string[] };
        Resources: { Limits: { MemoryBytes: number; NanoCPUs: number } };
      };
      return {
        labels: s.Spec!.Labels!,
        env: t.ContainerSpec.Env,
        memoryBytes: t.Resources.Limits.MemoryBytes,
        nanoCpus: t.Resources.Limits.NanoCPUs,
      };
    },
    async count() {
      return (await docker.listServices({ filters: { label: [`${LABELS.realm}=${realm}`] } }))
        .length;
    },
    async isolated(a, bId) {
      // Sending from app a to b's overlay address would leave a's container through its
      // gateway (a is not on b's overlay): so the shape is checked instead. Each task is on its
      // own network only, and the two networks are different subnets.
      const nets = [];
      for (const u of [a, bId]) {
        const s = await service(u);
        const network = s.Spec!.Labels![SWARM_NETWORK_LABEL];
        const [task] = await docker.listTasks({ filters: { service: [s.ID!] } });
        const attached = (
          task as { NetworksAttachments?: { Network: { Spec: { Name: string } } }[] }
        ).NetworksAttachments!.map((x) => x.Network.Spec.Name);
        if (attached.length !== 1 || attached[0] !== network) return false;
        nets.push((await docker.getNetwork(network).inspect()).IPAM!.Config![0].Subnet);
      }
      return nets[0] !== nets[1];
    },
    async restart() {
      await hub.restart();
      b.admin = await hub.admin();
    },
    async close() {
      await hub.remove();
      await cleanupSwarmRealm(docker, realm);
    },
  };
  return b;
}

const swarm = ensureSwarm();
if ('skip' in swarm) console.warn(`Swarm contract run skipped: ${swarm.skip}`);
const backends: Array<[string, () => Promise<Backend>]> = [
  ['docker', dockerBackend],
  ['docker in the hub image', dockerImageBackend],
];
if (!('skip' in swarm)) backends.push(['swarm', swarmBackend]);

describe.each(backends)('spawner contract: %s', (_name, make) => {
  let be: Backend;
  const images = new TestImages(docker);
  let apps: SpawnerImages;
  let other: string;
  /** Image ids built by the update case: a re-tag leaves the old one without its name. */
  const updateIds: string[] = [];

  beforeAll(async () => {
    apps = await buildSpawnerImages(images);
    const web = await docker.getImage(apps.web).inspect();
    other = (
      await images.build('contract-other', {
        cmd: web.Config.Cmd ?? [],
        labels: appLabels({ ui_name: 'Other', type: 'webapp' }),
      })
    ).ref;
    be = await make();
  });
  afterAll(async () => {
    await be?.close();
    await images.removeAll();
    for (const id of updateIds)
      await docker
        .getImage(id)
        .remove({ force: true })
        .catch(() => undefined);
  });

  async function start(image: string, policy: Record<string, unknown> = {}) {
    const mappingId = await grantApp(be.admin, ADMIN.name, image, policy);
    const res = await be.admin.json<Started & { error?: { code: string; message: string } }>(
      '/api/v1/containers',
      { method: 'POST', json: { mapping_id: mappingId } },
    );
    return { mappingId, ...res };
  }

  let app: Started;
  let appGrant: string;

  it('starts an app that answers through the proxy, labelled, with its env and limits', async () => {
    const res = await start(apps.web, { memory_limit: '256m', cpu_limit: 0.5 });
    expect(res.status).toBe(201);
    app = res.body;
    appGrant = res.mappingId;
    const page = await be.admin.fetch(app.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('ok\n');
    const view = (await be.view(app.url_id))!;
    expect(view.labels).toMatchObject({
      [LABELS.user]: ADMIN.name,
      [LABELS.mappingId]: res.mappingId,
      [LABELS.urlId]: app.url_id,
      [LABELS.realm]: be.realm,
    });
    expect(view.env).toEqual(
      expect.arrayContaining([
        `JPY_USER=${ADMIN.name}`,
        `URL_ID=${app.url_id}`,
        `JPY_BASE_USER_URL=/user/${ADMIN.name}`,
      ]),
    );
    expect(view.memoryBytes).toBe(256 * 2 ** 20);
    expect(view.nanoCpus).toBe(5e8);
  });

  it('keeps two apps apart', async () => {
    const second = await start(other);
    expect(second.status).toBe(201);
    expect((await be.admin.fetch(second.body.url)).status).toBe(200);
    expect(await be.isolated(app.url_id, second.body.url_id)).toBe(true);
    const del = await be.admin.fetch(`/api/v1/containers/${second.body.url_id}`, {
      method: 'DELETE',
    });
    expect(del.status).toBe(204);
  });

  it('marks an app whose image name was re-tagged to a new build, until it is restarted', async () => {
    const web = await docker.getImage(apps.web).inspect();
    const build = async (name: string, version: string) => {
      const built = await images.build(name, {
        cmd: web.Config.Cmd ?? [],
        labels: { ...appLabels({ ui_name: 'Update', type: 'webapp' }), 'hub-test.v': version },
      });
      updateIds.push(built.id);
      return built;
    };
    const v1 = await build('contract-update', '1');
    const res = await start(v1.ref);
    expect(res.status).toBe(201);
    const listed = async (urlId: string) =>
      (await be.admin.json<Listed[]>('/api/v1/admin/containers')).body.find(
        (c) => c.url_id === urlId,
      );
    expect(await listed(res.body.url_id)).toMatchObject({
      image: v1.ref,
      update_available: false,
      image_id: v1.id,
    });

    const v2 = await build('contract-update-next', '2');
    await images.tag(v2.ref, v1.ref);
    await until(
      'the app shows update_available',
      async () => (await listed(res.body.url_id))?.update_available === true,
    );
    expect(await listed(res.body.url_id)).toMatchObject({
      image_id: v1.id,
      latest_image_id: v2.id,
    });

    const again = await be.admin.json<Started>(`/api/v1/containers/${res.body.url_id}/restart`, {
      method: 'POST',
      json: {},
    });
    expect({ status: again.status, body: again.body }).toMatchObject({ status: 201 });
    expect(await listed(again.body.url_id)).toMatchObject({
      update_available: false,
      image_id: v2.id,
    });
    await be.admin.fetch(`/api/v1/containers/${again.body.url_id}`, { method: 'DELETE' });
  });

  it('adopts a running app after a hub restart', async () => {
    await be.restart();
    const list = await be.admin.json<Listed[]>('/api/v1/containers');
    const again = list.body.find((c) => c.url_id === app.url_id);
    // Known by the name it was started from, not by the id a Swarm service runs.
    expect(again).toMatchObject({ image: apps.web });
    app = again!;
    await until(
      'the adopted app answers',
      async () => (await be.admin.fetch(app.url)).status === 200,
    );
  });

  it('stops an app: gone from the engine and from the proxy', async () => {
    const del = await be.admin.fetch(`/api/v1/containers/${app.url_id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(await be.view(app.url_id)).toBeNull();
    expect((await be.admin.fetch(app.url)).status).not.toBe(200);
    // Started again at once: what the stopped app leaves for a few seconds is no obstacle.
    const again = await be.admin.json<Started>('/api/v1/containers', {
      method: 'POST',
      json: { mapping_id: appGrant },
    });
    expect(again.status).toBe(201);
    expect((await be.admin.fetch(again.body.url)).status).toBe(200);
    await be.admin.fetch(`/api/v1/containers/${again.body.url_id}`, { method: 'DELETE' });
  });

  it('notices an app that dies while running: its route answers 503', async () => {
    const res = await be.admin.json<Started>('/api/v1/containers', {
      method: 'POST',
      json: { mapping_id: appGrant },
    });
    expect(res.status).toBe(201);
    // Service tasks carry the container labels too: one filter finds the app's container.
    const [c] = await docker.listContainers({
      filters: { label: [`${LABELS.realm}=${be.realm}`, `${LABELS.urlId}=${res.body.url_id}`] },
    });
    await docker.getContainer(c.Id).kill();
    await until(
      'the dead app\u2019s route answers 503',
      async () => (await be.admin.fetch(res.body.url)).status === 503,
    );
    await be.admin.fetch(`/api/v1/containers/${res.body.url_id}`, { method: 'DELETE' });
  });

  it('reports an app that dies at start with its last output, leaving nothing', async () => {
    const before = await be.count();
    const res = await start(apps.dying);
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.body.error?.message).toMatch(/giving up/);
    await until('nothing of the dead app is left', async () => (await be.count()) === before);
  });

  it('refuses an image the engine does not have, creating nothing', async () => {
    const missing = images.ref('never-built');
    await be.admin.json('/api/v1/admin/applications', {
      method: 'POST',
      json: { image: missing, force: true },
    });
    const before = await be.count();
    const res = await start(missing);
    expect(res.status).toBe(503);
    expect(res.body.error?.message).toMatch(/not (available|present)/);
    expect(await be.count()).toBe(before);
  });

  it('refuses a volume whose source does not exist, creating nothing', async () => {
    const before = await be.count();
    const source = `/tmp/hub-test-missing-${crypto.randomBytes(4).toString('hex')}`;
    const mappingId = await grantApp(be.admin, ADMIN.name, other, {
      volume_source: source,
      volume_target: '/data',
    }).catch((err: Error) => err);
    if (mappingId instanceof Error) {
      // Refused when granted: as good, the message names the folder.
      expect(mappingId.message).toMatch(/^grant .*: 4\d\d /);
    } else {
      const res = await be.admin.json<{ error: { message: string } }>('/api/v1/containers', {
        method: 'POST',
        json: { mapping_id: mappingId },
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body.error.message).toContain(source);
    }
    expect(await be.count()).toBe(before);
  });
});
