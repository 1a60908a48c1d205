import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * `npm run bench [name...] [-- --option value...]`: runs each benchmark in its own process (so one's memory and
 * sockets never colour another's numbers), one after the other, each comparing the hub with a
 * reference in the same run and printing ratios.
 */
const BENCHES: Record<string, string> = {
  catalog: 'catalog.ts',
  proxy: 'proxy.ts',
  spawn: 'spawn.ts',
  launch: 'launch.ts',
  scale: 'scale.ts',
  swarm: 'swarm.ts',
  networks: 'networks.ts',
};

// Names first; from the first `--option` on, everything is handed to each benchmark
// (`npm run bench scale -- --n 1000`).
const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith('--'));
const wanted = firstOption < 0 ? args : args.slice(0, firstOption);
const options = firstOption < 0 ? [] : args.slice(firstOption);
const unknown = wanted.filter((w) => !(w in BENCHES));
if (unknown.length) {
  console.error(
    `unknown benchmark(s): ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}`,
  );
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length ? wanted : Object.keys(BENCHES)) {
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(
    process.execPath,
    ['-r', '@swc-node/register', path.join(__dirname, BENCHES[name]), ...options],
    {
      stdio: 'inherit',
      env: { ...process.env, HUB_LOG_LEVEL: process.env.HUB_LOG_LEVEL ?? 'warn' },
    },
  );
  if (r.status !== 0) {
    console.error(`benchmark ${name} failed (exit ${r.status})`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
