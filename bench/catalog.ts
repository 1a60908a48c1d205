import crypto from 'node:crypto';
import fs from 'node:fs';
import type Dockerode from 'dockerode';
import { Catalog } from '../server/catalog/catalog';
import type { ImageEngine } from '../server/catalog/discovery';
import { encodePng } from '../server/catalog/png';
import { ADMIN, bootHub, type Client, type TestHub } from '../test/helpers/hub';
import { appLabels, TestImages } from '../test/helpers/images';

/**
 * Does a user's application list stay fast as the catalogue grows? Boots the real hub twice,
 * with 10 and with 1,000 registered applications, 10,000 grants each time, and times the same
 * HTTP calls in both. A ratio near 1 for the fixed-size lists means their cost does not grow
 * with the catalogue; lists that grow with it are reported per entry too.
 *
 * Three images are real (built on the engine); the rest come from a synthetic engine that adds
 * labelled image records to the real listing, so the catalogue parses and caches them exactly
 * as it would real ones.
 *
 * Run: node -r @swc-node/register bench/catalog.ts
 */

const TOTAL_GRANTS = 10_000;
const SIZES = [10, 1000] as const;
const OTHER_USERS = 500;

/** One timed call, measured at both catalogue sizes. */
export interface CatalogBenchRow {
  case: string;
  /** Entries in the answer at each size. */
  entries: [number, number];
  /** Median milliseconds at each size. */
  median_ms: [number, number];
  p95_ms: [number, number];
  /** median at 1,000 applications / median at 10. */
  ratio: number;
}

export interface CatalogBenchResult {
  sizes: readonly number[];
  grants: number;
  rows: CatalogBenchRow[];
  /** The rows as a printable table. */
  table: string;
}

interface CaseSpec {
  name: string;
  client: 'user10' | 'userAll' | 'admin';
  path: (ctx: { user10: string }) => string;
  runs: number;
}

const CASES: CaseSpec[] = [
  {
    name: 'GET /applications, user with 10 grants',
    client: 'user10',
    path: () => '/api/v1/applications',
    runs: 200,
  },
  {
    name: 'GET /applications, user granted every app',
    client: 'userAll',
    path: () => '/api/v1/applications',
    runs: 60,
  },
  {
    name: 'GET /admin/applications',
    client: 'admin',
    path: () => '/api/v1/admin/applications',
    runs: 60,
  },
  {
    name: 'GET /admin/applications/discovered',
    client: 'admin',
    path: () => '/api/v1/admin/applications/discovered',
    runs: 60,
  },
  {
    name: 'GET /admin/accounting?user=<10 grants>',
    client: 'admin',
    path: (c) => `/api/v1/admin/accounting?user=${c.user10}`,
    runs: 200,
  },
  {
    name: 'GET /admin/accounting (all 10,000)',
    client: 'admin',
    path: () => '/api/v1/admin/accounting',
    runs: 15,
  },
];

function sqlNow(): string {
  return new Date().toISOString().replace('T', ' ').replace('Z', '');
}

function syntheticImages(count: number): Dockerode.ImageInfo[] {
  const icon = encodePng(64, 64, (x, y) => [x * 4, y * 4, 90, 255]).toString('base64');
  return Array.from({ length: count }, (_, i) => ({
    Id: `sha256:${crypto.createHash('sha256').update(`bench-${i}`).digest('hex')}`,
    ParentId: '',
    RepoTags: [`bench/app-${String(i).padStart(4, '0')}:latest`],
    RepoDigests: [],
    Created: 0,
    Size: 1,
    VirtualSize: 1,
    SharedSize: 0,
    Containers: 0,
    Labels: appLabels({
      ui_name: `Bench App ${i}`,
      description: `Synthetic application number ${i} for the catalogue benchmark.`,
      type: i % 2 ? 'webapp' : 'vncapp',
      icon_128: icon,
      'env.x11-width': '',
      'env.x11-height': '',
      'env.startupdata': '',
    }),
  }));
}

/** The real engine plus synthetic images in its listing; events and inspect stay real. */
function engineWith(docker: Dockerode, extra: Dockerode.ImageInfo[]): ImageEngine {
  return {
    listImages: async (opts?: Dockerode.ListImagesOptions) => [
      ...(await docker.listImages(opts)),
      ...extra,
    ],
    getImage: (ref: string) => docker.getImage(ref),
    getEvents: (opts?: Dockerode.GetEventsOptions) => docker.getEvents(opts),
  } as unknown as ImageEngine;
}

async function insertMany(
  th: TestHub,
  table: string,
  columns: string[],
  rows: unknown[][],
): Promise<void> {
  const chunk = Math.floor(900 / columns.length);
  await th.hub.db.transaction(async (m) => {
    for (let i = 0; i < rows.length; i += chunk) {
      const part = rows.slice(i, i + chunk);
      const marks = part.map(() => `(${columns.map(() => '?').join(',')})`).join(',');
      await m.query(`INSERT INTO ${table} (${columns.join(',')}) VALUES ${marks}`, part.flat());
    }
  });
}

/**
 * Seeds `apps` applications (the real images first) and TOTAL_GRANTS grants: 10 for user10,
 * one per application for userAll, the rest spread over other users. Each grant has its own
 * policy row, as grants made through the API do.
 */
async function seed(th: TestHub, images: string[]): Promise<void> {
  const now = sqlNow();
  await insertMany(
    th,
    'applications',
    ['image', 'created_at'],
    images.map((i) => [i, now]),
  );
  const appIds: number[] = (await th.hub.db.query('SELECT id FROM applications ORDER BY id')).map(
    (r: { id: number }) => r.id,
  );
  await insertMany(
    th,
    'users',
    ['name', 'password_hash', 'admin', 'disabled', 'created_at'],
    Array.from({ length: OTHER_USERS }, (_, i) => [`other${i}`, null, 0, 0, now]),
  );
  const userId = async (name: string) =>
    (
      (await th.hub.db.query('SELECT id FROM users WHERE name = ?', [name])) as Array<{
        id: number;
      }>
    )[0].id;
  const user10 = await userId('user10');
  const userAll = await userId('userall');
  const firstOther = await userId('other0');

  const grants: Array<[number, number]> = [];
  for (let i = 0; i < 10; i++) grants.push([user10, appIds[i % appIds.length]]);
  for (const app of appIds) grants.push([userAll, app]);
  for (let i = 0; grants.length < TOTAL_GRANTS; i++) {
    grants.push([firstOther + (i % OTHER_USERS), appIds[(i * 7) % appIds.length]]);
  }
  const firstPolicy =
    ((
      (await th.hub.db.query('SELECT MAX(id) AS m FROM policies')) as Array<{ m: number | null }>
    )[0].m ?? 0) + 1;
  await insertMany(
    th,
    'policies',
    [
      'allow_home',
      'allow_startup_data',
      'volume_source',
      'volume_target',
      'volume_mode',
      'app_license',
    ],
    grants.map((_, i) => [i % 2, 1, null, null, null, i % 3 ? null : 'LICENSE']),
  );
  await insertMany(
    th,
    'accounting',
    ['id', 'user_id', 'application_id', 'policy_id', 'created_at'],
    grants.map(([user, app], i) => [
      crypto.randomBytes(16).toString('hex'),
      user,
      app,
      firstPolicy + i,
      now,
    ]),
  );
}

async function time(
  client: Client,
  path: string,
  runs: number,
): Promise<{ median: number; p95: number; entries: number }> {
  let entries = 0;
  for (let i = 0; i < Math.min(10, runs); i++) {
    const res = await client.json<unknown[]>(path);
    if (res.status !== 200)
      throw new Error(`${path} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    entries = res.body.length;
  }
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const res = await client.fetch(path);
    await res.arrayBuffer();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return {
    median: samples[Math.floor(samples.length / 2)],
    p95: samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.95))],
    entries,
  };
}

async function measure(apps: number, real: string[], docker: Dockerode) {
  const th = await bootHub({ catalog: { rescan_seconds: 3600 } });
  try {
    const synthetic = syntheticImages(apps - real.length);
    // Swap the running catalogue for one that also sees the synthetic images.
    await th.hub.catalog.stop();
    const catalog = new Catalog({
      docker: engineWith(docker, synthetic),
      rescanSeconds: 3600,
      iconMaxBytes: th.hub.config.catalog.icon_max_bytes,
    });
    await catalog.start();
    th.hub.catalog = catalog;

    await th.hub.users.create('user10', { password: 'bench-password-10' });
    await th.hub.users.create('userall', { password: 'bench-password-all' });
    await seed(th, [...real, ...synthetic.map((s) => s.RepoTags![0])]);
    const clients = {
      admin: await th.loginAs(ADMIN.name, ADMIN.password),
      user10: await th.loginAs('user10', 'bench-password-10'),
      userAll: await th.loginAs('userall', 'bench-password-all'),
    };
    const out = [];
    for (const c of CASES)
      out.push(await time(clients[c.client], c.path({ user10: 'user10' }), c.runs));
    await catalog.stop();
    return out;
  } finally {
    await th.close();
    fs.rmSync(th.dataDir, { recursive: true, force: true });
  }
}

function formatTable(rows: CatalogBenchRow[]): string {
  const head = [
    'case',
    'entries 10 / 1000',
    'median ms @10',
    'median ms @1000',
    'p95 @1000',
    'ratio',
    'µs/entry @1000',
  ];
  const body = rows.map((r) => [
    r.case,
    `${r.entries[0]} / ${r.entries[1]}`,
    r.median_ms[0].toFixed(2),
    r.median_ms[1].toFixed(2),
    r.p95_ms[1].toFixed(2),
    `${r.ratio.toFixed(2)}x`,
    r.entries[1] ? ((r.median_ms[1] * 1000) / r.entries[1]).toFixed(1) : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    `catalogue: ${SIZES.join(' vs ')} applications, ${TOTAL_GRANTS} grants`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
  ].join('\n');
}

/** Runs the benchmark (about a minute) and returns its rows and printable table. */
export async function runCatalogBench(): Promise<CatalogBenchResult> {
  const images = new TestImages();
  try {
    const real: string[] = [];
    for (const name of ['bench-vnc', 'bench-web', 'bench-legacy']) {
      const labels =
        name === 'bench-legacy'
          ? appLabels({ ui_name: 'Legacy' })
          : appLabels({
              ui_name: name,
              type: name.endsWith('vnc') ? 'vncapp' : 'webapp',
              'env.x11-width': '',
              'env.x11-height': '',
            });
      real.push((await images.build(name, { labels })).ref);
    }
    const small = await measure(SIZES[0], real, images.docker);
    const large = await measure(SIZES[1], real, images.docker);
    const rows: CatalogBenchRow[] = CASES.map((c, i) => ({
      case: c.name,
      entries: [small[i].entries, large[i].entries],
      median_ms: [small[i].median, large[i].median],
      p95_ms: [small[i].p95, large[i].p95],
      ratio: large[i].median / small[i].median,
    }));
    return { sizes: SIZES, grants: TOTAL_GRANTS, rows, table: formatTable(rows) };
  } finally {
    await images.removeAll();
  }
}

if (require.main === module) {
  runCatalogBench().then(
    (r) => console.log(r.table),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
