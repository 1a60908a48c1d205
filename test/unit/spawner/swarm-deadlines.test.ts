import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createDockerClient } from '../../../server/docker/client';
import { LABELS } from '../../../server/spawner/names';
import type { SwarmSpawner } from '../../../server/spawner/swarm-spawner';
import { appNetworkName, serviceName } from '../../../server/spawner/swarm-spec';
import { spawnRequest, swarmSpawner } from '../../helpers/swarm-fixtures';

/**
 * A Swarm manager that answers every call but one, which it never answers (an engine wedged on
 * one kind of request). Whichever call of a start or a stop hangs, the spawner fails with the
 * engine unavailable (503) naming that call within the per-call deadline (1 s here), and a start
 * cleans up what it made before the hang. A hang would show as this test's own timeout.
 */

const DEADLINE_MS = 1000;
const SERVICE_ID = 'svc1';
const URL_ID = 'a'.repeat(32);
const SELF = 'c'.repeat(64);
const NAME = serviceName('deadlines', 'alice', 'm', 'i');
const NETWORK = appNetworkName(NAME, URL_ID);

interface Seen {
  method: string;
  path: string;
}

let dir: string;
let server: http.Server;
const sockets = new Set<net.Socket>();
/** The request that is never answered; null answers everything. */
let hang: ((r: Seen) => boolean) | null = null;
let seen: Seen[] = [];

const service = {
  ID: SERVICE_ID,
  CreatedAt: new Date().toISOString(),
  Spec: {
    Name: 'app',
    Labels: { [LABELS.realm]: 'deadlines', [LABELS.install]: 'i', [LABELS.urlId]: URL_ID },
  },
};

/** Just enough of the Engine API for a start and a stop; the task never gets scheduled. */
function answer(r: Seen): [number, unknown] {
  const { method, path: p } = r;
  if (method === 'GET' && p === '/info')
    return [200, { Swarm: { LocalNodeState: 'active', ControlAvailable: true } }];
  if (method === 'GET' && p.startsWith('/images/')) return [200, { Id: 'sha256:1', Config: {} }];
  if (method === 'GET' && p === `/services/${SERVICE_ID}`) return [200, service];
  if (method === 'GET' && p.startsWith('/services/')) return [404, { message: 'no such service' }];
  if (method === 'GET' && p === '/services') return [200, [service]];
  if (method === 'GET' && p === '/tasks') return [200, []];
  if (method === 'POST' && p === '/networks/create') return [201, { Id: 'net1' }];
  if (method === 'POST' && p === '/services/create') return [201, { ID: SERVICE_ID }];
  if (method === 'POST' && /^\/networks\/[^/]+\/(connect|disconnect)$/.test(p)) return [200, {}];
  if (method === 'DELETE') return [204, null];
  return [404, { message: `not in this fake: ${method} ${p}` }];
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-swarm-deadlines-'));
  server = http.createServer((req, res) => {
    const r = { method: req.method ?? '', path: (req.url ?? '').split('?')[0] };
    seen.push(r);
    req.resume();
    if (hang?.(r)) return;
    const [status, body] = answer(r);
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
  hang = null;
});

function spawner(startTimeoutMs?: number): SwarmSpawner {
  const docker = createDockerClient(path.join(dir, 'docker.sock'), DEADLINE_MS, {});
  return swarmSpawner(docker, { realm: 'deadlines', selfId: SELF, startTimeoutMs });
}

const request = spawnRequest(URL_ID);

const unavailable = (verb: string) => ({
  status: 503,
  code: 'docker_unavailable',
  message: expect.stringMatching(new RegExp(`no answer to ${verb} within 1 s`)),
});

/** Resolves once the fake has seen a request like `r` (a start's clean-up runs on after it). */
async function seenEventually(r: Seen): Promise<void> {
  while (!seen.some((s) => s.method === r.method && s.path === r.path))
    await new Promise((resolve) => setTimeout(resolve, 20));
}

const is =
  (method: string, p: string | RegExp) =>
  (r: Seen): boolean =>
    r.method === method && (typeof p === 'string' ? r.path === p : p.test(r.path));

describe('a start on a Swarm manager that never answers one call', () => {
  it.each([
    ['info', is('GET', '/info'), false],
    ['inspect image', is('GET', /^\/images\//), false],
    ['inspect service', is('GET', `/services/${NAME}`), false],
    // Past this point the engine may have made the network before it hung: it is removed.
    ['create network', is('POST', '/networks/create'), true],
    ['create service', is('POST', '/services/create'), true],
    ['connect network', is('POST', /\/connect$/), true],
    ['inspect service', is('GET', `/services/${SERVICE_ID}`), true],
    ['list tasks', is('GET', '/tasks'), true],
  ])('fails at %s, as the engine unavailable', async (verb, matcher, cleansUp) => {
    hang = matcher;
    await expect(spawner().start(request, () => undefined)).rejects.toMatchObject(
      unavailable(verb),
    );
    if (!cleansUp) {
      expect(seen.filter((r) => r.method !== 'GET')).toEqual([]);
      return;
    }
    // What it made is removed: the service (by id or by name) and, after leaving it, the network.
    await seenEventually({ method: 'DELETE', path: `/networks/${NETWORK}` });
    expect(seen.some((r) => r.method === 'DELETE' && r.path.startsWith('/services/'))).toBe(true);
    expect(seen).toContainEqual({ method: 'POST', path: `/networks/${NETWORK}/disconnect` });
  });
});

it('a start whose task is never scheduled still ends at the start deadline, and cleans up', async () => {
  await expect(spawner(300).start(request, () => undefined)).rejects.toMatchObject({
    status: 504,
    code: 'start_timeout',
    message: expect.stringMatching(/task not scheduled.*raise spawner\.start_timeout_seconds/),
  });
  await seenEventually({ method: 'DELETE', path: `/networks/${NETWORK}` });
  expect(seen).toContainEqual({ method: 'DELETE', path: `/services/${SERVICE_ID}` });
});

describe('a start whose budget runs out while a call hangs', () => {
  // The start's budget (0.4 s) ends before the per-call deadline (1 s) would: the hung call is
  // cut when the budget is spent, and the start reports its own time limit, naming the call.
  it.each([
    ['info', is('GET', '/info'), false],
    ['create service', is('POST', '/services/create'), true],
    ['list tasks', is('GET', '/tasks'), true],
  ])(
    'fails at %s as the start timing out, not as the engine unavailable',
    async (verb, matcher, cleansUp) => {
      hang = matcher;
      await expect(spawner(400).start(request, () => undefined)).rejects.toMatchObject({
        status: 504,
        code: 'start_timeout',
        message: expect.stringMatching(
          new RegExp(
            `the start's time ran out during ${verb}\\); raise spawner\\.start_timeout_seconds`,
          ),
        ),
      });
      if (cleansUp) await seenEventually({ method: 'DELETE', path: `/networks/${NETWORK}` });
    },
  );
});

describe('a stop on a Swarm manager that never answers one call', () => {
  it.each([
    ['list services', is('GET', '/services')],
    ['remove service', is('DELETE', `/services/${SERVICE_ID}`)],
  ])('fails at %s, as the engine unavailable', async (verb, matcher) => {
    hang = matcher;
    await expect(spawner().stop(URL_ID)).rejects.toMatchObject(unavailable(verb));
  });

  it('removes the service when the engine answers', async () => {
    await spawner().stop(URL_ID);
    expect(seen).toContainEqual({ method: 'DELETE', path: `/services/${SERVICE_ID}` });
  });
});
