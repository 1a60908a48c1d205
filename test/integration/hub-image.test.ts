import Dockerode from 'dockerode';
import { LABELS } from '../../server/spawner/names';
import { ADMIN, bootHub } from '../helpers/hub';
import { appLabels, TestImages } from '../helpers/images';
import {
  cleanupSwarmRealm,
  ensureHubImage,
  ensureSwarm,
  type HubContainer,
  runHubContainer,
} from './hub-container';
import { cleanupRealm, grantApp, until, WEB_CMD } from './spawner-fixtures';

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

describe('hub image on one host (config/compose.yaml: host network, spawner.class docker)', () => {
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

  it('starts an app on the no-ICC bridge and proxies it, reached on loopback only', async () => {
    ensureHubImage();
    const web = await images.build('image-web', {
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
