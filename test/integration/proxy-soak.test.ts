import { readdirSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import WebSocket from 'ws';
import { createTestNetwork, type EchoContainer, runEcho } from '../helpers/echo-image';
import { raw } from './proxy-client';
import { newUrlId, type ProxyHarness, startProxyHarness } from './proxy-harness';

// The leak that pushed configurable-http-proxy to http-proxy-3: sockets left behind by
// WebSocket users and by requests to dead apps. After thousands of each, open file descriptors
// and the heap must be back at their baseline.
const WS_CYCLES = 10_000;
const DEAD_REQUESTS = 1_000;
const CONCURRENCY = 50;
// Requests to the stopped app mostly wait for the timeout: run more at once.
const DEAD_CONCURRENCY = 250;
const FD_SLACK = 8;
const HEAP_SLACK = 16 * 1024 * 1024;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

let echo: EchoContainer;
let stopped: EchoContainer;
let network: Awaited<ReturnType<typeof createTestNetwork>>;
let hub: ProxyHarness;
const LIVE = newUrlId();
const DEAD = newUrlId();
const headers = { cookie: 'hub-session=alice' };

beforeAll(async () => {
  network = await createTestNetwork(`hub-test-proxy-soak-${process.pid}`);
  [echo, stopped] = await Promise.all([runEcho(), runEcho(undefined, { network: network.name })]);
  await stopped.halt();
  // A short timeout: a stopped container's address may stay silent instead of refusing (its
  // bridge has no carrier left). Not shorter: the live app's upgrades must answer within it
  // on a loaded machine.
  hub = await startProxyHarness({ timeoutSeconds: 3 });
  const common = { user: 'alice', containerId: echo.id, mappingId: 'm' };
  hub.routes.set({ ...common, urlId: LIVE, target: echo.target });
  hub.routes.set({ ...common, urlId: DEAD, target: stopped.target });
});

afterAll(async () => {
  await hub?.close();
  await Promise.all([echo?.stop(), stopped?.stop()]);
  await network?.remove();
});

const openFds = () => readdirSync('/proc/self/fd').length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One WebSocket life: open, one echo, then a clean close or (every other time) a hang-up. */
async function wsCycle(i: number): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${hub.port}/user/alice/containers/${LIVE}/ws`, {
    headers,
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(`m${i}`));
    ws.once('message', () => {
      if (i % 2) ws.terminate();
      else ws.close();
    });
    ws.once('close', () => resolve());
  });
}

async function inParallel(
  total: number,
  run: (i: number) => Promise<void>,
  concurrency = CONCURRENCY,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await run(next++);
    }),
  );
}

/** Waits (bounded by the test timeout) until the value comes down to the limit. */
async function settle(read: () => number, limit: number): Promise<number> {
  let value = read();
  for (let i = 0; i < 200 && value > limit; i++) {
    await sleep(50);
    gc();
    value = read();
  }
  return value;
}

it('returns to its socket and memory baseline after 10,000 WebSockets and 1,000 requests to a stopped app', async () => {
  // Warm up lazily created state (agents, metric children, code) before the baseline.
  await inParallel(CONCURRENCY, wsCycle);
  await raw(hub.url, `/user/alice/containers/${DEAD}/`, { headers });
  await settle(() => hub.proxy.openWebSockets, 0);
  gc();
  const fdBaseline = openFds();
  const heapBaseline = process.memoryUsage().heapUsed;

  await inParallel(WS_CYCLES, wsCycle);
  const statuses = new Map<number, number>();
  await inParallel(
    DEAD_REQUESTS,
    async () => {
      const res = await raw(hub.url, `/user/alice/containers/${DEAD}/x`, {
        headers: { ...headers, accept: 'application/json' },
      });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    },
    DEAD_CONCURRENCY,
  );

  // Each other status with its count, so a failure says what the hub answered instead.
  expect([...statuses].filter(([status]) => status !== 503 && status !== 504)).toEqual([]);
  expect(await settle(() => hub.proxy.openWebSockets, 0)).toBe(0);
  expect(await settle(openFds, fdBaseline + FD_SLACK)).toBeLessThanOrEqual(fdBaseline + FD_SLACK);
  const heap = await settle(() => process.memoryUsage().heapUsed, heapBaseline + HEAP_SLACK);
  expect(heap - heapBaseline).toBeLessThan(HEAP_SLACK);
  const metrics = await hub.registry.metrics();
  expect(metrics).toMatch(/hub_proxy_websockets_open 0/);
});
