/**
 * Scale benchmark: one hub process serving N running containers (300 by default; `--n 1000`
 * or BENCH_SCALE_N), FROM-scratch busybox web apps. In one run it measures, each against a
 * reference taken in the same run:
 *   - the hub's RSS with 10 and with N containers;
 *   - listing the user's containers and applications with 10 and with N;
 *   - a proxied request (bearer token, hub origin) to one app while the hub routes 10 vs N
 *     (target: flat, within 10 %);
 *   - a restart: time until the port opens and until every route answers again (16 in
 *     flight), and the same requests' latency right after the restart vs before it (target:
 *     no slower), RSS after the restart.
 *
 *   node -r @swc-node/register bench/scale.ts [--n 1000]
 *
 * The hub runs as in production (`npm run build:server`, then node dist/server/main.js) in a
 * child process, with a temp data folder, its own realm and network; everything is removed by
 * realm label at the end.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { Client } from '../test/helpers/hub';
import { appLabels, TestImages } from '../test/helpers/images';
import { cleanupRealm, WEB_CMD } from '../test/integration/spawner-fixtures';

const ROOT = path.join(__dirname, '..');
const argN = process.argv.indexOf('--n');
const N = Number(argN > 0 ? process.argv[argN + 1] : (process.env.BENCH_SCALE_N ?? 300));
const SMALL = 10;
const START_PARALLEL = 8;
const PROBE_PARALLEL = 16;
const LATENCY_SAMPLES = 400;
const ADMIN_PASSWORD = 'bench-admin-password';

interface Hub {
  proc: ChildProcess;
  url: string;
  /** ms from spawn to the "listening" line. */
  startMs: number;
}

function startHub(env: NodeJS.ProcessEnv): Promise<Hub> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [path.join(ROOT, 'dist/server/main.js')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /hub listening on (\S+)/.exec(out);
      if (m) {
        proc.stdout?.removeAllListeners('data');
        proc.stdout?.resume();
        resolve({ proc, url: m[1], startMs: performance.now() - t0 });
      }
    });
    proc.once('exit', (code) => reject(new Error(`hub exited with ${code} before listening`)));
  });
}

function stopHub(hub: Hub): Promise<void> {
  return new Promise((resolve) => {
    hub.proc.once('exit', () => resolve());
    hub.proc.kill('SIGTERM');
  });
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: PROBE_PARALLEL });

function get(url: string, token: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0 }));
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function inParallel<T>(items: T[], n: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** Median latency of `samples` sequential GETs of `url`, after a short warm-up. */
async function latency(url: string, token: string, samples = LATENCY_SAMPLES): Promise<number> {
  for (let i = 0; i < 20; i++) await get(url, token);
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const r = await get(url, token);
    if (r.status !== 200) throw new Error(`${url} answered ${r.status}`);
    ms.push(r.ms);
  }
  return median(ms);
}

interface Phase {
  rssMb: number;
  listMs: number;
  appsMs: number;
  proxyMs: number;
}

async function measure(hub: Hub, token: string, appPath: string): Promise<Phase> {
  await new Promise((r) => setTimeout(r, 2000));
  return {
    rssMb: rssMb(hub.proc.pid ?? 0),
    listMs: await latency(`${hub.url}/api/v1/containers`, token, 50),
    appsMs: await latency(`${hub.url}/api/v1/applications`, token, 50),
    proxyMs: await latency(`${hub.url}${appPath}`, token),
  };
}

async function main(): Promise<void> {
  execFileSync('npm', ['run', '--silent', 'build:server'], { cwd: ROOT, stdio: 'inherit' });
  const docker = new Dockerode();
  const run = crypto.randomBytes(3).toString('hex');
  const realm = `bench-scale-${run}`;
  const network = `hub-bench-scale-${run}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-bench-scale-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    DOCKER_HOST: process.env.DOCKER_HOST,
    HUB_CONFIG: path.join(ROOT, 'config', 'hub.json'),
    HUB_PORT: '0',
    HUB_DATA_DIR: dataDir,
    HUB_REALM: realm,
    HUB_ADMIN_PASSWORD: ADMIN_PASSWORD,
    HUB_LOG_LEVEL: 'warn',
    HUB_SPAWNER__NETWORK: network,
    HUB_SPAWNER__MAX_TOTAL: String(N + 10),
    HUB_SPAWNER__MAX_PER_USER: String(N + 10),
    HUB_SPAWNER__MAX_CONCURRENT_SPAWNS: String(START_PARALLEL),
    HUB_SPAWNER__INIT: 'true',
  };
  let hub: Hub | null = null;
  try {
    const image = (
      await new TestImages(docker).build('bench-scale-web', {
        cmd: WEB_CMD,
        labels: appLabels({ ui_name: 'Scale', type: 'webapp' }),
      })
    ).ref;
    hub = await startHub(env);
    const admin = new Client(hub.url);
    if ((await admin.login('admin', ADMIN_PASSWORD)).status !== 200) throw new Error('login');
    await admin.json('/api/v1/admin/users', {
      method: 'POST',
      json: { name: 'scale', password: 'scale-password-1' },
    });
    await admin.json('/api/v1/admin/applications', { method: 'POST', json: { image } });
    const grants: string[] = [];
    for (let i = 0; i < N; i++) {
      const g = await admin.json<{ mapping_id: string }>('/api/v1/admin/accounting', {
        method: 'POST',
        json: { user: 'scale', image, policy: { app_license: `scale-${i}` } },
      });
      if (g.status !== 201) throw new Error(`grant ${i}: ${g.status} ${JSON.stringify(g.body)}`);
      grants.push(g.body.mapping_id);
    }
    const user = new Client(hub.url);
    await user.login('scale', 'scale-password-1');
    const token = (
      await user.json<{ token: string }>('/api/v1/tokens', { method: 'POST', json: {} })
    ).body.token;
    const paths: string[] = [];
    const startAll = async (ids: string[]) => {
      await inParallel(ids, START_PARALLEL, async (mappingId) => {
        const res = await user.json<{ url: string }>('/api/v1/containers', {
          method: 'POST',
          json: { mapping_id: mappingId },
        });
        if (res.status !== 201) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
        paths.push(new URL(res.body.url, hub?.url).pathname);
      });
    };

    await startAll(grants.slice(0, SMALL));
    const probe = paths[0];
    const small = await measure(hub, token, probe);
    const t0 = performance.now();
    await startAll(grants.slice(SMALL));
    const startedIn = performance.now() - t0;
    const large = await measure(hub, token, probe);

    // A restart: containers keep running and are adopted; every route must answer again.
    await stopHub(hub);
    hub = await startHub(env);
    const tRoutes = performance.now();
    const firstMs: number[] = [];
    await inParallel(paths, PROBE_PARALLEL, async (p) => {
      const r = await get(`${hub?.url}${p}`, token);
      if (r.status !== 200) throw new Error(`after restart ${p} answered ${r.status}`);
      firstMs.push(r.ms);
    });
    const allRoutesMs = performance.now() - tRoutes;
    const after = await measure(hub, token, probe);

    const f = (x: number, d = 2) => x.toFixed(d);
    console.log(
      [
        `scale: one hub, ${N} running containers (busybox httpd); medians, ms`,
        `${''.padEnd(34)}${`${SMALL} routes`.padStart(12)}${`${N} routes`.padStart(12)}${'after restart'.padStart(15)}`,
        `${'hub RSS (MB)'.padEnd(34)}${f(small.rssMb, 0).padStart(12)}${f(large.rssMb, 0).padStart(12)}${f(after.rssMb, 0).padStart(15)}`,
        `${'GET /api/v1/containers'.padEnd(34)}${f(small.listMs).padStart(12)}${f(large.listMs).padStart(12)}${f(after.listMs).padStart(15)}`,
        `${'GET /api/v1/applications'.padEnd(34)}${f(small.appsMs).padStart(12)}${f(large.appsMs).padStart(12)}${f(after.appsMs).padStart(15)}`,
        `${'proxied GET (bearer)'.padEnd(34)}${f(small.proxyMs, 3).padStart(12)}${f(large.proxyMs, 3).padStart(12)}${f(after.proxyMs, 3).padStart(15)}`,
        `started ${N - SMALL} containers in ${f(startedIn / 1000, 1)} s (${START_PARALLEL} in flight)`,
        `restart: port open after ${f(hub.startMs / 1000, 2)} s; every route answered after ${f(allRoutesMs / 1000, 2)} s more (${PROBE_PARALLEL} in flight), first request median ${f(median(firstMs), 2)} ms`,
        `ratios: proxy ${N}/${SMALL} routes ${f(large.proxyMs / small.proxyMs, 3)} (target ≤ 1.10); ` +
          `proxy after/before restart ${f(after.proxyMs / large.proxyMs, 3)} (target ≤ 1.00); ` +
          `list ${N}/${SMALL} ${f(large.listMs / small.listMs, 1)}x; RSS ${f(large.rssMb, 0)} MB (target < 150 MB at 1,000)`,
      ].join('\n'),
    );
  } finally {
    if (hub) await stopHub(hub).catch(() => undefined);
    agent.destroy();
    await cleanupRealm(docker, realm, network).catch((err: Error) => console.error(err.message));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(`scale bench failed: ${err.message}`);
  process.exit(1);
});
