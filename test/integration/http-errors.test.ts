import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { databasePath } from '../../server/db/data-source';
import { ADMIN, Client } from '../helpers/hub';

/**
 * Requests that end in a thrown error are logged and counted with the status the client got:
 * a 500 is a 5xx in the access log and in hub_http_requests_total, not Koa's default 404.
 * The hub runs as a real process so its JSON access log can be read from stdout.
 */

const ROOT = path.join(__dirname, '..', '..');

interface HubProcess {
  child: ChildProcess;
  url: string;
  lines: () => Array<Record<string, unknown>>;
}

function startMain(dataDir: string): Promise<HubProcess> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      DOCKER_HOST: process.env.DOCKER_HOST,
      HUB_CONFIG: path.join(ROOT, 'config', 'hub.json'),
      HUB_DATA_DIR: dataDir,
      HUB_PORT: '0',
      HUB_REALM: `test-${process.pid}-errors`,
      HUB_ADMIN_USER: ADMIN.name,
      HUB_ADMIN_PASSWORD: ADMIN.password,
      HUB_LOG_LEVEL: 'info',
    },
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const lines = () =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = /hub listening on (\S+)/.exec(stdout);
      if (m) resolve({ child, url: m[1], lines });
    });
    child.on('exit', (code) => reject(new Error(`hub exited with ${code}: ${stderr}`)));
  });
}

function countOf(metrics: string, status: string): number {
  const m = new RegExp(
    `^hub_http_requests_total\\{method="GET",status="${status}"\\} (\\d+)`,
    'm',
  ).exec(metrics);
  return m ? Number(m[1]) : 0;
}

let dataDir: string;
let hub: HubProcess;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-errors-'));
  hub = await startMain(dataDir);
});

afterAll(async () => {
  if (hub?.child.exitCode === null) {
    const exited = new Promise((r) => hub.child.once('exit', r));
    hub.child.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('logs and counts a thrown 400 as 400 and a thrown 500 as 500', async () => {
  const admin = new Client(hub.url);
  expect((await admin.login(ADMIN.name, ADMIN.password)).status).toBe(200);
  const before = await (await admin.fetch('/metrics')).text();

  const bad = await admin.json('/api/v1/admin/audit?limit=lots');
  expect(bad.status).toBe(400);

  // A real server fault: the table the audit route reads is gone from the SQLite file.
  const db = new DataSource({ type: 'sqlite', database: databasePath(dataDir) });
  await db.initialize();
  await db.query('DROP TABLE audit_events');
  await db.destroy();
  const broken = await admin.json('/api/v1/admin/audit');
  expect(broken).toMatchObject({ status: 500, body: { error: { code: 'internal' } } });

  const after = await (await admin.fetch('/metrics')).text();
  expect(countOf(after, '5xx') - countOf(before, '5xx')).toBe(1);
  expect(countOf(after, '4xx') - countOf(before, '4xx')).toBe(1);

  const logged = hub
    .lines()
    .filter((l) => l.ns === 'http' && l.path === '/api/v1/admin/audit')
    .map((l) => ({ status: l.status, level: l.level }));
  // pino levels: 40 warn, 50 error.
  expect(logged).toEqual([
    { status: 400, level: 40 },
    { status: 500, level: 50 },
  ]);
});
