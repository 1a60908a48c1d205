import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createDockerClient } from '../../../server/docker/client';

/**
 * Which engine the client talks to: a `unix://` DOCKER_HOST of the environment it is given wins
 * over the configured socket, and without DOCKER_HOST the configured socket is used. Two fake
 * engines on unix sockets answer /version with their own names.
 */

let dir: string;
const servers: http.Server[] = [];

async function fakeEngine(name: string): Promise<string> {
  const socketPath = path.join(dir, `${name}.sock`);
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ Version: name, ApiVersion: '1.41' }));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  servers.push(server);
  return socketPath;
}

let configured: string;
let fromEnv: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-docker-host-'));
  configured = await fakeEngine('configured');
  fromEnv = await fakeEngine('from-env');
});

afterAll(async () => {
  for (const s of servers) await new Promise((resolve) => s.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

it.each([
  ['no DOCKER_HOST: the configured socket', () => ({}), 'configured'],
  ['unix:// DOCKER_HOST', () => ({ DOCKER_HOST: `unix://${fromEnv}` }), 'from-env'],
  ['an empty DOCKER_HOST counts as unset', () => ({ DOCKER_HOST: '' }), 'configured'],
])('%s', async (_what, env, engine) => {
  const docker = createDockerClient(configured, 2000, env());
  expect(await docker.health()).toEqual({ ok: true, version: engine });
});

it('reports an engine that is not there by its DOCKER_HOST socket, not the configured one', async () => {
  const missing = path.join(dir, 'missing.sock');
  const docker = createDockerClient(configured, 2000, { DOCKER_HOST: `unix://${missing}` });
  const health = await docker.health();
  expect(health.ok).toBe(false);
  expect(health.error).toContain(missing);
});
