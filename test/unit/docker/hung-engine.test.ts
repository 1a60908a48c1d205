import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Catalog } from '../../../server/catalog/catalog';
import { createDockerClient, type HubDocker } from '../../../server/docker/client';
import { DockerTimeout } from '../../../server/docker/deadline';
import { logger } from '../../../server/log';
import { DockerClient, DockerUnavailable } from '../../../server/spawner/docker-client';

/**
 * An engine that accepts connections and never answers (a wedged dockerd): every part that
 * talks to Docker through the hub's one client gets a clear error within the deadline (here
 * 1 s) instead of hanging: a catalogue refresh and lookup, a start's first call, the event
 * stream, /health. A hang would show as this test's own timeout, not as a threshold here.
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
  const client = new DockerClient(docker.api, logger('test'), docker.timeoutMs);
  const create = client.createContainer({ name: 'hub-hung-test', Image: 'busybox' });
  await expect(create).rejects.toBeInstanceOf(DockerUnavailable);
  await expect(create).rejects.toThrow(/no answer to create within 1 s/);
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
