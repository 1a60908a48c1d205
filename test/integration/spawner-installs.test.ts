import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Dockerode from 'dockerode';
import { loadInstallIdentity } from '../../server/spawner/install-id';
import { LABELS } from '../../server/spawner/names';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { TestImages } from '../helpers/images';
import {
  buildSpawnerImages,
  cleanupRealm,
  grantApp,
  realmContainers,
  type SpawnerImages,
  WEB_CMD,
} from './spawner-fixtures';

/**
 * Two hub installations (two data folders) on one engine and one realm, as a copied config or a
 * test on the default realm makes them: neither may adopt, stop or remove the other's
 * containers, although their users have the same names.
 */

jest.setTimeout(240_000);

const docker = new Dockerode();
const images = new TestImages(docker);
const run = crypto.randomBytes(3).toString('hex');
const REALM = `spawner-installs-${run}`;
const NETWORK = `hub-test-net-installs-${run}`;

interface View {
  url_id: string;
  url: string;
  status: string;
  mapping_id: string;
}

let imgs: SpawnerImages;
const hubs: TestHub[] = [];

async function boot(dataDir?: string): Promise<{ th: TestHub; admin: Client; alice: Client }> {
  const th = await bootHub(
    { spawner: { network: NETWORK, http_timeout_seconds: 10 } },
    { dataDir, env: { HUB_REALM: REALM } },
  );
  hubs.push(th);
  return {
    th,
    admin: await th.loginAs(ADMIN.name, ADMIN.password),
    alice: await th.userClient('alice'),
  };
}

async function start(client: Client, mappingId: string): Promise<View> {
  const res = await client.json<View>('/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: mappingId },
  });
  if (res.status !== 201) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const ids = async () => (await realmContainers(docker, REALM)).map((c) => c.Id).sort();

beforeAll(async () => {
  imgs = await buildSpawnerImages(images);
});

afterAll(async () => {
  for (const th of hubs) await th.close().catch(() => undefined);
  await cleanupRealm(docker, REALM, NETWORK);
  await images.removeAll();
});

it("a second hub on the same realm never adopts or removes the first hub's containers", async () => {
  const a = await boot();
  const grantA = await grantApp(a.admin, 'alice', imgs.web);
  const running = await start(a.alice, grantA);
  // A container of A's that exited: A's own reconcile would remove it, nobody else's may.
  const stale = await grantApp(a.admin, 'alice', imgs.dying);
  const died = await a.alice.json('/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: stale },
  });
  expect(died.status).toBe(502);
  const exited = await docker.createContainer({
    Image: imgs.web,
    Labels: {
      [LABELS.realm]: REALM,
      [LABELS.install]: loadInstallIdentity(a.th.dataDir).id,
      [LABELS.user]: 'alice',
      [LABELS.mappingId]: 'no-such-grant',
      [LABELS.urlId]: crypto.randomBytes(16).toString('hex'),
    },
  });
  const before = await ids();
  expect(before).toContain(exited.id);
  // A stops while B is about: its own minutely resync would rightly remove `exited` meanwhile.
  await a.th.close();
  hubs.splice(hubs.indexOf(a.th), 1);

  // B: a fresh database (no grants at all: every container of the realm looks orphaned to it).
  const b = await boot();
  expect(await ids()).toEqual(before);
  expect((await b.admin.json<View[]>('/api/v1/admin/containers')).body).toEqual([]);
  const metrics = await (await b.admin.fetch('/metrics')).text();
  expect(metrics).toMatch(/^hub_containers_not_ours\{owner="other"\} 2$/m);

  const grantB = await grantApp(b.admin, 'alice', imgs.web);
  const mine = await start(b.alice, grantB);
  expect(mine.url_id).not.toBe(running.url_id);
  expect((await b.alice.fetch(mine.url)).status).toBe(200);
  // A's app asked for on B's origin (A is down: its own address would be refused anyway).
  const onB = mine.url.replaceAll(mine.url_id, running.url_id);
  expect((await b.alice.fetch(onB)).status).toBe(404);
  // A stop through B of A's url_id is a no-op: B does not know it and may not touch it.
  expect(
    (await b.alice.fetch(`/api/v1/containers/${running.url_id}`, { method: 'DELETE' })).status,
  ).toBe(204);
  await b.th.restart().then((th) => hubs.push(th));
  await hubs[hubs.length - 1].close();
  expect(await ids()).toEqual([...before, (await idOf(mine.url_id))!].sort());

  // A again, on its own data folder: it adopts its running app and removes its own orphan.
  const again = await boot(a.th.dataDir);
  const listed = (await again.alice.json<View[]>('/api/v1/containers')).body;
  expect(listed).toEqual([expect.objectContaining({ url_id: running.url_id, status: 'running' })]);
  expect((await again.alice.fetch(listed[0].url)).status).toBe(200);
  expect(await ids()).not.toContain(exited.id);
});

it('claims containers an earlier version of the same installation made, and only those', async () => {
  const c = await boot();
  const grant = await grantApp(c.admin, 'alice', imgs.web);
  const made = async (urlId: string) => {
    const container = await docker.createContainer({
      Image: imgs.web,
      Cmd: WEB_CMD,
      Env: ['JPY_USER=alice', `URL_ID=${urlId}`],
      Labels: {
        [LABELS.realm]: REALM,
        [LABELS.user]: 'alice',
        [LABELS.mappingId]: grant,
        [LABELS.urlId]: urlId,
      },
      HostConfig: { NetworkMode: NETWORK },
    });
    await container.start();
    return container;
  };
  // Unlabelled, as hubs before install ids made them.
  const legacyUrl = crypto.randomBytes(16).toString('hex');
  const legacy = await made(legacyUrl);
  expect((await c.alice.json<View[]>('/api/v1/containers')).body).toEqual([]);

  // The same folder after an upgrade: no install id yet, secrets from long before this process.
  await c.th.close();
  fs.rmSync(path.join(c.th.dataDir, 'install-id'));
  const hourAgo = new Date(Date.now() - 3600_000);
  fs.utimesSync(path.join(c.th.dataDir, 'secrets.json'), hourAgo, hourAgo);
  const upgraded = await boot(c.th.dataDir);
  const adopted = (await upgraded.alice.json<View[]>('/api/v1/containers')).body;
  expect(adopted).toEqual([expect.objectContaining({ url_id: legacyUrl, status: 'running' })]);
  // Its URL, on the app's own origin, answers again.
  expect((await upgraded.alice.fetch(adopted[0].url)).status).toBe(200);

  // One made after the upgrade without a label is another (older) hub's: reported, not adopted.
  const laterUrl = crypto.randomBytes(16).toString('hex');
  const later = await made(laterUrl);
  await upgraded.th.restart().then((th) => hubs.push(th));
  const again = hubs[hubs.length - 1];
  const alice = await again.loginAs('alice', 'alice-password-123');
  expect((await alice.json<View[]>('/api/v1/containers')).body.map((v) => v.url_id)).toEqual([
    legacyUrl,
  ]);
  expect((await later.inspect()).State.Running).toBe(true);
  expect((await alice.fetch(`/api/v1/containers/${legacyUrl}`, { method: 'DELETE' })).status).toBe(
    204,
  );
  await expect(legacy.inspect()).rejects.toMatchObject({ statusCode: 404 });
  await again.close();
});

async function idOf(urlId: string): Promise<string | undefined> {
  const [c] = await docker.listContainers({
    all: true,
    filters: { label: [`${LABELS.urlId}=${urlId}`] },
  });
  return c?.Id;
}
