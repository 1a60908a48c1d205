import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { LABELS } from '../../server/spawner/names';
import { ADMIN, Client } from '../helpers/hub';
import { appLabels, TestImages } from '../helpers/images';
import {
  cleanupRealm,
  collectProgress,
  grantApp,
  realmContainers,
  until,
  WEB_CMD,
} from './spawner-fixtures';

/**
 * The hub process killed with SIGKILL in the middle of a spawn, then started again on the same
 * data folder: Docker being the source of truth, nothing may be left orphaned (a container
 * without a route) and nothing lost (a running container without its route).
 */

jest.setTimeout(300_000);

const ROOT = path.join(__dirname, '..', '..');
const docker = new Dockerode();
const images = new TestImages(docker);
const run = crypto.randomBytes(3).toString('hex');
const REALM = `spawner-crash-${run}`;
const NETWORK = `hub-test-net-crash-${run}`;

interface View {
  url_id: string;
  url: string;
  status: string;
  mapping_id: string;
}

interface HubProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
}

/** Starts `server/main.ts` as a child process and resolves once it prints its URL. */
function startHubProcess(dataDir: string): Promise<HubProcess> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      DOCKER_HOST: process.env.DOCKER_HOST,
      HUB_LOG_LEVEL: 'warn',
      HUB_CONFIG: path.join(ROOT, 'config', 'hub.json'),
      HUB_PORT: '0',
      HUB_DATA_DIR: dataDir,
      HUB_REALM: REALM,
      HUB_ADMIN_USER: ADMIN.name,
      HUB_ADMIN_PASSWORD: ADMIN.password,
      HUB_SPAWNER__NETWORK: NETWORK,
      HUB_SPAWNER__HTTP_TIMEOUT_SECONDS: '30',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /hub listening on (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], exited });
    });
    child.once('exit', (code) =>
      reject(new Error(`hub exited (${code}) before listening:\n${out}\n${err}`)),
    );
  });
}

async function login(url: string, name: string, password: string): Promise<Client> {
  const c = new Client(url);
  const res = await c.login(name, password);
  if (res.status !== 200) throw new Error(`login ${name}: ${res.status}`);
  return c;
}

let dataDir: string;
let slowWeb: string;
let hub: HubProcess | null = null;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-crash-'));
  // The app takes two seconds to answer, so a kill lands while the hub waits for it.
  const cmd = [...WEB_CMD.slice(0, 3), `sleep 2; ${WEB_CMD[3]}`];
  slowWeb = (
    await images.build('spawn-slow-web', {
      cmd,
      labels: appLabels({ ui_name: 'Slow Web', type: 'webapp' }),
    })
  ).ref;
});

afterAll(async () => {
  if (hub) {
    hub.child.kill('SIGKILL');
    await hub.exited;
  }
  await cleanupRealm(docker, REALM, NETWORK);
  await images.removeAll();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Kills the hub with SIGKILL as soon as a start of `mappingId` reaches `stage`. */
async function killDuringSpawn(user: Client, mappingId: string, stage: string): Promise<void> {
  let opened!: () => void;
  const streamOpen = new Promise<void>((r) => (opened = r));
  const reached = collectProgress(
    user,
    mappingId,
    (es) => es.some((e) => e.stage === stage || e.stage === 'ready' || e.stage === 'failed'),
    opened,
  );
  await streamOpen;
  const starting = user
    .fetch('/api/v1/containers', { method: 'POST', json: { mapping_id: mappingId } })
    .catch(() => null);
  const events = await reached;
  expect(events.at(-1)?.stage).toBe(stage);
  hub!.child.kill('SIGKILL');
  await hub!.exited;
  await starting;
}

it('leaves no orphan and loses no route when the hub is SIGKILLed mid-spawn and restarted', async () => {
  hub = await startHubProcess(dataDir);
  let admin = await login(hub.url, ADMIN.name, ADMIN.password);
  for (const name of ['alice', 'bob']) {
    const res = await admin.json('/api/v1/admin/users', {
      method: 'POST',
      json: { name, password: `${name}-password-123` },
    });
    expect(res.status).toBe(201);
  }
  const aliceGrant = await grantApp(admin, 'alice', slowWeb);
  const bobGrant = await grantApp(admin, 'bob', slowWeb);

  // Killed while waiting for the app: the container runs, the route was not yet registered.
  await killDuringSpawn(await login(hub.url, 'alice', 'alice-password-123'), aliceGrant, 'waiting');
  hub = await startHubProcess(dataDir);
  // Killed while Docker creates/starts the container.
  await killDuringSpawn(await login(hub.url, 'bob', 'bob-password-123'), bobGrant, 'starting');

  hub = await startHubProcess(dataDir);
  admin = await login(hub.url, ADMIN.name, ADMIN.password);
  const alice = await login(hub.url, 'alice', 'alice-password-123');
  const bob = await login(hub.url, 'bob', 'bob-password-123');

  // Every container of the realm runs and is known to the hub with a route; nothing else is left.
  const known = (await admin.json<Array<View & { user: string }>>('/api/v1/admin/containers')).body;
  const onEngine = await realmContainers(docker, REALM);
  expect(onEngine.every((c) => c.State === 'running')).toBe(true);
  expect(onEngine.map((c) => c.Labels[LABELS.urlId]).sort()).toEqual(
    known.map((k) => k.url_id).sort(),
  );
  expect(known.every((k) => k.status === 'running')).toBe(true);

  // Alice's container was running when the hub died: it is adopted with its route.
  const [adopted] = (await alice.json<View[]>('/api/v1/containers')).body;
  expect(adopted).toMatchObject({ mapping_id: aliceGrant, status: 'running' });
  await until(
    'the adopted app answers through the proxy',
    async () => (await alice.fetch(adopted.url)).status === 200,
  );
  // Starting again returns the adopted container instead of a second one.
  const again = await alice.json<View>('/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: aliceGrant },
  });
  expect(again).toMatchObject({ status: 201, body: { url_id: adopted.url_id } });

  // Bob's start may or may not have reached a running container; either way he can start now.
  const bobs = await bob.json<View>('/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: bobGrant },
  });
  expect(bobs.status).toBe(201);
  expect((await bob.fetch(bobs.body.url)).status).toBe(200);
  expect(
    (await realmContainers(docker, REALM)).filter((c) => c.Labels[LABELS.mappingId] === bobGrant),
  ).toHaveLength(1);
});
