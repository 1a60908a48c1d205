/**
 * Swarm start benchmark: `POST /api/v1/containers` on a hub image with spawner.class swarm until
 * the first 200 through its proxy, against the same service spec made directly (its own overlay
 * network + `POST /services/create`, tasks polled every 10 ms until running), interleaved, N
 * times each. Target: the hub within 10 % of the direct way.
 *
 * The reference stops at "task running": the app's overlay address is not reachable from this
 * host (and must not be tried), so the hub's number also contains its HTTP readiness check and
 * the proxied request: the ratio is an upper bound of the hub's overhead.
 *
 *   node -r @swc-node/register bench/swarm.ts     (BENCH_SWARM_N=5 by default)
 */
import crypto from 'node:crypto';
import Dockerode from 'dockerode';
import { LABELS } from '../server/spawner/names';
import { buildServiceSpec } from '../server/spawner/swarm-spec';
import { ADMIN } from '../test/helpers/hub';
import { appLabels, TestImages } from '../test/helpers/images';
import {
  cleanupSwarmRealm,
  ensureHubImage,
  ensureSwarm,
  runHubContainer,
} from '../test/integration/hub-container';
import { grantApp, WEB_CMD } from '../test/integration/spawner-fixtures';

const N = Number(process.env.BENCH_SWARM_N ?? 5);
const TARGET = 1.1;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const swarm = ensureSwarm();
  if ('skip' in swarm) {
    console.log(`swarm benchmark skipped: ${swarm.skip}`);
    return;
  }
  const docker = new Dockerode();
  const images = new TestImages(docker);
  const hub = await (async () => {
    ensureHubImage();
    return runHubContainer(docker, { HUB_SPAWNER__CLASS: 'swarm', HUB_SPAWNER__INIT: 'true' });
  })();
  const rawRealm = `${hub.realm}raw`;
  try {
    const web = await images.build('bench-swarm', {
      cmd: WEB_CMD,
      labels: appLabels({ ui_name: 'Bench', type: 'webapp' }),
    });
    const admin = await hub.admin();
    const mappingId = await grantApp(admin, ADMIN.name, web.ref);
    const hubMs: number[] = [];
    const rawMs: number[] = [];
    for (let i = 0; i < N; i++) {
      let t0 = performance.now();
      const res = await admin.json<{ url: string; url_id: string }>('/api/v1/containers', {
        method: 'POST',
        json: { mapping_id: mappingId },
      });
      if (res.status !== 201)
        throw new Error(`hub start: ${res.status} ${JSON.stringify(res.body)}`);
      for (;;) if ((await admin.fetch(res.body.url)).status === 200) break;
      hubMs.push(performance.now() - t0);
      await admin.fetch(`/api/v1/containers/${res.body.url_id}`, { method: 'DELETE' });

      const urlId = crypto.randomBytes(16).toString('hex');
      const name = `hub-${rawRealm}-${i}`;
      t0 = performance.now();
      const net = await docker.createNetwork({
        Name: `${name}-net`,
        Driver: 'overlay',
        Attachable: true,
        Labels: { [LABELS.realm]: rawRealm },
      });
      const spec = buildServiceSpec(
        {
          urlId,
          user: ADMIN.name,
          mappingId: 'bench',
          image: web.ref,
          imageId: web.id,
          env: { JPY_USER: ADMIN.name, URL_ID: urlId, JPY_BASE_USER_URL: `/user/${ADMIN.name}` },
          mounts: [],
          limits: { memoryBytes: 2 * 2 ** 30, nanoCpus: 1e9, pidsLimit: 512 },
          name,
          networkId: net.id,
          network: `${name}-net`,
        },
        8888,
        { realm: rawRealm, installId: 'bench', init: true, stopGraceSeconds: 5 },
      );
      const created = (await docker.createService(spec as Dockerode.CreateServiceOptions)) as {
        id: string;
      };
      for (;;) {
        const tasks = (await docker.listTasks({ filters: { service: [created.id] } })) as {
          Status?: { State?: string; Err?: string };
        }[];
        const state = tasks[0]?.Status?.State;
        if (state === 'running') break;
        if (state === 'failed' || state === 'rejected')
          throw new Error(`raw task ${state}: ${tasks[0]?.Status?.Err}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      rawMs.push(performance.now() - t0);
      await docker.getService(created.id).remove();
    }
    const ratio = median(hubMs) / median(rawMs);
    console.log(
      `swarm start, N=${N}: hub (POST → first proxied 200) median ${median(hubMs).toFixed(0)} ms; ` +
        `direct (network + service create → task running) median ${median(rawMs).toFixed(0)} ms; ` +
        `ratio ${ratio.toFixed(2)} (target ≤ ${TARGET}: ${ratio <= TARGET ? 'met' : 'MISSED'})`,
    );
  } finally {
    await hub.remove();
    await cleanupSwarmRealm(docker, hub.realm);
    await cleanupSwarmRealm(docker, rawRealm);
    await images.removeAll();
    if (swarm.inited) await docker.swarmLeave({ force: true }).catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
