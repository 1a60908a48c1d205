import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Catalog } from '../../../server/catalog/catalog';
import { createDockerClient, type HubDocker } from '../../../server/docker/client';
import { DockerTimeout } from '../../../server/docker/deadline';
import { logger } from '../../../server/log';
import { DockerClient, DockerUnavailable } from '../../../server/spawner/docker-client';
import { spawnRequest, swarmSpawner } from '../../helpers/swarm-fixtures';

/**
 * An engine that accepts connections and never answers (a wedged dockerd): every part that
 * talks to Docker through the hub's one client gets a clear error within the deadline (here
 * 1 s) instead of hanging: a catalogue refresh and lookup, a start's first call, the event
 * streams, /health, and every public call of the Swarm spawner. A hang would show as this
 * test's own timeout, not as a threshold here. (test/unit/spawner/swarm-deadlines.test.ts hangs
 * one Swarm call at a time, past the first.)
 */

const DEADLINE_MS = 1000;
let dir: string;
let server: net.Server;
const sockets = new Set<net.Socket>();
let docker: HubDocker;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-hung-engine-'));
  const socketPath = path.join(dir, 'docker.sock');
  server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.resume(); // read the request, answer nothing
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  docker = createDockerClient(socketPath, DEADLINE_MS, {});
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

const NO_ANSWER = /no answer to .* within 1 s; the Docker engine is hung or overloaded/;

it('a catalogue refresh ends with the engine reported down, and a lookup says why', async () => {
  const catalog = new Catalog({ docker, rescanSeconds: 3600, iconMaxBytes: 1024 });
  await catalog.refresh();
  const status = catalog.status();
  expect(status.engine).toBe('down');
  expect(status.error).toMatch(/no answer to list images within 1 s/);
  await expect(catalog.lookup('sim/never-seen:1')).rejects.toMatchObject({
    status: 503,
    code: 'docker_unavailable',
    message: expect.stringMatching(/no answer to inspect image within 1 s/),
  });
  await catalog.stop();
});

it("a start's Docker calls fail as the engine being unavailable (503), naming the deadline", async () => {
  const client = new DockerClient(docker, logger('test'));
  const create = client.createContainer({ name: 'hub-hung-test', Image: 'busybox' });
  await expect(create).rejects.toBeInstanceOf(DockerUnavailable);
  await expect(create).rejects.toThrow(/no answer to create within 1 s/);
});

it("the Docker spawner's event stream gives up opening at the deadline, as the engine unavailable", async () => {
  const client = new DockerClient(docker, logger('test'));
  const opened = client.events({ type: ['container'] }, new AbortController().signal);
  await expect(opened).rejects.toBeInstanceOf(DockerUnavailable);
  await expect(opened).rejects.toThrow(/no answer to events within 1 s/);
});

describe('the Swarm spawner on a hung engine', () => {
  const swarm = () => swarmSpawner(docker, { realm: 'hung', selfId: 'c'.repeat(64) });
  const unavailable = (verb: string) => ({
    status: 503,
    code: 'docker_unavailable',
    message: expect.stringMatching(new RegExp(`no answer to ${verb} within 1 s`)),
  });
  const request = spawnRequest('a'.repeat(32));

  it('fails init, start, stop, inspect, list and logs as the engine unavailable (503)', async () => {
    const s = swarm();
    await Promise.all([
      expect(s.init()).rejects.toMatchObject(unavailable('info')),
      expect(s.start(request, () => undefined)).rejects.toMatchObject(unavailable('info')),
      expect(s.stop('a'.repeat(32))).rejects.toMatchObject(unavailable('list services')),
      expect(s.inspect('a'.repeat(32))).rejects.toMatchObject(unavailable('list services')),
      expect(s.list()).rejects.toMatchObject(unavailable('list (services|tasks)')),
      expect(s.logs('a'.repeat(32), 10)).rejects.toMatchObject(unavailable('list services')),
    ]);
  });

  it('answers its ping with false and reports its watch as disconnected', async () => {
    const s = swarm();
    const connection = new Promise<boolean>((resolve) => {
      const unwatch = s.watch({
        onEvent: () => undefined,
        onConnection: (up) => {
          unwatch();
          resolve(up);
        },
      });
    });
    expect(await s.ping()).toBe(false);
    expect(await connection).toBe(false);
  });
});

it('opening the event stream and calls through the client give up at the deadline', async () => {
  const opened = docker.openEvents({ type: ['image'] }, new AbortController().signal);
  await expect(opened).rejects.toBeInstanceOf(DockerTimeout);
  await expect(opened).rejects.toThrow(NO_ANSWER);
  await expect(docker.call('ping', (api) => api.ping())).rejects.toThrow(NO_ANSWER);
});

it('/health reports the engine as not answering', async () => {
  const health = await docker.health(DEADLINE_MS);
  expect(health.ok).toBe(false);
  expect(health.error).toMatch(/no answer to version within 1 s/);
});
