import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createDockerClient } from '../../../server/docker/client';
import { LABELS } from '../../../server/spawner/names';
import { taskFault } from '../../../server/spawner/swarm-refusals';
import {
  appNetworkName,
  serviceName,
  SWARM_NETWORK_LABEL,
} from '../../../server/spawner/swarm-spec';
import { spawnRequest, swarmSpawner } from '../../helpers/swarm-fixtures';

/**
 * A restart starts the same grant while its old service, task and overlay are still going, and
 * a loaded manager refuses for a while: the start asks again within its time, and what it
 * cannot get past is a typed error with a code that says what to do, never a bare 500. The
 * engine is a fake on a Unix socket that answers from a script, call by call.
 */

const REALM = 'refusals';
const URL_ID = 'a'.repeat(32);
const SELF = 'c'.repeat(64);
const NAME = serviceName(REALM, 'alice', 'm', 'i');
const NETWORK = appNetworkName(NAME, URL_ID);
/** An address of this process's own network: a target the spawner hands out. */
const OWN_IP =
  Object.values(os.networkInterfaces())
    .flat()
    .find((n) => n?.family === 'IPv4' && !n.internal)?.address ?? null;

interface Seen {
  method: string;
  path: string;
}
type Answer = [number, unknown];

let dir: string;
let server: http.Server;
const sockets = new Set<net.Socket>();
let seen: Seen[] = [];
/** Answers given before the defaults, first match first, each used once. */
let scripted: Array<{ match: (r: Seen) => boolean; answer: Answer }> = [];
/** The state and error of every task the fake reports for the n-th service created (from 1). */
let taskOf: (n: number) => { State: string; Err?: string } = () => ({ State: 'running' });
let created = 0;

const svc = (id: string, urlId: string, network = NETWORK) => ({
  ID: id,
  CreatedAt: new Date().toISOString(),
  Spec: {
    Name: NAME,
    Labels: {
      [LABELS.realm]: REALM,
      [LABELS.install]: 'i',
      [LABELS.urlId]: urlId,
      [SWARM_NETWORK_LABEL]: network,
    },
  },
});

function defaults(r: Seen, query: URLSearchParams): Answer {
  const { method, path: p } = r;
  if (method === 'GET' && p === '/info')
    return [200, { Swarm: { LocalNodeState: 'active', ControlAvailable: true } }];
  if (method === 'GET' && p.startsWith('/images/')) return [200, { Id: 'sha256:1', Config: {} }];
  if (method === 'GET' && /^\/services\/svc\d+$/.test(p)) return [200, svc(p.slice(10), URL_ID)];
  if (method === 'GET' && p.startsWith('/services/')) return [404, { message: 'no such service' }];
  if (method === 'GET' && p === '/services') return [200, [svc('svc9', URL_ID)]];
  if (method === 'GET' && p === '/tasks') {
    const id = (JSON.parse(query.get('filters') ?? '{}') as { service?: string[] }).service?.[0];
    const n = Number(id?.slice(3));
    return [
      200,
      [
        {
          ID: `t${n}`,
          ServiceID: id,
          CreatedAt: new Date().toISOString(),
          Status: { ...taskOf(n), Timestamp: new Date().toISOString() },
          NetworksAttachments: [
            { Network: { Spec: { Name: NETWORK } }, Addresses: [`${OWN_IP}/24`] },
          ],
        },
      ],
    ];
  }
  if (method === 'POST' && p === '/networks/create') return [201, { Id: 'net1' }];
  if (method === 'POST' && p === '/services/create') return [201, { ID: `svc${++created}` }];
  if (method === 'POST' && /^\/networks\/[^/]+\/(connect|disconnect)$/.test(p)) return [200, {}];
  if (method === 'DELETE') return [204, null];
  return [404, { message: `not in this fake: ${method} ${p}` }];
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-swarm-refusals-'));
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://engine');
    const r = { method: req.method ?? '', path: url.pathname.replace(/^\/v[\d.]+/, '') };
    seen.push(r);
    req.resume();
    const i = scripted.findIndex((s) => s.match(r));
    const [status, body] = i >= 0 ? scripted.splice(i, 1)[0].answer : defaults(r, url.searchParams);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body === null ? '' : JSON.stringify(body));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(path.join(dir, 'docker.sock'), resolve));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  seen = [];
  scripted = [];
  created = 0;
  taskOf = () => ({ State: 'running' });
});

const is =
  (method: string, p: string | RegExp) =>
  (r: Seen): boolean =>
    r.method === method && (typeof p === 'string' ? r.path === p : p.test(r.path));

function spawner(startTimeoutMs = 10_000) {
  const docker = createDockerClient(path.join(dir, 'docker.sock'), 5000, {});
  return swarmSpawner(docker, { realm: REALM, selfId: SELF, startTimeoutMs });
}

function start(startTimeoutMs?: number) {
  return spawner(startTimeoutMs).start(spawnRequest(URL_ID), () => undefined);
}

const creates = () => seen.filter(is('POST', '/services/create')).length;

(OWN_IP ? it : it.skip)(
  'gets past the old app going: its name still held, an attach and a task failed by the cluster',
  async () => {
    scripted = [
      {
        match: is('POST', '/services/create'),
        answer: [
          409,
          { message: 'rpc error: code = Unknown desc = name conflicts with an existing object' },
        ],
      },
      // The name is held by the app of the same grant that the restart has just stopped.
      { match: is('GET', `/services/${NAME}`), answer: [404, { message: 'no such service' }] },
      {
        match: is('GET', `/services/${NAME}`),
        answer: [200, svc('old', 'b'.repeat(32), 'old-net')],
      },
      {
        match: is('POST', /\/connect$/),
        answer: [
          500,
          {
            message:
              'attaching to network failed, make sure your network options are correct and check manager logs: context deadline exceeded',
          },
        ],
      },
    ];
    taskOf = (n) =>
      n === 1
        ? {
            State: 'failed',
            Err: 'starting container failed: network sandbox join failed: subnet sandbox join failed for "10.0.3.0/24": error creating vxlan interface: file exists',
          }
        : { State: 'running' };
    const info = await start();
    expect(info).toMatchObject({ id: 'svc2', state: 'running', target: `http://${OWN_IP}:8888` });
    expect(seen).toContainEqual({ method: 'DELETE', path: '/services/old' });
    expect(seen).toContainEqual({ method: 'DELETE', path: '/services/svc1' });
    expect(seen.filter(is('POST', /\/connect$/))).toHaveLength(2);
    expect(creates()).toBe(3);
  },
);

(OWN_IP ? it : it.skip)(
  'does not take the service it has just removed for one it made, when its name is still held',
  async () => {
    scripted = [
      {
        match: (r) => is('POST', '/services/create')(r) && creates() === 2,
        answer: [409, { message: 'name conflicts with an existing object' }],
      },
      // The first service, failed by the cluster and removed, still holds the name a moment.
      { match: is('GET', `/services/${NAME}`), answer: [404, { message: 'no such service' }] },
      { match: is('GET', `/services/${NAME}`), answer: [200, svc('svc1', URL_ID)] },
    ];
    taskOf = (n) =>
      n === 1 ? { State: 'failed', Err: 'network sandbox join failed' } : { State: 'running' };
    expect(await start()).toMatchObject({ id: 'svc2', state: 'running' });
    expect(creates()).toBe(3);
    expect(seen).not.toContainEqual({ method: 'DELETE', path: `/networks/${NETWORK}` });
  },
);

describe('what a start cannot get past is a typed error with a code', () => {
  it('an app that exits is its own fault: 502 naming the exit, not made again', async () => {
    taskOf = () => ({ State: 'failed', Err: 'task: non-zero exit (3)' });
    await expect(start()).rejects.toMatchObject({
      status: 502,
      code: 'task_failed',
      message: expect.stringMatching(/task failed: task: non-zero exit \(3\)/),
    });
    expect(creates()).toBe(1);
  });

  it('a cluster that fails every task: 503 after a few tasks, naming where to look', async () => {
    taskOf = () => ({ State: 'rejected', Err: 'network sandbox join failed: no such network' });
    await expect(start()).rejects.toMatchObject({
      status: 503,
      code: 'task_rejected',
      message: expect.stringMatching(/usually passing.*docker service ps --no-trunc/),
    });
    expect(creates()).toBe(3);
  });

  it('a manager that keeps failing: 503 swarm_error once the start has no time left', async () => {
    for (let i = 0; i < 20; i++)
      scripted.push({
        match: is('POST', '/services/create'),
        answer: [
          500,
          { message: 'rpc error: code = DeadlineExceeded desc = context deadline exceeded' },
        ],
      });
    await expect(start(1200)).rejects.toMatchObject({
      status: 503,
      code: 'swarm_error',
      message: expect.stringMatching(/DeadlineExceeded.*usually passing/),
    });
    expect(creates()).toBeGreaterThan(1);
  });

  it('a spec the engine refuses: 400 at once', async () => {
    scripted.push({
      match: is('POST', '/services/create'),
      answer: [400, { message: 'invalid mount target, must be an absolute path: data' }],
    });
    await expect(start()).rejects.toMatchObject({
      status: 400,
      code: 'swarm_refused',
      message: expect.stringMatching(/invalid mount target.*correct the app's settings/),
    });
    expect(creates()).toBe(1);
  });

  it('a name held by a service this hub did not make: 409 name_taken', async () => {
    scripted = [
      {
        match: is('POST', '/services/create'),
        answer: [409, { message: 'name conflicts with an existing object' }],
      },
      { match: is('GET', `/services/${NAME}`), answer: [404, { message: 'no such service' }] },
      {
        match: is('GET', `/services/${NAME}`),
        answer: [200, { ...svc('theirs', 'b'.repeat(32)), Spec: { Name: NAME, Labels: {} } }],
      },
    ];
    await expect(start()).rejects.toMatchObject({ status: 409, code: 'name_taken' });
    expect(seen).not.toContainEqual({ method: 'DELETE', path: '/services/theirs' });
  });
});

it('tells whose fault a task that did not run was', () => {
  expect(taskFault('rejected', 'invalid mount config for type "bind"')).toBe('spec');
  expect(taskFault('failed', 'task: non-zero exit (1)')).toBe('app');
  expect(taskFault('complete', 'finished')).toBe('app');
  expect(taskFault('failed', 'network sandbox join failed')).toBe('cluster');
  expect(taskFault('shutdown', 'shutdown')).toBe('cluster');
});

it('a stop the manager refuses fails as 503, not as done: the app may still run', async () => {
  scripted.push({
    match: is('DELETE', '/services/svc9'),
    answer: [500, { message: 'rpc error: code = Unknown desc = raft: proposal dropped' }],
  });
  await expect(spawner().stop(URL_ID)).rejects.toMatchObject({
    status: 503,
    code: 'swarm_error',
    message: expect.stringMatching(/proposal dropped.*try again/),
  });
  expect(seen).toContainEqual({ method: 'DELETE', path: '/services/svc9' });
});
