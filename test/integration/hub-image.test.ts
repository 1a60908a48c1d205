import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { APP_NETWORK_LABEL, APP_NETWORK_MARK } from '../../server/spawner/docker-attach';
import { LABELS } from '../../server/spawner/names';
import { ADMIN, bootHub } from '../helpers/hub';
import { appLabels, TEST_LABEL, TestImages } from '../helpers/images';
import {
  cleanupSwarmRealm,
  ensureHubImage,
  execIn,
  HUB_IMAGE,
  ensureSwarm,
  type HubContainer,
  probeFrom,
  runHubContainer,
} from './hub-container';
import { cleanupRealm, grantApp, realmContainers, until, WEB_CMD } from './spawner-fixtures';

/**
 * The hub image run as deployments run it, and the Swarm spawner inside it. Every request from
 * this process goes to the hub's port published on 127.0.0.1; apps on overlay networks are
 * reached only by the hub inside its container (shared/DESIGN.md "Deployment and spawners").
 */
jest.setTimeout(600_000);
const docker = new Dockerode();

describe('hub image (spawner.class docker)', () => {
  let hub: HubContainer;
  beforeAll(async () => {
    ensureHubImage();
    hub = await runHubContainer(docker);
  });
  afterAll(async () => {
    await hub?.remove();
  });

  it('serves the portal and signs in through its published loopback port', async () => {
    const admin = await hub.admin();
    const me = await admin.json<{ name: string; admin: boolean }>('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ name: ADMIN.name, admin: true });
    let page = await admin.fetch('/');
    const location = page.headers.get('location');
    if (page.status === 302 && location) page = await admin.fetch(location);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
  });
});

describe('hub image on one host (config/compose.yaml: published port only, spawner.class docker)', () => {
  let hub: HubContainer;
  const images = new TestImages(docker);
  let web: string;
  let installId = '';
  const realmFilter = () => ({ label: [`${LABELS.realm}=${hub.realm}`] });
  const appNetworks = async () =>
    (await docker.listNetworks({ filters: realmFilter() })).filter(
      (n) => n.Labels?.[APP_NETWORK_MARK] === '1',
    );
  beforeAll(async () => {
    ensureHubImage();
    web = (
      await images.build('image-web', {
        cmd: WEB_CMD,
        labels: appLabels({ ui_name: 'Image Web', type: 'webapp' }),
      })
    ).ref;
    hub = await runHubContainer(docker);
  });
  afterAll(async () => {
    if (hub) {
      await hub.remove();
      await cleanupRealm(docker, hub.realm);
      for (const n of await docker.listNetworks({ filters: realmFilter() }))
        await docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined);
    }
    await images.removeAll();
  });

  it('proxies apps of two users, each on a network of its own that only the hub shares', async () => {
    const admin = await hub.admin();
    const created = await admin.json('/api/v1/admin/users', {
      method: 'POST',
      json: { name: 'bob', password: 'bob-password-1' },
    });
    expect(created.status).toBe(201);
    const bob = await hub.login('bob', 'bob-password-1');
    const apps = [];
    for (const [client, user] of [
      [admin, ADMIN.name],
      [bob, 'bob'],
    ] as const) {
      const mappingId = await grantApp(admin, user, web);
      const res = await client.json<{ url: string; url_id: string }>('/api/v1/containers', {
        method: 'POST',
        json: { mapping_id: mappingId },
      });
      expect(res.status).toBe(201);
      // Through the published port on 127.0.0.1: the hub forwards from inside its container.
      const page = await client.fetch(res.body.url);
      expect(page.status).toBe(200);
      expect(await page.text()).toBe('ok\n');
      const [c] = await docker.listContainers({
        filters: { label: [`${LABELS.realm}=${hub.realm}`, `${LABELS.urlId}=${res.body.url_id}`] },
      });
      const network = c.Labels[APP_NETWORK_LABEL];
      const net = await docker.getNetwork(network).inspect();
      expect(net.Labels).toMatchObject({
        [LABELS.realm]: hub.realm,
        [LABELS.urlId]: res.body.url_id,
      });
      installId = net.Labels?.[LABELS.install] ?? '';
      expect(installId).toBeTruthy();
      // The app is on its own network only; the hub's container is its one other member.
      expect(Object.keys(c.NetworkSettings.Networks)).toEqual([network]);
      expect(Object.keys(net.Containers ?? {}).sort()).toEqual([c.Id, hub.id].sort());
      apps.push({
        client,
        id: c.Id,
        urlId: res.body.url_id,
        ip: c.NetworkSettings.Networks[network].IPAddress,
        path: `/user/${user}/containers/${res.body.url_id}/`,
      });
    }
    const [a, b] = apps;
    // Probes from inside the apps, to bridges of this host. The first shows that the probe
    // works: an app reaches its own address.
    expect(await probeFrom(docker, a.id, `http://${a.ip}:8888${a.path}`)).toBe(0);
    expect(await probeFrom(docker, a.id, `http://${b.ip}:8888${b.path}`)).not.toBe(0);
    expect(await probeFrom(docker, b.id, `http://${a.ip}:8888${a.path}`)).not.toBe(0);

    for (const app of apps) {
      const del = await app.client.fetch(`/api/v1/containers/${app.urlId}`, { method: 'DELETE' });
      expect(del.status).toBe(204);
    }
    expect(await appNetworks()).toHaveLength(0);
    const self = await docker.getContainer(hub.id).inspect();
    expect(Object.keys(self.NetworkSettings.Networks)).toHaveLength(1);
  });

  it('leaves no network behind when an app dies at start', async () => {
    const dying = await images.build('image-dying', {
      cmd: ['/bin/busybox', 'sh', '-c', 'echo "no display: giving up" >&2; exit 3'],
      labels: appLabels({ ui_name: 'Image Dying', type: 'webapp' }),
    });
    const admin = await hub.admin();
    const mappingId = await grantApp(admin, ADMIN.name, dying.ref);
    const res = await admin.json<{ error: { message: string } }>('/api/v1/containers', {
      method: 'POST',
      json: { mapping_id: mappingId },
    });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.body.error.message).toMatch(/giving up/);
    expect(await realmContainers(docker, hub.realm)).toHaveLength(0);
    expect(await appNetworks()).toHaveLength(0);
  });

  it('removes its own orphan app networks when it starts, and no other installation\u2019s', async () => {
    expect(installId).toBeTruthy();
    const labels = (install: string) => ({
      [LABELS.realm]: hub.realm,
      [LABELS.install]: install,
      [APP_NETWORK_MARK]: '1',
    });
    const ours = await docker.createNetwork({
      Name: `hub-test-orphan-${hub.realm}`,
      Labels: labels(installId),
    });
    const theirs = await docker.createNetwork({
      Name: `hub-test-other-${hub.realm}`,
      Labels: labels('another-installation'),
    });
    await hub.restart();
    await until('the orphan network is removed', async () =>
      (await appNetworks()).every((n) => n.Id !== ours.id),
    );
    expect((await appNetworks()).map((n) => n.Id)).toEqual([theirs.id]);
    await theirs.remove();
  });
});

describe('hub image with its data on a named volume or a host folder (home workspaces)', () => {
  let hub: HubContainer;
  const images = new TestImages(docker);
  let homeApp = '';
  beforeAll(async () => {
    ensureHubImage();
    // The app writes into its workspace before it serves, and serves the workspace at ws/.
    homeApp = (
      await images.build('image-home', {
        cmd: [
          '/bin/busybox',
          'sh',
          '-c',
          'd="/www/user/$JPY_USER/containers/$URL_ID" && mkdir -p "$d" && echo ok > "$d/index.html" && ln -s /workspace "$d/ws" && echo "written by the app" > /workspace/from-app.txt && exec httpd -f -p 8888 -h /www',
        ],
        labels: appLabels({ ui_name: 'Image Home', type: 'webapp' }),
      })
    ).ref;
  });
  afterAll(async () => {
    if (hub) {
      await hub.remove();
      await cleanupRealm(docker, hub.realm);
    }
    await images.removeAll();
  });

  /** Starts the home app for the admin; the app's url and the workspace as the hub sees it. */
  async function startHome(h: HubContainer) {
    const admin = await h.admin();
    const mappingId = await grantApp(admin, ADMIN.name, homeApp, { allow_home: true });
    const res = await admin.json<{ url: string; url_id: string }>('/api/v1/containers', {
      method: 'POST',
      json: { mapping_id: mappingId },
    });
    expect(res.status).toBe(201);
    // The hub sees the app's file in its /data (through its API, on the published port).
    const ws = await admin.json<{ path: string; files: number; sample: string[] }>(
      `/api/v1/admin/users/${ADMIN.name}/workspace`,
    );
    expect(ws.status).toBe(200);
    expect(ws.body.path).toMatch(/^\/data\/workspaces\//);
    expect(ws.body.sample).toContain('from-app.txt');
    return { admin, res, ws };
  }

  it('named volume (shared/DESIGN.md\u2019s docker run): a workspace file written on either side is seen on the other', async () => {
    hub = await runHubContainer(docker);
    const { admin, res, ws } = await startHome(hub);

    // The app's bind source is the folder on the volume's host mountpoint, not a host /data.
    const self = await docker.getContainer(hub.id).inspect();
    const volume = self.Mounts.find((m) => m.Destination === '/data');
    expect(volume?.Type).toBe('volume');
    const [app] = await realmContainers(docker, hub.realm);
    const appMount = (await docker.getContainer(app.Id).inspect()).Mounts.find(
      (m) => m.Destination === '/workspace',
    );
    expect(appMount?.Source).toBe(`${volume?.Source}${ws.body.path.slice('/data'.length)}`);

    // A file the hub's side writes reaches the app, which serves it through the proxy.
    await execIn(docker, hub.id, [
      'sh',
      '-c',
      `echo "written by the hub" > "${ws.body.path}/from-hub.txt"`,
    ]);
    const page = await admin.fetch(`${res.body.url}ws/from-hub.txt`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('written by the hub\n');
    const back = await admin.fetch(`${res.body.url}ws/from-app.txt`);
    expect(await back.text()).toBe('written by the app\n');

    const del = await admin.fetch(`/api/v1/containers/${res.body.url_id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
  });

  it('host folder at another path (-v /srv/hub:/data): the app\u2019s file is in the host folder', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-test-data-'));
    const other = await runHubContainer(docker, {}, { dataFolder: folder });
    try {
      const { admin, res, ws } = await startHome(other);
      const onHost = path.join(folder, ws.body.path.slice('/data/'.length));
      expect(fs.readFileSync(path.join(onHost, 'from-app.txt'), 'utf8')).toBe(
        'written by the app\n',
      );
      fs.writeFileSync(path.join(onHost, 'from-host.txt'), 'written on the host\n');
      const page = await admin.fetch(`${res.body.url}ws/from-host.txt`);
      expect(await page.text()).toBe('written on the host\n');
    } finally {
      await other.remove();
      await cleanupRealm(docker, other.realm);
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses to start with data_dir on its own layer, and says which setting to change', async () => {
    const realm = `it${images.run.slice(0, 8)}own`;
    const container = await docker.createContainer({
      Image: HUB_IMAGE,
      name: `hub-test-${realm}`,
      Labels: { [TEST_LABEL]: '1', [LABELS.realm]: `${realm}-hub` },
      Env: [`HUB_ADMIN_PASSWORD=${ADMIN.password}`, `HUB_REALM=${realm}`, 'HUB_DATA_DIR=/srv/hub'],
      HostConfig: { Binds: ['/var/run/docker.sock:/var/run/docker.sock'] },
    });
    try {
      await container.start();
      const exit = (await container.wait()) as { StatusCode: number };
      const out = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
      expect(exit.StatusCode).toBe(2);
      expect(out).toMatch(
        /data_dir \(HUB_DATA_DIR\) is \/srv\/hub, which is on the hub container's own filesystem/,
      );
    } finally {
      // v: the image's anonymous /data volume goes with it.
      await container.remove({ force: true, v: true });
    }
  });
});

describe('hub image in the host\u2019s network namespace (network_mode: host)', () => {
  let hub: HubContainer;
  const images = new TestImages(docker);
  const network = `hub-test-net-${images.run}`;
  afterAll(async () => {
    if (hub) {
      await hub.remove();
      await cleanupRealm(docker, hub.realm, network);
    }
    await images.removeAll();
  });

  it('starts an app on the shared no-ICC bridge and proxies it, reached on loopback only', async () => {
    ensureHubImage();
    const web = await images.build('image-web-host', {
      cmd: WEB_CMD,
      labels: appLabels({ ui_name: 'Image Web', type: 'webapp' }),
    });
    hub = await runHubContainer(docker, { HUB_SPAWNER__NETWORK: network }, { hostNetwork: true });
    const admin = await hub.admin();
    const mappingId = await grantApp(admin, ADMIN.name, web.ref);
    const res = await admin.json<{ url: string; url_id: string }>('/api/v1/containers', {
      method: 'POST',
      json: { mapping_id: mappingId },
    });
    expect(res.status).toBe(201);
    const page = await admin.fetch(res.body.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('ok\n');
    const net = await docker.getNetwork(network).inspect();
    expect(net.Options?.['com.docker.network.bridge.enable_icc']).toBe('false');
    const [c] = await realmContainers(docker, hub.realm);
    expect(Object.keys(c.NetworkSettings.Networks)).toEqual([network]);
    expect(c.Labels[APP_NETWORK_LABEL]).toBeUndefined();
    const del = await admin.fetch(`/api/v1/containers/${res.body.url_id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
  });
});

const swarm = ensureSwarm();
const describeSwarm = 'skip' in swarm ? describe.skip : describe;
if ('skip' in swarm) console.warn(`swarm tests skipped: ${swarm.skip}`);

describeSwarm('hub image with spawner.class swarm: a task Swarm rejects', () => {
  let hub: HubContainer;
  const images = new TestImages(docker);
  afterAll(async () => {
    if (hub) {
      await hub.remove();
      await cleanupSwarmRealm(docker, hub.realm);
    }
    await images.removeAll();
  });

  it('fails the start at once with the engine\u2019s reason and leaves nothing', async () => {
    ensureHubImage();
    const web = await images.build('swarm-rejected', {
      labels: appLabels({ ui_name: 'Rejected', type: 'webapp' }),
    });
    // /app/config exists in the hub's container but not on the host: the hub's own checks pass
    // and the engine rejects the task for its missing bind source.
    hub = await runHubContainer(docker, {
      HUB_SPAWNER__CLASS: 'swarm',
      HUB_SPAWNER__ALLOWED_VOLUME_ROOTS: '["/app/config"]',
    });
    const admin = await hub.admin();
    const mappingId = await grantApp(admin, ADMIN.name, web.ref, {
      volume_source: '/app/config',
      volume_target: '/data',
    });
    const res = await admin.json<{ error: { code: string; message: string } }>(
      '/api/v1/containers',
      { method: 'POST', json: { mapping_id: mappingId } },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/task rejected: .*bind source path does not exist/);
    const realm = { label: [`${LABELS.realm}=${hub.realm}`] };
    expect(await docker.listServices({ filters: realm })).toHaveLength(0);
    await until(
      'the app network is removed',
      async () => (await docker.listNetworks({ filters: realm })).length === 0,
    );
  });
});

describeSwarm('swarm spawner in a hub on the host', () => {
  it('refuses to start: the host has no route to overlay networks', async () => {
    const hub = await bootHub({ spawner: { class: 'swarm' } });
    try {
      const images = new TestImages(docker);
      const web = await images.build('swarm-host', {
        labels: appLabels({ ui_name: 'Host Test', type: 'webapp' }),
      });
      try {
        const admin = await hub.loginAs(ADMIN.name, ADMIN.password);
        const mappingId = await grantApp(admin, ADMIN.name, web.ref);
        const res = await admin.json<{ error: { code: string; message: string } }>(
          '/api/v1/containers',
          { method: 'POST', json: { mapping_id: mappingId } },
        );
        expect(res.status).toBe(503);
        expect(res.body.error.message).toMatch(/does not run in a container/);
        expect(
          await docker.listServices({
            filters: { label: [`${LABELS.realm}=${hub.hub.config.realm}`] },
          }),
        ).toHaveLength(0);
      } finally {
        await images.removeAll();
      }
    } finally {
      await hub.close();
    }
  });
});
