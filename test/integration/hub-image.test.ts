import Dockerode from 'dockerode';
import { LABELS } from '../../server/spawner/names';
import { SWARM_NETWORK_LABEL } from '../../server/spawner/swarm-spec';
import { ADMIN, bootHub, type Client } from '../helpers/hub';
import { appLabels, TestImages } from '../helpers/images';
import {
  cleanupSwarmRealm,
  ensureHubImage,
  ensureSwarm,
  type HubContainer,
  runHubContainer,
} from './hub-container';
import { buildSpawnerImages, grantApp, type SpawnerImages, until } from './spawner-fixtures';

/**
 * The hub image run as deployments run it, and the Swarm spawner inside it. Every request from
 * this process goes to the hub's port published on 127.0.0.1; apps on overlay networks are
 * reached only by the hub inside its container (shared/DESIGN.md "Deployment and spawners").
 */
jest.setTimeout(600_000);
const docker = new Dockerode();

interface Started {
  url_id: string;
  url: string;
  status: string;
}

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

const swarm = ensureSwarm();
const describeSwarm = 'skip' in swarm ? describe.skip : describe;
if ('skip' in swarm) console.warn(`swarm tests skipped: ${swarm.skip}`);

describeSwarm('hub image with spawner.class swarm', () => {
  let hub: HubContainer;
  let admin: Client;
  const images = new TestImages(docker);
  let apps: SpawnerImages;
  let web2: string;

  beforeAll(async () => {
    ensureHubImage();
    apps = await buildSpawnerImages(images);
    web2 = (
      await images.build('swarm-web2', {
        cmd: (await docker.getImage(apps.web).inspect()).Config.Cmd ?? [],
        labels: appLabels({ ui_name: 'Web Two', type: 'webapp' }),
      })
    ).ref;
    hub = await runHubContainer(docker, { HUB_SPAWNER__CLASS: 'swarm' });
    admin = await hub.admin();
  });
  afterAll(async () => {
    if (hub) {
      await hub.remove();
      await cleanupSwarmRealm(docker, hub.realm);
    }
    await images.removeAll();
    if (!('skip' in swarm) && swarm.inited)
      await docker.swarmLeave({ force: true }).catch(() => undefined);
  });

  const services = (urlId?: string) =>
    docker.listServices({
      filters: {
        label: [`${LABELS.realm}=${hub.realm}`, ...(urlId ? [`${LABELS.urlId}=${urlId}`] : [])],
      },
    });

  async function start(image: string): Promise<Started> {
    const mappingId = await grantApp(admin, ADMIN.name, image);
    const res = await admin.json<Started>('/api/v1/containers', {
      method: 'POST',
      json: { mapping_id: mappingId },
    });
    if (res.status !== 201)
      throw new Error(
        `start ${image}: ${res.status} ${JSON.stringify(res.body)}\n${await hub.logs()}`,
      );
    return res.body;
  }

  let first: Started;

  it('starts an app as a labelled service and proxies it from inside the hub container', async () => {
    first = await start(apps.web);
    const page = await admin.fetch(first.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('ok\n');

    const [service] = await services(first.url_id);
    const spec = service.Spec!;
    expect(spec.Labels).toMatchObject({
      [LABELS.user]: ADMIN.name,
      [LABELS.urlId]: first.url_id,
      [LABELS.realm]: hub.realm,
    });
    const task = spec.TaskTemplate as {
      ContainerSpec: { Image: string; Labels: Record<string, string>; Env: string[] };
      RestartPolicy: { Condition: string };
      Resources: { Limits: { MemoryBytes: number; NanoCPUs: number } };
    };
    expect(task.ContainerSpec.Image).toMatch(/^sha256:/);
    expect(task.ContainerSpec.Labels[LABELS.urlId]).toBe(first.url_id);
    expect(task.ContainerSpec.Env).toEqual(
      expect.arrayContaining([`JPY_USER=${ADMIN.name}`, `URL_ID=${first.url_id}`]),
    );
    expect(task.RestartPolicy.Condition).toBe('none');
    expect(task.Resources.Limits.MemoryBytes).toBeGreaterThan(0);
    expect(task.Resources.Limits.NanoCPUs).toBeGreaterThan(0);
    expect((spec as { EndpointSpec?: { Mode?: string } }).EndpointSpec?.Mode).toBe('dnsrr');
    expect(spec.Name!.length).toBeLessThanOrEqual(63);
  });

  it('puts every app on an overlay of its own, with no way onto another app\u2019s', async () => {
    const second = await start(web2);
    expect((await admin.fetch(second.url)).status).toBe(200);
    const nets = [];
    for (const app of [first, second]) {
      const [service] = await services(app.url_id);
      const network = service.Spec!.Labels![SWARM_NETWORK_LABEL];
      const tasks = await docker.listTasks({ filters: { service: [service.ID!] } });
      const attached = (
        tasks[0] as { NetworksAttachments?: { Network: { Spec: { Name: string } } }[] }
      ).NetworksAttachments!.map((a) => a.Network.Spec.Name);
      // The task is on its own network and nothing else: no shared switch with other apps.
      expect(attached).toEqual([network]);
      const info = await docker.getNetwork(network).inspect();
      nets.push({ name: network, subnet: info.IPAM!.Config![0].Subnet as string });
    }
    expect(nets[0].name).not.toBe(nets[1].name);
    expect(nets[0].subnet).not.toBe(nets[1].subnet);
    const del = await admin.fetch(`/api/v1/containers/${second.url_id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
  });

  it('serves the app again after the hub container restarts (adoption)', async () => {
    await hub.restart();
    admin = await hub.admin();
    const list = await admin.json<Started[]>('/api/v1/containers');
    expect(list.body.map((c) => c.url_id)).toContain(first.url_id);
    // The published port changed with the restart: the app's URL carries the new one.
    first = list.body.find((c) => c.url_id === first.url_id)!;
    await until(
      'the adopted app answers',
      async () => (await admin.fetch(first.url)).status === 200,
    );
  });

  it('stops an app: the service goes at once and its route with it', async () => {
    const del = await admin.fetch(`/api/v1/containers/${first.url_id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(await services(first.url_id)).toHaveLength(0);
    expect((await admin.fetch(first.url)).status).not.toBe(200);
  });

  it('reports an app that exits at once, and leaves no service behind', async () => {
    const mappingId = await grantApp(admin, ADMIN.name, apps.dying);
    const res = await admin.json<{ error: { message: string } }>('/api/v1/containers', {
      method: 'POST',
      json: { mapping_id: mappingId },
    });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.body.error.message).toMatch(/giving up/);
    await until('no service of the dying app', async () =>
      (await services()).every((s) => s.Spec?.Labels?.[LABELS.mappingId] !== mappingId),
    );
  });

  it('refuses an image the engine does not have, creating nothing', async () => {
    const missing = images.ref('never-built');
    await admin.json('/api/v1/admin/applications', {
      method: 'POST',
      json: { image: missing, force: true },
    });
    const g = await admin.json<{ mapping_id: string }>('/api/v1/admin/accounting', {
      method: 'POST',
      json: { user: ADMIN.name, image: missing, policy: {} },
    });
    const before = (await services()).length;
    const res = await admin.json<{ error: { code: string; message: string } }>(
      '/api/v1/containers',
      { method: 'POST', json: { mapping_id: g.body.mapping_id } },
    );
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(/not (available|present)/);
    expect((await services()).length).toBe(before);
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
