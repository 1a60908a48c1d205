import crypto from 'node:crypto';
import Dockerode from 'dockerode';
import { LABELS } from '../../server/spawner/names';
import { containersOf } from '../../server/spawner/service';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { TestImages } from '../helpers/images';
import {
  buildSpawnerImages,
  cleanupRealm,
  grantApp,
  realmContainers,
  until,
} from './spawner-fixtures';

/**
 * Starts and stops under load, over several rounds: parallel starts of many grants, duplicate
 * starts of one grant, stops that land while a start is under way and stops of running
 * containers racing the next round's starts. Nothing may answer 5xx, and after each round the
 * hub and the engine agree: every container runs and is routed, no container without a record,
 * no route without a container.
 */

jest.setTimeout(600_000);

// Sized to run in the suite; raise for a heavier run by hand (HUB_LOAD_USERS=75 is 300 starts a round).
const ROUNDS = Number(process.env.HUB_LOAD_ROUNDS ?? 3);
const USERS = Number(process.env.HUB_LOAD_USERS ?? 6);
const GRANTS_PER_USER = 4;
const PARALLEL = 8;

const docker = new Dockerode();
const images = new TestImages(docker);
const run = crypto.randomBytes(3).toString('hex');
const REALM = `spawner-load-${run}`;
const NETWORK = `hub-test-net-load-${run}`;

interface View {
  url_id: string;
  url: string;
  status: string;
  mapping_id: string;
}
interface Grant {
  user: string;
  client: Client;
  mappingId: string;
}
interface Answer {
  what: string;
  status: number;
  body: unknown;
}

let th: TestHub;
let grants: Grant[];
const answers: Answer[] = [];
/** Every url_id the hub handed out, with its owner's client. */
const seen = new Map<string, { client: Client; url: string }>();

async function call<T>(
  what: string,
  client: Client,
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const res = await client.json<T>(path, init);
  answers.push({ what, status: res.status, body: res.body });
  return res;
}

async function start(g: Grant): Promise<View | null> {
  const res = await call<View>(`start ${g.mappingId}`, g.client, '/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: g.mappingId },
  });
  if (res.status !== 201) return null;
  seen.set(res.body.url_id, { client: g.client, url: res.body.url });
  return res.body;
}

async function stop(g: Grant, urlId: string): Promise<void> {
  await call(`stop ${urlId}`, g.client, `/api/v1/containers/${urlId}`, { method: 'DELETE' });
}

/** Stops the grant's container as soon as the hub lists it, usually while it is starting. */
async function stopWhileStarting(g: Grant): Promise<void> {
  let urlId: string | undefined;
  await until(
    `a container of ${g.mappingId} is listed`,
    async () => {
      const list = await call<View[]>('list', g.client, '/api/v1/containers');
      urlId = list.body.find((c) => c.mapping_id === g.mappingId)?.url_id;
      return urlId !== undefined;
    },
    60_000,
  );
  await stop(g, urlId!);
}

/** Runs `tasks` with at most `n` at once. */
async function pool(tasks: Array<() => Promise<unknown>>, n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: n }, worker));
}

/**
 * Hub and engine agree: the same containers; running ones routed (200), dead ones offered a
 * restart (503), stopped ones unrouted (404); at most one per (user, grant).
 */
async function expectConsistent(admin: Client): Promise<void> {
  // A stop racing a start may leave a container in its last steps: let both settle.
  await until('no start under way', async () => {
    const listed = (await admin.json<View[]>('/api/v1/admin/containers')).body;
    return listed.every((c) => c.status !== 'starting');
  });
  const listed = (await admin.json<Array<View & { user: string }>>('/api/v1/admin/containers'))
    .body;
  const onEngine = new Map(
    (await realmContainers(docker, REALM)).map((c) => [c.Labels[LABELS.urlId], c.State]),
  );
  expect([...onEngine.keys()].sort()).toEqual(listed.map((c) => c.url_id).sort());
  for (const c of listed)
    expect([c.url_id, c.status]).toEqual([
      c.url_id,
      onEngine.get(c.url_id) === 'running' ? 'running' : 'dead',
    ]);
  expect(new Set(listed.map((c) => c.mapping_id)).size).toBe(listed.length);
  const status = new Map(listed.map((c) => [c.url_id, c.status]));
  for (const [urlId, { client, url }] of seen) {
    const expected = { running: 200, dead: 503 }[status.get(urlId) ?? ''] ?? 404;
    expect([urlId, (await client.fetch(url)).status]).toEqual([urlId, expected]);
  }
}

/** Kills a container behind the hub's back (an app crash), as the engine would report it. */
async function crash(urlId: string): Promise<void> {
  const [c] = await docker.listContainers({ filters: { label: [`${LABELS.urlId}=${urlId}`] } });
  await docker
    .getContainer(c?.Id ?? 'gone')
    .kill()
    .catch(() => undefined); // already stopped or removed by the round's own stop
}

beforeAll(async () => {
  const imgs = await buildSpawnerImages(images);
  th = await bootHub(
    {
      spawner: {
        network: NETWORK,
        init: true,
        max_per_user: GRANTS_PER_USER,
        max_total: USERS * GRANTS_PER_USER,
        http_timeout_seconds: 60,
      },
    },
    { env: { HUB_REALM: REALM } },
  );
  const admin = await th.loginAs(ADMIN.name, ADMIN.password);
  grants = [];
  for (let u = 0; u < USERS; u++) {
    const user = `load${u}`;
    const client = await th.userClient(user);
    for (let i = 0; i < GRANTS_PER_USER; i++)
      grants.push({
        user,
        client,
        mappingId: await grantApp(admin, user, imgs.web, { app_license: `L${i}` }),
      });
  }
});

afterAll(async () => {
  await th?.close();
  await cleanupRealm(docker, REALM, NETWORK);
  await images.removeAll();
});

it(`survives ${ROUNDS} rounds of ${USERS * GRANTS_PER_USER} parallel starts with stops, crashes and re-syncs among them`, async () => {
  const admin = await th.loginAs(ADMIN.name, ADMIN.password);
  const manager = containersOf(th.hub);
  for (let round = 0; round < ROUNDS; round++) {
    const running = (await admin.json<Array<View & { user: string }>>('/api/v1/admin/containers'))
      .body;
    const tasks: Array<() => Promise<unknown>> = [];
    grants.forEach((g, i) => {
      // Rotate the roles each round so every grant meets every kind of race.
      const role = (i + round) % 4;
      const previous = running.find((c) => c.mapping_id === g.mappingId);
      // The app crashed just before its owner starts it again (the event may not be in yet).
      if (role === 0 && previous && i % 2 === 0) tasks.push(() => crash(previous.url_id));
      tasks.push(() => start(g));
      if (role === 1) tasks.push(() => start(g)); // the same grant twice at once
      if (role === 2) tasks.push(() => stopWhileStarting(g));
      // A running container stopped while the round's starts run (the start may join or replace it).
      if (role === 3 && previous) tasks.push(() => stop(g, previous.url_id));
    });
    // Interleave, so that the tasks of one grant run side by side.
    const order = tasks
      .map((t, i) => ({ t, k: (i * 7919) % tasks.length }))
      .sort((a, b) => a.k - b.k);
    // The minute's re-sync with the engine, made to fall in the middle of it all.
    let syncing = true;
    const resyncs = (async () => {
      while (syncing) {
        await manager.reconcile();
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await pool(
      order.map((o) => o.t),
      PARALLEL,
    );
    syncing = false;
    await resyncs;
    const failures = answers.filter((a) => a.status >= 500);
    expect(failures).toEqual([]);
    // Only what a user may see: started (201), stopped (204), listed (200), cancelled by a stop (409).
    expect(answers.filter((a) => ![200, 201, 204, 409].includes(a.status))).toEqual([]);
    await expectConsistent(admin);
  }
  expect(answers.filter((a) => a.status === 201).length).toBeGreaterThanOrEqual(
    ROUNDS * grants.length * 0.5,
  );
});
