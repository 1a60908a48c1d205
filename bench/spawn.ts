/**
 * Spawn benchmark: time from `POST /api/v1/containers` to the first 200 through the hub's proxy,
 * against raw Docker (create + start + poll the app's URL every 10 ms) of the same image on the
 * same network, in the same run. N sequential starts (interleaved hub/raw, so drift hits both)
 * and N concurrent starts of each (BENCH_SPAWN_ROUNDS batches, alternating order). Target: hub overhead under 10 % of raw Docker.
 *
 *   node -r @swc-node/register bench/spawn.ts        (BENCH_SPAWN_N=5 by default)
 *
 * The hub runs in this process (port 0, temp data folder, its own realm and network); the app is
 * the busybox web test app. Stopping containers is not timed.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import Dockerode from 'dockerode';
import { buildCreateOptions } from '../server/spawner/container-spec';
import { resolveLimits } from '../server/spawner/limits';
import { LABELS } from '../server/spawner/names';
import type { ResourceLimits } from '../server/spawner/spawner';
import type { HubConfig } from '../server/config/schema';
import type { DeepPartial } from '../server/core';
import { ADMIN, bootHub, type Client, type TestHub } from '../test/helpers/hub';
import { appLabels, TestImages } from '../test/helpers/images';
import { cleanupRealm, grantApp, WEB_CMD } from '../test/integration/spawner-fixtures';

const N = Number(process.env.BENCH_SPAWN_N ?? 5);
const RAW_POLL_MS = 10;
/** Concurrent batches per side, alternating which goes first. */
const ROUNDS = Number(process.env.BENCH_SPAWN_ROUNDS ?? 3);

export interface SpawnStats {
  n: number;
  median_ms: number;
  mean_ms: number;
  p95_ms: number;
  /** Sequential: sum of all starts; concurrent: median wall time of a batch. */
  wall_ms: number;
}

export interface SpawnBenchResult {
  n: number;
  /** `raw`: same container spec as the hub; `plain`: a bare docker run (sequential only). */
  sequential: { hub: SpawnStats; raw: SpawnStats; plain: SpawnStats; ratio: number };
  concurrent: { hub: SpawnStats; raw: SpawnStats; ratio: number };
  table: string;
}

export function stats(samples: number[], wall: number): SpawnStats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return {
    n: s.length,
    median_ms: s.length % 2 ? at(0.5) : (s[s.length / 2 - 1] + s[s.length / 2]) / 2,
    mean_ms: s.reduce((a, b) => a + b, 0) / s.length,
    p95_ms: at(0.95),
    wall_ms: wall,
  };
}

function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
  });
}

export async function pollUntil200(url: string, headers?: Record<string, string>): Promise<void> {
  const end = Date.now() + 120_000;
  while ((await get(url, headers)) !== 200) {
    if (Date.now() > end) throw new Error(`no 200 from ${url}`);
    await new Promise((r) => setTimeout(r, RAW_POLL_MS));
  }
}

export interface Env {
  docker: Dockerode;
  th: TestHub;
  user: Client;
  /** The user's API token, for polling the app's route. */
  token: string;
  grants: string[];
  image: string;
  network: string;
  realm: string;
  limits: ResourceLimits;
  port: number;
}

/** A hub set up for a start benchmark, with what `rawStart` needs; `close()` removes it all. */
export interface BenchHub {
  env: Env;
  admin: Client;
  /** The bench user's password, for signing in again. */
  password: string;
  close(): Promise<void>;
}

/**
 * The spawn and launch benchmarks' common set-up: the busybox web app built as an image of
 * this run, a hub in this process (port 0, temp data folder, a realm and network of this run,
 * `spawner` on top), the user `bench` with one grant per entry of `policies` and an API token.
 * Everything is removed by `close()`, or here when the set-up itself fails.
 */
export async function benchHub(
  name: string,
  spawner: DeepPartial<HubConfig['spawner']>,
  policies: Array<Record<string, unknown>>,
): Promise<BenchHub> {
  const docker = new Dockerode();
  const images = new TestImages(docker);
  const run = crypto.randomBytes(3).toString('hex');
  const realm = `bench-${name}-${run}`;
  const network = `hub-bench-net-${run}`;
  const password = 'bench-password-123';
  let th: TestHub | null = null;
  const close = async () => {
    await th?.close();
    await cleanupRealm(docker, realm, network);
    await images.removeAll();
  };
  try {
    const image = (
      await images.build(`bench-${name}-web`, {
        cmd: WEB_CMD,
        labels: appLabels({ ui_name: 'Bench', type: 'webapp' }),
      })
    ).ref;
    th = await bootHub(
      { spawner: { network, http_timeout_seconds: 60, ...spawner } },
      { env: { HUB_REALM: realm } },
    );
    const admin = await th.loginAs(ADMIN.name, ADMIN.password);
    const user = await th.userClient('bench', password);
    const grants: string[] = [];
    for (const policy of policies) grants.push(await grantApp(admin, 'bench', image, policy));
    const token = (
      await user.json<{ token: string }>('/api/v1/tokens', { method: 'POST', json: {} })
    ).body.token;
    const cfg = th.hub.config.spawner;
    const env: Env = {
      docker,
      th,
      user,
      token,
      grants,
      image,
      network,
      realm,
      limits: resolveLimits(cfg, {}),
      port: cfg.container_port,
    };
    return { env, admin, password, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Raw Docker: create + start on the hub network, then poll the app's URL until 200. `secure`
 * uses the very container spec the hub creates (limits, dropped capabilities, no-new-privileges),
 * which Docker itself needs some tens of ms more to start: that is the fair baseline for the
 * hub's own overhead; `plain` is a bare `docker run`, to show what the secure spec costs.
 */
export async function rawStart(
  env: Env,
  i: number,
  secure = true,
): Promise<{ ms: number; id: string }> {
  const urlId = crypto.randomBytes(16).toString('hex');
  const name = `bench-raw-${env.realm}-${i}-${urlId.slice(0, 6)}`;
  const env0 = { JPY_USER: 'bench', URL_ID: urlId };
  const spec = secure
    ? buildCreateOptions(
        {
          urlId,
          user: 'bench',
          mappingId: `raw-${i}`,
          image: env.image,
          name,
          env: env0,
          mounts: [],
          limits: env.limits,
        },
        env.port,
        { realm: env.realm, network: env.network, connect: 'container-ip' },
      )
    : {
        Image: env.image,
        name,
        Env: Object.entries(env0).map(([k, v]) => `${k}=${v}`),
        Labels: { [LABELS.realm]: env.realm },
        HostConfig: { NetworkMode: env.network },
      };
  const t0 = performance.now();
  const c = await env.docker.createContainer(spec);
  await c.start();
  const info = await c.inspect();
  const ip = info.NetworkSettings.Networks[env.network].IPAddress;
  await pollUntil200(`http://${ip}:8888/user/bench/containers/${urlId}/`);
  return { ms: performance.now() - t0, id: c.id };
}

/** Through the hub: POST, then the first proxied GET must answer 200. */
async function hubStart(env: Env, i: number): Promise<{ ms: number; urlId: string }> {
  const t0 = performance.now();
  const res = await env.user.json<{ url: string; url_id: string }>('/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: env.grants[i] },
  });
  if (res.status !== 201) throw new Error(`start ${i}: ${res.status} ${JSON.stringify(res.body)}`);
  // The app answers on its own origin; a bearer token reaches the same route on the hub's.
  await pollUntil200(`${env.th.url}${new URL(res.body.url, env.th.url).pathname}`, {
    authorization: `Bearer ${env.token}`,
  });
  return { ms: performance.now() - t0, urlId: res.body.url_id };
}

async function cleanup(env: Env, rawIds: string[], urlIds: string[]): Promise<void> {
  await Promise.all([
    ...rawIds.map((id) =>
      env.docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
    ...urlIds.map((u) => env.user.fetch(`/api/v1/containers/${u}`, { method: 'DELETE' })),
  ]);
}

function formatTable(r: Omit<SpawnBenchResult, 'table'>): string {
  const row = (name: string, s: SpawnStats) =>
    `${name.padEnd(22)}${s.median_ms.toFixed(0).padStart(8)}${s.mean_ms.toFixed(0).padStart(8)}${s.p95_ms.toFixed(0).padStart(8)}${s.wall_ms.toFixed(0).padStart(9)}`;
  const pct = (ratio: number) => `${((ratio - 1) * 100).toFixed(1)} %`;
  return [
    `spawn: POST → first proxied 200 vs docker create+start+poll, N=${r.n} (ms); raw = same spec as the hub, raw plain = bare docker run`,
    `${''.padEnd(22)}${'median'.padStart(8)}${'mean'.padStart(8)}${'p95'.padStart(8)}${'wall'.padStart(9)}`,
    row('sequential raw plain', r.sequential.plain),
    row('sequential raw', r.sequential.raw),
    row('sequential hub', r.sequential.hub),
    row('concurrent raw', r.concurrent.raw),
    row('concurrent hub', r.concurrent.hub),
    `ratio hub/raw (median): sequential ${r.sequential.ratio.toFixed(3)} (overhead ${pct(r.sequential.ratio)}), ` +
      `concurrent ${r.concurrent.ratio.toFixed(3)} (overhead ${pct(r.concurrent.ratio)}); target overhead < 10 %`,
  ].join('\n');
}

/** Runs the benchmark and returns the numbers and a printable table. */
export async function runSpawnBench(n = N): Promise<SpawnBenchResult> {
  const bench = await benchHub(
    'spawn',
    { max_per_user: 2 * n + 2, max_concurrent_spawns: n },
    Array.from({ length: n + 1 }, (_, i) => ({ app_license: `bench-${i}` })),
  );
  try {
    const { env } = bench;

    // Warm-up: first container on a new network, first image use, first JIT of the hub's paths.
    const w1 = await rawStart(env, n);
    const w2 = await hubStart(env, n);
    await cleanup(env, [w1.id], [w2.urlId]);

    const seqRaw: number[] = [];
    const seqPlain: number[] = [];
    const seqHub: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = await rawStart(env, i, false);
      const r = await rawStart(env, i);
      const h = await hubStart(env, i);
      seqPlain.push(p.ms);
      seqRaw.push(r.ms);
      seqHub.push(h.ms);
      await cleanup(env, [p.id, r.id], [h.urlId]);
    }

    // Concurrent batches, several rounds in alternating order: one batch is too noisy to judge.
    const rawBatches: Array<{ ms: number[]; wall: number }> = [];
    const hubBatches: Array<{ ms: number[]; wall: number }> = [];
    const rawBatch = async () => {
      const t0 = performance.now();
      const raws = await Promise.all(Array.from({ length: n }, (_, i) => rawStart(env, i)));
      rawBatches.push({ ms: raws.map((r) => r.ms), wall: performance.now() - t0 });
      await cleanup(
        env,
        raws.map((r) => r.id),
        [],
      );
    };
    const hubBatch = async () => {
      const t0 = performance.now();
      const hubs = await Promise.all(Array.from({ length: n }, (_, i) => hubStart(env, i)));
      hubBatches.push({ ms: hubs.map((h) => h.ms), wall: performance.now() - t0 });
      await cleanup(
        env,
        [],
        hubs.map((h) => h.urlId),
      );
    };
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        await rawBatch();
        await hubBatch();
      } else {
        await hubBatch();
        await rawBatch();
      }
    }
    const medianWall = (bs: Array<{ wall: number }>) =>
      stats(
        bs.map((b) => b.wall),
        0,
      ).median_ms;

    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const sequential = {
      plain: stats(seqPlain, sum(seqPlain)),
      raw: stats(seqRaw, sum(seqRaw)),
      hub: stats(seqHub, sum(seqHub)),
    };
    const concurrent = {
      raw: stats(
        rawBatches.flatMap((b) => b.ms),
        medianWall(rawBatches),
      ),
      hub: stats(
        hubBatches.flatMap((b) => b.ms),
        medianWall(hubBatches),
      ),
    };
    const result = {
      n,
      sequential: { ...sequential, ratio: sequential.hub.median_ms / sequential.raw.median_ms },
      concurrent: { ...concurrent, ratio: concurrent.hub.median_ms / concurrent.raw.median_ms },
    };
    return { ...result, table: formatTable(result) };
  } finally {
    await bench.close();
  }
}

if (require.main === module) {
  runSpawnBench().then(
    (r) => {
      console.log(r.table);
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
