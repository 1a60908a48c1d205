/**
 * Scale benchmark: one hub process serving N running containers (300 by default; `--n 1000`
 * or BENCH_SCALE_N), FROM-scratch busybox web apps. In one run it measures, each against a
 * reference taken in the same run:
 *   - the hub's RSS with 10 and with N containers;
 *   - listing the user's containers and applications with 10 and with N;
 *   - a proxied request (bearer token, hub origin) to one app while the hub routes 10 vs N
 *     (target: flat, within 10 %), and the same request straight to the container's address
 *     (no hub) at both points, which tells the host's cost of N containers (N veths on one
 *     bridge, conntrack) apart from the hub's own: the hub's share is proxied minus direct;
 *   - what the hub's memory is made of at both points (V8 heap, external, RSS, from the
 *     hub's own /metrics); with `--heap-snapshot` also the objects that grow from 10 to N
 *     routes, by constructor, from two V8 heap snapshots of the hub;
 *   - a restart: time until the port opens and until every route answers again (16 in
 *     flight), and the same requests' latency right after the restart vs before it (target:
 *     no slower), RSS after the restart.
 *
 *   node -r @swc-node/register bench/scale.ts [--n 1000] [--heap-snapshot]
 *
 * The hub runs as in production (`npm run build:server`, then node dist/server/main.js with
 * scripts/start.sh's flags) in a child process, with a temp data folder, its own realm and network; everything is removed by
 * realm label at the end.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { LABELS } from '../server/spawner/names';
import { Client } from '../test/helpers/hub';
import { appLabels, TestImages } from '../test/helpers/images';
import { cleanupRealm, realmContainers, WEB_CMD } from '../test/integration/spawner-fixtures';
import { heapGrowth } from './heap-diff';

const ROOT = path.join(__dirname, '..');
const argN = process.argv.indexOf('--n');
const N = Number(argN > 0 ? process.argv[argN + 1] : (process.env.BENCH_SCALE_N ?? 300));
const SMALL = 10;
const START_PARALLEL = 8;
const PROBE_PARALLEL = 16;
const LATENCY_SAMPLES = 400;
const ADMIN_PASSWORD = 'bench-admin-password';
const HEAP_SNAPSHOTS = process.argv.includes('--heap-snapshot');
/** With --heap-snapshot: keep the snapshots in this folder (for bench/heap-diff.ts by hand). */
const KEEP_SNAPSHOTS = process.env.BENCH_HEAP_DIR;

interface Hub {
  proc: ChildProcess;
  url: string;
  /** ms from spawn to the "listening" line. */
  startMs: number;
}

/** Node flags the hub runs with in production (scripts/start.sh). */
const HUB_NODE_FLAGS = ['--max-semi-space-size=2'];

function startHub(env: NodeJS.ProcessEnv, snapshotDir?: string): Promise<Hub> {
  const t0 = performance.now();
  // SIGUSR2 makes the hub write a heap snapshot (only when asked for: it stops the hub a while).
  const flags = snapshotDir
    ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`]
    : [];
  const main = path.join(ROOT, 'dist/server/main.js');
  const proc = spawn(process.execPath, [...HUB_NODE_FLAGS, ...flags, main], {
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
    if (hub.proc.exitCode !== null || hub.proc.signalCode !== null) return resolve();
    hub.proc.once('exit', () => resolve());
    hub.proc.kill('SIGTERM');
  });
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: PROBE_PARALLEL });

function get(url: string, token?: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  return new Promise((resolve) => {
    const req = http.get(url, { agent, headers }, (res) => {
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
async function latency(url: string, token?: string, samples = LATENCY_SAMPLES): Promise<number> {
  for (let i = 0; i < 20; i++) await get(url, token);
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const r = await get(url, token);
    if (r.status !== 200) throw new Error(`${url} answered ${r.status}`);
    ms.push(r.ms);
  }
  return median(ms);
}

/** What the hub's memory is made of, from its own /metrics (prom-client's process metrics). */
interface Memory {
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
}

async function memory(hub: Hub): Promise<Memory> {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  const mb = (name: string) =>
    Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
  return {
    heapUsedMb: mb('hub_process_nodejs_heap_size_used_bytes'),
    heapTotalMb: mb('hub_process_nodejs_heap_size_total_bytes'),
    externalMb: mb('hub_process_nodejs_external_memory_bytes'),
  };
}

interface Phase extends Memory {
  rssMb: number;
  listMs: number;
  appsMs: number;
  proxyMs: number;
  /** The same GET straight to the container (no hub): the host's share of the latency. */
  directMs: number;
  /** Heap snapshot file, with --heap-snapshot. */
  snapshot?: string;
}

async function measure(
  hub: Hub,
  token: string,
  appPath: string,
  directUrl: string,
  snapshotDir?: string,
): Promise<Phase> {
  await new Promise((r) => setTimeout(r, 2000));
  // Interleaved, so that load from elsewhere on the machine falls on both alike.
  const proxied: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < 4; i++) {
    proxied.push(await latency(`${hub.url}${appPath}`, token, LATENCY_SAMPLES / 4));
    direct.push(await latency(directUrl, undefined, LATENCY_SAMPLES / 4));
  }
  const phase: Phase = {
    rssMb: rssMb(hub.proc.pid ?? 0),
    ...(await memory(hub)),
    listMs: await latency(`${hub.url}/api/v1/containers`, token, 50),
    appsMs: await latency(`${hub.url}/api/v1/applications`, token, 50),
    proxyMs: median(proxied),
    directMs: median(direct),
  };
  if (snapshotDir) phase.snapshot = await heapSnapshot(hub, snapshotDir);
  return phase;
}

/** Makes the hub write a heap snapshot (SIGUSR2) and waits until the file is complete. */
async function heapSnapshot(hub: Hub, dir: string): Promise<string> {
  const before = new Set(fs.readdirSync(dir));
  hub.proc.kill('SIGUSR2');
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const file = fs.readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    if (!file) continue;
    // Written in one go by the hub's main thread: complete once the hub answers again.
    if ((await get(`${hub.url}/health`)).status) return path.join(dir, file);
  }
}

/** `http://<ip>:8888<path>`: the container of `appPath` straight from this host, no hub. */
async function directUrlOf(docker: Dockerode, network: string, appPath: string): Promise<string> {
  const urlId = appPath.split('/')[4];
  const [c] = await docker.listContainers({
    filters: { label: [`${LABELS.urlId}=${urlId}`] },
  });
  const ip = c?.NetworkSettings?.Networks?.[network]?.IPAddress;
  if (!ip) throw new Error(`no address on ${network} for the container of ${appPath}`);
  return `http://${ip}:8888${appPath}`;
}

async function main(): Promise<void> {
  execFileSync('npm', ['run', '--silent', 'build:server'], { cwd: ROOT, stdio: 'inherit' });
  const docker = new Dockerode();
  const run = crypto.randomBytes(3).toString('hex');
  const realm = `bench-scale-${run}`;
  const network = `hub-bench-scale-${run}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-bench-scale-'));
  if (HEAP_SNAPSHOTS && KEEP_SNAPSHOTS) fs.mkdirSync(KEEP_SNAPSHOTS, { recursive: true });
  const snapshotDir = !HEAP_SNAPSHOTS
    ? undefined
    : (KEEP_SNAPSHOTS ?? fs.mkdtempSync(path.join(os.tmpdir(), 'hub-bench-heap-')));
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
  const images = new TestImages(docker);
  let hub: Hub | null = null;
  // Ctrl-C or a kill must not leave N containers behind: stop the hub, then remove by realm.
  let cleaned: Promise<void> | null = null;
  const cleanup = () =>
    (cleaned ??= (async () => {
      if (hub) await stopHub(hub).catch(() => undefined);
      agent.destroy();
      // N containers one by one take minutes; each id is removed by one worker only (two
      // removals of one container at once can leave a stale endpoint on the network).
      const left = await realmContainers(docker, realm).catch(() => []);
      await inParallel(left, START_PARALLEL, async (c) => {
        await docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined);
      });
      await cleanupRealm(docker, realm, network).catch((err: Error) => console.error(err.message));
      await images.removeAll().catch((err: Error) => console.error(err.message));
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (snapshotDir && !KEEP_SNAPSHOTS) fs.rmSync(snapshotDir, { recursive: true, force: true });
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      console.error(`scale bench: ${signal}, removing the bench's containers`);
      void cleanup().then(() => process.exit(130));
    });
  try {
    const image = (
      await images.build('bench-scale-web', {
        cmd: WEB_CMD,
        labels: appLabels({ ui_name: 'Scale', type: 'webapp' }),
      })
    ).ref;
    hub = await startHub(env, snapshotDir);
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
    const direct = await directUrlOf(docker, network, probe);
    const small = await measure(hub, token, probe, direct, snapshotDir);
    const t0 = performance.now();
    await startAll(grants.slice(SMALL));
    const startedIn = performance.now() - t0;
    const large = await measure(hub, token, probe, direct, snapshotDir);

    // A restart: containers keep running and are adopted; every route must answer again.
    await stopHub(hub);
    hub = await startHub(env, snapshotDir);
    const tRoutes = performance.now();
    const firstMs: number[] = [];
    await inParallel(paths, PROBE_PARALLEL, async (p) => {
      const r = await get(`${hub?.url}${p}`, token);
      if (r.status !== 200) throw new Error(`after restart ${p} answered ${r.status}`);
      firstMs.push(r.ms);
    });
    const allRoutesMs = performance.now() - tRoutes;
    const after = await measure(hub, token, probe, direct, snapshotDir);

    const f = (x: number, d = 2) => x.toFixed(d);
    const row = (label: string, pick: (p: Phase) => number, d = 2) =>
      `${label.padEnd(34)}${f(pick(small), d).padStart(12)}${f(pick(large), d).padStart(12)}${f(pick(after), d).padStart(15)}`;
    const hubShare = (p: Phase) => p.proxyMs - p.directMs;
    console.log(
      [
        `scale: one hub, ${N} running containers (busybox httpd); medians, ms`,
        `${''.padEnd(34)}${`${SMALL} routes`.padStart(12)}${`${N} routes`.padStart(12)}${'after restart'.padStart(15)}`,
        row('hub RSS (MB)', (p) => p.rssMb, 0),
        row('  V8 heap used / total (MB)', (p) => p.heapUsedMb, 1) +
          `  / ${f(small.heapTotalMb, 1)}, ${f(large.heapTotalMb, 1)}, ${f(after.heapTotalMb, 1)}`,
        row('  external (buffers, MB)', (p) => p.externalMb, 1),
        row('GET /api/v1/containers', (p) => p.listMs),
        row('GET /api/v1/applications', (p) => p.appsMs),
        row('proxied GET (bearer)', (p) => p.proxyMs, 3),
        row('direct GET (container address)', (p) => p.directMs, 3),
        row("hub's share (proxied − direct)", hubShare, 3),
        `started ${N - SMALL} containers in ${f(startedIn / 1000, 1)} s (${START_PARALLEL} in flight)`,
        `restart: port open after ${f(hub.startMs / 1000, 2)} s; every route answered after ${f(allRoutesMs / 1000, 2)} s more (${PROBE_PARALLEL} in flight), first request median ${f(median(firstMs), 2)} ms`,
        `ratios: proxy ${N}/${SMALL} routes ${f(large.proxyMs / small.proxyMs, 3)} (target ≤ 1.10); ` +
          `direct ${N}/${SMALL} ${f(large.directMs / small.directMs, 3)} (the host's part); ` +
          `hub's share ${N}/${SMALL} ${f(hubShare(large) / hubShare(small), 3)}; ` +
          `proxy after/before restart ${f(after.proxyMs / large.proxyMs, 3)} (target ≤ 1.00); ` +
          `list ${N}/${SMALL} ${f(large.listMs / small.listMs, 1)}x; RSS ${f(large.rssMb, 0)} MB (target < 150 MB at 1,000)`,
      ].join('\n'),
    );
    if (small.snapshot && large.snapshot) {
      console.log(
        `V8 heap growth from ${SMALL} to ${N} routes, by kind of object (self size); the RSS ` +
          `at ${N} routes above includes the snapshot at ${SMALL} (run without --heap-snapshot for RSS):`,
      );
      console.log(heapGrowth(small.snapshot, large.snapshot).join('\n'));
    }
    if (large.snapshot && after.snapshot) {
      console.log(`V8 heap growth from ${N} routes to the same ${N} after the restart:`);
      console.log(heapGrowth(large.snapshot, after.snapshot).join('\n'));
    }
  } finally {
    await cleanup();
  }
}

main().catch((err: Error) => {
  console.error(`scale bench failed: ${err.message}`);
  process.exit(1);
});
