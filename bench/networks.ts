/**
 * What a network of its own costs an app start (issue 11): per round, on this engine, a
 * container create + remove (the reference: what every start pays anyway) against a bridge
 * network's create, a container's connect and disconnect, and the network's remove, as the
 * Docker spawner does them for a hub that runs in a container (server/spawner/docker-attach.ts).
 * Prints medians and the ratio to the reference; README "The hub as a container" reads them.
 *
 *   node -r @swc-node/register bench/networks.ts     (BENCH_NETWORKS_N=7 by default)
 */
import Dockerode from 'dockerode';
import { RUN_LABEL, TEST_LABEL, TestImages } from '../test/helpers/images';

const N = Number(process.env.BENCH_NETWORKS_N ?? 7);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const r = await fn();
  return [r, Number(process.hrtime.bigint() - t) / 1e6];
}

async function main(): Promise<void> {
  const docker = new Dockerode();
  const images = new TestImages(docker);
  const labels = { [TEST_LABEL]: '1', [RUN_LABEL]: images.run };
  const sleeper = await images.build('bench-networks', {
    cmd: ['/bin/busybox', 'sleep', '3600'],
  });
  // Stands in for the hub's container: the one that joins every app network.
  const hub = await docker.createContainer({ Image: sleeper.ref, Labels: labels });
  const cols: Record<string, number[]> = {
    'container create+remove': [],
    'network create': [],
    connect: [],
    disconnect: [],
    'network remove': [],
  };
  try {
    await hub.start();
    for (let i = 0; i < N; i++) {
      const [c, create] = await timed(() =>
        docker.createContainer({ Image: sleeper.ref, Labels: labels }),
      );
      const [, rm] = await timed(() => c.remove({ force: true }));
      cols['container create+remove'].push(create + rm);
      const [net, made] = await timed(() =>
        docker.createNetwork({ Name: `hub-bench-net-${images.run}-${i}`, Labels: labels }),
      );
      cols['network create'].push(made);
      cols.connect.push((await timed(() => net.connect({ Container: hub.id })))[1]);
      cols.disconnect.push(
        (await timed(() => net.disconnect({ Container: hub.id, Force: true })))[1],
      );
      cols['network remove'].push((await timed(() => net.remove()))[1]);
    }
  } finally {
    await hub.remove({ force: true }).catch(() => undefined);
    for (const n of await docker.listNetworks({
      filters: { label: [`${RUN_LABEL}=${images.run}`] },
    }))
      await docker
        .getNetwork(n.Id)
        .remove()
        .catch(() => undefined);
    await images.removeAll();
  }
  const ref = median(cols['container create+remove']);
  console.log(`networks: N=${N} rounds, medians in ms (ratio to container create+remove)`);
  for (const [name, xs] of Object.entries(cols))
    console.log(
      `  ${name.padEnd(24)} ${median(xs).toFixed(0).padStart(6)}  ${(median(xs) / ref).toFixed(2)}x`,
    );
  const extra =
    median(cols['network create']) +
    median(cols.connect) +
    median(cols.disconnect) +
    median(cols['network remove']);
  console.log(
    `  a network per app adds ${extra.toFixed(0)} ms per app (${(extra / ref).toFixed(2)}x the reference)`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
