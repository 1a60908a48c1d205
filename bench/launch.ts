/**
 * Launch benchmark (issue 13): time from Start (`POST /api/v1/containers`) to the first 200
 * through the hub's proxy on three paths, in the same run and interleaved so drift hits all:
 *   - warm: the user signed in, the hub warmed their usual app (README "Warm starts"; the
 *     sign-in and the warm start are not timed: the user is on the portal meanwhile), Start
 *     claims it;
 *   - cold: Start with nothing warm (a full container start through the hub);
 *   - raw: a bare `docker run` of the same image + polling its URL every 10 ms until 200.
 * Prints medians and the warm/raw and cold/raw ratios; target: warm median under 300 ms.
 *
 *   node -r @swc-node/register bench/launch.ts        (BENCH_LAUNCH_N=7 by default)
 */
import type { Client, TestHub } from '../test/helpers/hub';
import { benchHub, pollUntil200, rawStart, stats, type SpawnStats } from './spawn';

const N = Number(process.env.BENCH_LAUNCH_N ?? 7);
const TARGET_MS = 300;

export interface LaunchBenchResult {
  n: number;
  warm: SpawnStats;
  cold: SpawnStats;
  raw: SpawnStats;
  table: string;
}

/** Start → first proxied 200 for `client`'s grant; says whether a warm container was claimed. */
async function timedStart(
  th: TestHub,
  client: Client,
  token: string,
  mappingId: string,
): Promise<{ ms: number; urlId: string; warm: boolean }> {
  const warmIds = new Set(th.hub.containers.warmContainers().map((w) => w.url_id));
  const t0 = performance.now();
  const res = await client.json<{ url: string; url_id: string }>('/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: mappingId },
  });
  if (res.status !== 201) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
  await pollUntil200(`${th.url}${new URL(res.body.url, th.url).pathname}`, {
    authorization: `Bearer ${token}`,
  });
  return { ms: performance.now() - t0, urlId: res.body.url_id, warm: warmIds.has(res.body.url_id) };
}

function formatTable(r: Omit<LaunchBenchResult, 'table'>): string {
  const row = (name: string, s: SpawnStats) =>
    `${name.padEnd(10)}${s.median_ms.toFixed(0).padStart(8)}${s.mean_ms.toFixed(0).padStart(8)}${s.p95_ms.toFixed(0).padStart(8)}`;
  const ratio = (a: SpawnStats) => (a.median_ms / r.raw.median_ms).toFixed(3);
  const met = r.warm.median_ms < TARGET_MS ? 'met' : 'MISSED';
  return [
    `launch: Start → first proxied 200 (hub) vs docker run + first 200 (raw), N=${r.n} (ms)`,
    `${''.padEnd(10)}${'median'.padStart(8)}${'mean'.padStart(8)}${'p95'.padStart(8)}`,
    row('raw', r.raw),
    row('hub cold', r.cold),
    row('hub warm', r.warm),
    `ratio (median): warm/raw ${ratio(r.warm)}, cold/raw ${ratio(r.cold)}; ` +
      `target warm median < ${TARGET_MS} ms: ${met} (${r.warm.median_ms.toFixed(0)} ms)`,
  ].join('\n');
}

/** Runs the benchmark and returns the numbers and a printable table. */
export async function runLaunchBench(n = N): Promise<LaunchBenchResult> {
  const bench = await benchHub(
    'launch',
    { init: true, warm_start: { enabled: true, min_launches: 1 } },
    [{}],
  );
  try {
    const { env, password } = bench;
    const { docker, th, user, token } = env;
    const [mappingId] = env.grants;
    const stop = (urlId: string) => user.fetch(`/api/v1/containers/${urlId}`, { method: 'DELETE' });
    const remove = (id: string) =>
      docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);

    // Warm-up (first container on the network, first JIT); it is also the launch history.
    const w0 = await rawStart(env, 0, false);
    await remove(w0.id);
    await stop((await timedStart(th, user, token, mappingId)).urlId);

    const raw: number[] = [];
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = await rawStart(env, i, false);
      raw.push(r.ms);
      await remove(r.id);

      const c = await timedStart(th, user, token, mappingId);
      if (c.warm) throw new Error('the cold start claimed a warm container');
      cold.push(c.ms);
      await stop(c.urlId);

      // Sign-in warms the app; the user reads the portal meanwhile, so this is not timed.
      const signedIn = await th.loginAs('bench', password);
      await th.hub.containers.warmSettled();
      const w = await timedStart(th, signedIn, token, mappingId);
      if (!w.warm) throw new Error('no warm container was claimed: see the hub log');
      warm.push(w.ms);
      await stop(w.urlId);
    }
    const result = {
      n,
      raw: stats(raw, 0),
      cold: stats(cold, 0),
      warm: stats(warm, 0),
    };
    return { ...result, table: formatTable(result) };
  } finally {
    await bench.close();
  }
}

if (require.main === module) {
  runLaunchBench().then(
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
