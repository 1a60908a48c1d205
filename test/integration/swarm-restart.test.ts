import Dockerode from 'dockerode';
import { LABELS } from '../../server/spawner/names';
import { ADMIN, type Client } from '../helpers/hub';
import { TestImages } from '../helpers/images';
import {
  cleanupSwarmRealm,
  ensureHubImage,
  ensureSwarm,
  type HubContainer,
  runHubContainer,
} from './hub-container';
import { buildSpawnerImages, grantApp } from './spawner-fixtures';

/**
 * The same grant started again at once, over and over, on the Swarm backend: a restart removes
 * the service and makes one of the same name straight away, while the old task and its overlay
 * are still going. Each round must answer 201 and serve the page, never a 500 (a restart once
 * answered 500 on a loaded machine). The hub runs as the hub image and is reached only through
 * its port published on 127.0.0.1; the apps' overlays are reached from inside its container.
 */
jest.setTimeout(900_000);
const docker = new Dockerode();
const ROUNDS = 4;

interface Started {
  url_id: string;
  url: string;
}
interface Refusal {
  error?: { code: string; message: string };
}

const swarm = ensureSwarm();
if ('skip' in swarm) console.warn(`Swarm restart run skipped: ${swarm.skip}`);
const describeSwarm = 'skip' in swarm ? describe.skip : describe;

describeSwarm('Swarm: the same grant started again at once', () => {
  const images = new TestImages(docker);
  let hub: HubContainer;
  let admin: Client;
  let grant: string;

  beforeAll(async () => {
    ensureHubImage();
    const apps = await buildSpawnerImages(images);
    hub = await runHubContainer(docker, {
      HUB_SPAWNER__CLASS: 'swarm',
      HUB_SPAWNER__INIT: 'true',
    });
    admin = await hub.admin();
    grant = await grantApp(admin, ADMIN.name, apps.web);
  });
  afterAll(async () => {
    await hub?.remove();
    if (hub) await cleanupSwarmRealm(docker, hub.realm);
    await images.removeAll();
  });

  /** The answer with the hub's last lines when it is not the expected one, to see why. */
  async function expectStatus(
    res: { status: number; body: unknown },
    status: number,
    what: string,
  ): Promise<void> {
    if (res.status === status) return;
    throw new Error(
      `${what}: ${res.status} ${JSON.stringify(res.body)}\n--- hub log ---\n${await hub.logs()}`,
    );
  }

  async function serves(app: Started): Promise<void> {
    const page = await admin.fetch(app.url);
    expect({ url_id: app.url_id, status: page.status, text: await page.text() }).toEqual({
      url_id: app.url_id,
      status: 200,
      text: 'ok\n',
    });
  }

  /** The realm's services as the engine sees them: one per running app, none left behind. */
  async function services(): Promise<string[]> {
    const list = await docker.listServices({
      filters: { label: [`${LABELS.realm}=${hub.realm}`] },
    });
    return list.map((s) => s.Spec!.Labels![LABELS.urlId]);
  }

  let app: Started;

  it('restarts the same app several times in a row, each a new url_id that answers', async () => {
    const first = await admin.json<Started & Refusal>('/api/v1/containers', {
      method: 'POST',
      json: { mapping_id: grant },
    });
    await expectStatus(first, 201, 'first start');
    app = first.body;
    await serves(app);
    for (let i = 0; i < ROUNDS; i++) {
      const again = await admin.json<Started & Refusal>(
        `/api/v1/containers/${app.url_id}/restart`,
        {
          method: 'POST',
          json: {},
        },
      );
      await expectStatus(again, 201, `restart ${i + 1}`);
      expect(again.body.url_id).not.toBe(app.url_id);
      app = again.body;
      await serves(app);
      expect(await services()).toEqual([app.url_id]);
    }
  });

  it('stops and starts the same grant back to back', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const del = await admin.fetch(`/api/v1/containers/${app.url_id}`, { method: 'DELETE' });
      expect(del.status).toBe(204);
      const again = await admin.json<Started & Refusal>('/api/v1/containers', {
        method: 'POST',
        json: { mapping_id: grant },
      });
      await expectStatus(again, 201, `start ${i + 1} after a stop`);
      app = again.body;
      await serves(app);
      expect(await services()).toEqual([app.url_id]);
    }
    const del = await admin.fetch(`/api/v1/containers/${app.url_id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(await services()).toEqual([]);
  });
});
