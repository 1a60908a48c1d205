/**
 * Proxy benchmark: requests/s and p50/p99 latency through the hub's proxy, directly to the
 * container, through configurable-http-proxy (JupyterHub's proxy) and through nginx, in the
 * same run, for small responses, a 1 MiB body and WebSocket messages, and small responses
 * from an app that closes the connection after every answer (the C echo server in its `close`
 * mode, and busybox httpd itself, which also forks a process per connection).
 *
 *   node -r @swc-node/register bench/proxy.ts            the comparison table
 *   node -r @swc-node/register bench/proxy.ts --closing  only the app closing connections
 *   node -r @swc-node/register bench/proxy.ts --engines  the hub's engine vs the http-proxy packages
 *   BENCH_CPU_PROF=/tmp/prof ...                         CPU profiles of the hub's proxy processes,
 *                                                        each summarised at the end (see cpuProfileSummary)
 *
 * Each proxy runs in its own process and the load generator in this one, so they do not share
 * an event loop. configurable-http-proxy is installed into /tmp/chp on first use (never into
 * the project); nginx is used when Debian's package is installed (`apt-get install
 * nginx-light`), started here on loopback with a config of its own. The backends are the
 * static C echo server (test/fixtures/echo-server), fast enough not to be the bottleneck, in
 * its keep-alive and its `close` mode. Loopback and container addresses only. Targets run in
 * rotating order over several rounds (median reported), because the machine is shared; the
 * proxy's CPU time per request is printed too, as it depends less on load from elsewhere. A
 * "raw http-proxy-3" row (the library alone, bench/reference-proxy.ts) is a reference.
 */
import { type ChildProcess, execFile, fork, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { RAW_ENGINES, type RawEngine } from './reference-proxy';

const CHP_DIR = '/tmp/chp';
const CHP_BIN = path.join(
  CHP_DIR,
  'node_modules',
  'configurable-http-proxy',
  'bin',
  'configurable-http-proxy',
);
const URL_ID = '0123456789abcdef0123456789abcdef';
const PREFIX = `/user/bench/containers/${URL_ID}/`;

// ---------------------------------------------------------------- load generators

/** Result of one load run. */
export interface LoadResult {
  count: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Body bytes received per second. */
  bytesPerSecond: number;
  errors: number;
  /** CPU time the proxy process spent per request or message, µs (NaN for direct). */
  cpuPerOp?: number;
}

interface LoadOptions {
  host: string;
  port: number;
  path: string;
  headers?: Record<string, string>;
  connections: number;
  durationMs: number;
  maxCount: number;
}

function summarise(
  latencies: number[],
  elapsedMs: number,
  bytes: number,
  errors: number,
): LoadResult {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
  return {
    count: sorted.length,
    perSecond: (sorted.length * 1000) / elapsedMs,
    p50: at(0.5),
    p99: at(0.99),
    bytesPerSecond: (bytes * 1000) / elapsedMs,
    errors,
  };
}

/**
 * HTTP/1.1 keep-alive load: `connections` sockets, each sending the next request when the
 * previous answer is complete, until the duration or the request budget is spent; a socket
 * the server closes after an answer (`Connection: close`) is replaced by a new one. Raw sockets
 * with a minimal response parser, so the generator costs far less than the proxies it measures.
 */
export function httpLoad(o: LoadOptions): Promise<LoadResult> {
  const extra = Object.entries(o.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const request = Buffer.from(
    `GET ${o.path} HTTP/1.1\r\nHost: ${o.host}:${o.port}\r\n${extra}\r\n`,
  );
  const latencies: number[] = [];
  let issued = 0;
  let bytes = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + o.durationMs;
  const more = () => issued < o.maxCount && performance.now() < deadline;

  /**
   * One connection, used until the server closes it: after an answer that says
   * `Connection: close` (then it resolves true, and the caller opens the next one), or
   * mid-request (an error; resolves false).
   */
  const session = () =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: o.host, port: o.port });
      socket.setNoDelay(true);
      let head: Buffer = Buffer.alloc(0);
      let bodyLeft = -1;
      let sentAt = 0;
      let inFlight = false;
      let closing = false;
      const send = () => {
        if (!more() || closing) {
          socket.end();
          return;
        }
        issued++;
        inFlight = true;
        sentAt = performance.now();
        socket.write(request);
      };
      const complete = () => {
        latencies.push(performance.now() - sentAt);
        inFlight = false;
        bodyLeft = -1;
        head = Buffer.alloc(0);
        send();
      };
      let connected = false;
      socket.on('connect', () => {
        connected = true;
        send();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        if (inFlight || !connected) errors++;
        resolve(connected && !inFlight);
      });
      socket.on('data', (chunk: Buffer) => {
        let data = chunk;
        while (data.length) {
          if (bodyLeft < 0) {
            head = head.length ? Buffer.concat([head, data]) : data;
            const end = head.indexOf('\r\n\r\n');
            if (end < 0) return;
            const text = head.subarray(0, end).toString('latin1');
            if (!/^HTTP\/1\.[01] 200/.test(text)) errors++;
            const m = /\r\ncontent-length:\s*(\d+)/i.exec(text);
            if (!m) throw new Error(`the benchmark needs Content-Length answers, got:\n${text}`);
            closing = /\r\nconnection:\s*close/i.test(text) || text.startsWith('HTTP/1.0');
            bodyLeft = Number(m[1]);
            data = head.subarray(end + 4);
            head = Buffer.alloc(0);
          }
          const take = Math.min(bodyLeft, data.length);
          bodyLeft -= take;
          bytes += take;
          data = data.subarray(take);
          if (bodyLeft === 0) complete();
        }
      });
    });
  const connection = async () => {
    while (more() && (await session()));
  };

  return Promise.all(Array.from({ length: o.connections }, connection)).then(() =>
    summarise(latencies, performance.now() - start, bytes, errors),
  );
}

/** WebSocket load: each connection sends a message and waits for its echo, then the next. */
export function wsLoad(o: LoadOptions & { size: number }): Promise<LoadResult> {
  const message = Buffer.alloc(o.size, 'm');
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + o.durationMs;
  const connection = () =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(`ws://${o.host}:${o.port}${o.path}`, {
        headers: o.headers,
        perMessageDeflate: false,
      });
      let sentAt = 0;
      const send = () => {
        if (issued >= o.maxCount || performance.now() >= deadline) return ws.close();
        issued++;
        sentAt = performance.now();
        ws.send(message);
      };
      ws.on('open', send);
      ws.on('message', () => {
        latencies.push(performance.now() - sentAt);
        send();
      });
      ws.on('error', () => errors++);
      ws.on('close', () => resolve());
    });
  return Promise.all(Array.from({ length: o.connections }, connection)).then(() =>
    summarise(latencies, performance.now() - start, latencies.length * o.size, errors),
  );
}

// ---------------------------------------------------------------- the proxies under test

interface Endpoint {
  name: string;
  /** The proxy's process, for its CPU time (none for the direct path). */
  pid?: number;
  host: string;
  port: number;
  headers: Record<string, string>;
  /** Child-process stats: open file descriptors (the hub proxy only). */
  fds?: () => Promise<number>;
  stop(): Promise<void>;
}

/** Runs the hub's proxy, or with `raw` a forwarding library alone, in a child process. */
export async function startHubProxy(target: string, raw?: RawEngine): Promise<Endpoint> {
  const profile = process.env.BENCH_CPU_PROF;
  const child = fork(__filename, [], {
    execArgv: [
      // The young generation as scripts/start.sh runs the hub (README "Memory").
      '--max-semi-space-size=2',
      '-r',
      '@swc-node/register',
      ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
    ],
    env: {
      ...process.env,
      BENCH_ROLE: 'proxy',
      BENCH_TARGET: target,
      BENCH_RAW: raw ?? '',
      HUB_LOG_LEVEL: 'silent',
      // As the hub runs in production (compiled, no source-map-support): with it, formatting
      // an Error's stack costs hundreds of µs, and undici makes one per closed connection.
      SWC_NODE_SOURCE_MAP_MODE: 'none',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port, cookie } = await new Promise<{ port: number; cookie: string }>(
    (resolve, reject) => {
      child.once('message', (m: { port: number; cookie: string }) => resolve(m));
      child.once('exit', (code) => reject(new Error(`bench proxy exited with ${code}`)));
    },
  );
  const ask = <T>(what: string) =>
    new Promise<T>((resolve) => {
      child.once('message', (m: { answer: T }) => resolve(m.answer));
      child.send({ ask: what });
    });
  const label = raw ? `raw ${raw}` : 'hub proxy';
  return {
    name: label,
    host: '127.0.0.1',
    port,
    headers: cookie ? { Cookie: cookie } : {},
    pid: child.pid,
    fds: () => ask<number>('fds'),
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** The child side: an http server hosting the proxy the way the hub does. */
async function proxyChild(): Promise<void> {
  const target = process.env.BENCH_TARGET!;
  const raw = process.env.BENCH_RAW as RawEngine | '';
  let server: http.Server;
  let cookie = '';
  if (raw) {
    // The library alone: no access check, no per-request hygiene.
    const { rawProxyServer } = await import('./reference-proxy');
    server = rawProxyServer(raw, new URL(target));
  } else {
    const { createUserProxy } = await import('../server/proxy/proxy');
    const { RouteStore } = await import('../server/proxy/route-store');
    const { HUB_COOKIE_NAMES } = await import('../server/auth/cookies');
    const hub = await benchAccount();
    cookie = hub.cookie;
    const routes = new RouteStore();
    routes.set({ urlId: URL_ID, user: 'bench', target, containerId: 'bench', mappingId: 'bench' });
    const proxy = createUserProxy({
      routes,
      // The hub's own check: signed session cookie (HMAC) → session cache → user.
      identify: hub.identify,
      hubCookieNames: HUB_COOKIE_NAMES,
      timeoutSeconds: 60,
      wsPingSeconds: 30,
      registry: hub.registry,
      loginPath: '/login',
      log: hub.log,
    });
    server = http.createServer((req, res) => {
      if (proxy.handles(req)) void proxy.handleRequest(req, res);
      else res.writeHead(404).end();
    });
    server.on('upgrade', (req, socket, head) => {
      if (proxy.handles(req)) void proxy.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
  }
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () =>
    process.send!({ port: (server.address() as AddressInfo).port, cookie }),
  );
  process.on('message', (m: { ask: string }) => {
    if (m.ask === 'fds') process.send!({ answer: readdirSync('/proc/self/fd').length });
  });
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
}

/**
 * A real hub state in a temporary data folder (SQLite, secrets) with user `bench` logged in:
 * returns the hub's identify and the signed session cookie a browser would send.
 */
async function benchAccount() {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const os = await import('node:os');
  const { default: Keygrip } = await import('keygrip');
  const { openCore } = await import('../server/core');
  const { SESSION_COOKIE } = await import('../server/auth/cookies');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hub-bench-'));
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const hub = await openCore({ env: {}, overrides: { data_dir: dataDir } });
  const { user } = await hub.users.create('bench', { password: 'bench-password-1' });
  const { id } = await hub.sessions.create(user.id, '127.0.0.1', 'bench');
  const signature = new Keygrip(hub.keys).sign(`${SESSION_COOKIE}=${id}`);
  return {
    identify: hub.identify,
    registry: hub.registry,
    log: hub.log,
    cookie: `${SESSION_COOKIE}=${id}; ${SESSION_COOKIE}.sig=${signature}`,
  };
}

async function ensureChp(): Promise<void> {
  if (existsSync(CHP_BIN)) return;
  console.log('installing configurable-http-proxy into /tmp/chp (once)…');
  await promisify(execFile)('npm', ['install', '--prefix', CHP_DIR, 'configurable-http-proxy'], {
    timeout: 300_000,
  });
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

async function startChp(target: string): Promise<Endpoint> {
  await ensureChp();
  const [port, apiPort] = [await freePort(), await freePort()];
  const token = 'bench-token';
  const child = spawn(
    process.execPath,
    [
      CHP_BIN,
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--api-ip',
      '127.0.0.1',
      '--api-port',
      String(apiPort),
      '--log-level',
      'warn',
    ],
    { env: { ...process.env, CONFIGPROXY_AUTH_TOKEN: token }, stdio: 'ignore' },
  );
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${apiPort}/api/routes${PREFIX.slice(0, -1)}`, {
        method: 'POST',
        headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ target }),
      });
      if (res.status === 201) break;
    } catch {
      if (i > 100) throw new Error('configurable-http-proxy did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: 'configurable-http-proxy',
    host: '127.0.0.1',
    port,
    headers: {},
    pid: child.pid,
    stop: () => stopChild(child),
  };
}

const NGINX_BINARIES = ['/usr/sbin/nginx', '/usr/bin/nginx'];

/**
 * nginx as a reference proxy, started here on loopback with a config of its own (one process,
 * no daemon, kept-alive upstream connections, WebSocket upgrades, streaming like the hub), or
 * null with a note when it is not installed (`apt-get install nginx-light`).
 */
export async function startNginx(target: string): Promise<Endpoint | null> {
  const bin = NGINX_BINARIES.find((b) => existsSync(b));
  if (!bin) {
    console.log('nginx is not installed (apt-get install nginx-light): no nginx reference');
    return null;
  }
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const os = await import('node:os');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hub-bench-nginx-'));
  const port = await freePort();
  const app = new URL(target);
  const conf = `worker_processes 1;
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log error;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream app { server ${app.host}; keepalive 64; keepalive_requests 1000000; }
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 1000000;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 3600s;
    }
  }
}
`;
  writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const child = spawn(bin, ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100 || child.exitCode !== null) {
      await stop();
      throw new Error(`nginx did not start; see ${dir}/error.log`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name: 'nginx', host: '127.0.0.1', port, headers: {}, pid: child.pid, stop };
}

// ---------------------------------------------------------------- the runs

/** One table row. */
export interface BenchRow {
  scenario: string;
  target: string;
  result: LoadResult;
}

/** Ratios against the targets of issues 7 and 15. */
export interface BenchSummary {
  rows: BenchRow[];
  /** hub req/s ÷ CHP req/s, small responses (target ≥ 1.5). */
  smallVsChp: number;
  /** hub ÷ CHP, 1 MiB bodies. */
  largeVsChp: number;
  /** hub WebSocket msgs/s ÷ CHP (target ≥ 1.2). */
  wsVsChp: number;
  /** hub p50 − direct p50 at 8 connections, ms (target < 1). */
  addedMedianMs: number;
  /** hub req/s ÷ nginx req/s, small responses, app keeping connections (target ≥ 1); NaN without nginx. */
  smallVsNginx: number;
  /** The same against an app that closes the connection after every answer (target ≥ 1). */
  closingVsNginx: number;
  /** The same against busybox httpd, a real app of that kind (a process per connection). */
  httpdVsNginx: number;
}

/** CPU time (user + system) a process has used so far, in ms; Linux /proc, 100 ticks/s. */
function cpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Per-field median of several runs (each field on its own). */
function median(results: LoadResult[]): LoadResult {
  const mid = (f: (r: LoadResult) => number) => {
    const v = results.map(f).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)];
  };
  return {
    count: results.reduce((n, r) => n + r.count, 0),
    perSecond: mid((r) => r.perSecond),
    p50: mid((r) => r.p50),
    p99: mid((r) => r.p99),
    bytesPerSecond: mid((r) => r.bytesPerSecond),
    cpuPerOp: mid((r) => r.cpuPerOp ?? NaN),
    errors: results.reduce((n, r) => n + r.errors, 0),
  };
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function printTable(rows: BenchRow[]): void {
  const lines = [
    ['scenario', 'target', 'req/s', 'p50 ms', 'p99 ms', 'MB/s', 'proxy CPU µs/op', 'errors'],
  ];
  for (const r of rows)
    lines.push([
      r.scenario,
      r.target,
      fmt(r.result.perSecond, 0),
      fmt(r.result.p50, 3),
      fmt(r.result.p99, 3),
      fmt(r.result.bytesPerSecond / 1e6, 1),
      fmt(r.result.cpuPerOp ?? NaN, 0),
      String(r.result.errors),
    ]);
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  for (const l of lines)
    console.log(l.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
}

interface Scenario {
  name: string;
  run(e: Endpoint, durationMs: number): Promise<LoadResult>;
}

/**
 * Runs each scenario on every endpoint: a warm-up, then short runs in rotating order over
 * several rounds, median per endpoint (the machine is shared: load from elsewhere must fall
 * on every endpoint alike). The proxy's CPU time per operation is read from /proc.
 */
async function measure(
  scenarios: Scenario[],
  endpoints: Endpoint[],
  o: { durationMs: number; rounds: number; connections: number },
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const s of scenarios) {
    for (const e of endpoints) await s.run(e, 500); // warm-up: JIT, connection pools
    const runs = new Map<string, LoadResult[]>();
    for (let round = 0; round < o.rounds; round++) {
      for (let k = 0; k < endpoints.length; k++) {
        const e = endpoints[(k + round) % endpoints.length];
        const cpu0 = cpuMs(e.pid);
        const result = await s.run(e, o.durationMs);
        result.cpuPerOp = ((cpuMs(e.pid) - cpu0) * 1000) / result.count;
        runs.set(e.name, [...(runs.get(e.name) ?? []), result]);
      }
    }
    for (const e of endpoints) {
      rows.push({
        scenario: `${s.name} @${o.connections}`,
        target: e.name,
        result: median(runs.get(e.name)!),
      });
    }
  }
  return rows;
}

/**
 * Runs the comparison (needs Docker; starts and removes two echo containers, one that keeps
 * connections alive and one that closes them after every answer, and a busybox httpd).
 */
export async function runProxyBench(
  opts: { durationMs?: number; connections?: number; rounds?: number; closingOnly?: boolean } = {},
): Promise<BenchSummary> {
  const o = {
    durationMs: opts.durationMs ?? 2000,
    rounds: opts.rounds ?? 5,
    connections: opts.connections ?? 8,
  };
  const { runEcho, runBusyboxHttpd } = await import('../test/helpers/echo-image');
  const keeping = !opts.closingOnly;
  const [echo, closing, httpd] = await Promise.all([
    runEcho(),
    runEcho(undefined, { mode: 'close' }),
    runBusyboxHttpd({ [`${PREFIX}hello`]: 'hello' }),
  ]);
  const endpoints: Endpoint[] = [];
  const closingEndpoints: Endpoint[] = [];
  const httpdEndpoints: Endpoint[] = [];
  const direct = (ip: string): Endpoint => ({
    name: 'direct',
    host: ip,
    port: 8888,
    headers: {},
    stop: async () => undefined,
  });
  try {
    if (keeping) {
      endpoints.push(direct(echo.ip), await startHubProxy(echo.target));
      // The libraries alone, no access check or per-request hygiene: references. "raw undici"
      // is the hub's own engine on Node's HTTP server, the floor of the hub's design.
      endpoints.push(await startHubProxy(echo.target, 'undici'));
      endpoints.push(await startHubProxy(echo.target, 'http-proxy-3'));
      endpoints.push(await startChp(echo.target));
      const nginx = await startNginx(echo.target);
      if (nginx) endpoints.push(nginx);
    }
    closingEndpoints.push(direct(closing.ip), await startHubProxy(closing.target));
    closingEndpoints.push(await startHubProxy(closing.target, 'undici'));
    closingEndpoints.push(await startChp(closing.target));
    const closingNginx = await startNginx(closing.target);
    if (closingNginx) closingEndpoints.push(closingNginx);
    httpdEndpoints.push(direct(httpd.ip), await startHubProxy(httpd.target));
    httpdEndpoints.push(await startChp(httpd.target));
    const httpdNginx = await startNginx(httpd.target);
    if (httpdNginx) httpdEndpoints.push(httpdNginx);

    const base = (e: Endpoint) => ({
      host: e.host,
      port: e.port,
      headers: e.headers,
      connections: o.connections,
    });
    const small = (name: string): Scenario => ({
      name,
      run: (e, d) => httpLoad({ ...base(e), path: `${PREFIX}hello`, durationMs: d, maxCount: 2e6 }),
    });
    const rows = [
      ...(await measure(
        keeping
          ? [
              small('small'),
              {
                name: '1 MiB',
                run: (e, d) =>
                  httpLoad({
                    ...base(e),
                    path: `${PREFIX}bytes/1048576`,
                    durationMs: d,
                    maxCount: 1e5,
                  }),
              },
              {
                name: 'ws 64 B',
                run: (e, d) =>
                  wsLoad({
                    ...base(e),
                    path: `${PREFIX}ws`,
                    size: 64,
                    durationMs: d,
                    maxCount: 2e6,
                  }),
              },
            ]
          : [],
        endpoints,
        o,
      )),
      ...(await measure([small('small, app closes')], closingEndpoints, o)),
      ...(await measure([small('small, busybox httpd')], httpdEndpoints, o)),
    ];
    printTable(rows);
    const pick = (scenario: string, target: string) =>
      rows.find((r) => r.scenario === `${scenario} @${o.connections}` && r.target === target)
        ?.result.perSecond ?? NaN;
    const p50 = (scenario: string, target: string) =>
      rows.find((r) => r.scenario === `${scenario} @${o.connections}` && r.target === target)
        ?.result.p50 ?? NaN;
    const hubOver = (scenario: string, reference: string) =>
      pick(scenario, 'hub proxy') / pick(scenario, reference);
    const summary: BenchSummary = {
      rows,
      smallVsChp: hubOver('small', 'configurable-http-proxy'),
      largeVsChp: hubOver('1 MiB', 'configurable-http-proxy'),
      wsVsChp: hubOver('ws 64 B', 'configurable-http-proxy'),
      addedMedianMs: p50('small', 'hub proxy') - p50('small', 'direct'),
      smallVsNginx: hubOver('small', 'nginx'),
      closingVsNginx: hubOver('small, app closes', 'nginx'),
      httpdVsNginx: hubOver('small, busybox httpd', 'nginx'),
    };
    const verdict = (ratio: number, target: number) =>
      Number.isFinite(ratio) ? (ratio >= target ? '✓' : '✗ missed') : '(no reference)';
    console.log(
      `\nhub vs configurable-http-proxy: small ${fmt(summary.smallVsChp)}x (target ≥ 1.5 ${verdict(summary.smallVsChp, 1.5)}), ` +
        `1 MiB ${fmt(summary.largeVsChp)}x, WebSocket ${fmt(summary.wsVsChp)}x (target ≥ 1.2 ${verdict(summary.wsVsChp, 1.2)}), ` +
        `app closing connections ${fmt(hubOver('small, app closes', 'configurable-http-proxy'))}x; ` +
        `median added over direct at ${o.connections} connections: ${fmt(summary.addedMedianMs, 3)} ms (target < 1)`,
    );
    console.log(
      `hub vs nginx: small ${fmt(summary.smallVsNginx)}x, app closing connections ${fmt(summary.closingVsNginx)}x ` +
        `(target ≥ 1 on both: ${verdict(summary.smallVsNginx, 1)}, ${verdict(summary.closingVsNginx, 1)}), ` +
        `1 MiB ${fmt(hubOver('1 MiB', 'nginx'))}x, WebSocket ${fmt(hubOver('ws 64 B', 'nginx'))}x, ` +
        `busybox httpd ${fmt(summary.httpdVsNginx)}x (target ≥ 1 ${verdict(summary.httpdVsNginx, 1)})`,
    );
    const floor = (scenario: string) => pick(scenario, 'raw undici') / pick(scenario, 'nginx');
    console.log(
      `the hub's engine alone (raw undici) vs nginx: small ${fmt(floor('small'))}x, app closing connections ${fmt(floor('small, app closes'))}x`,
    );
    return summary;
  } finally {
    for (const e of [...endpoints, ...closingEndpoints, ...httpdEndpoints]) await e.stop();
    await Promise.all([echo.stop(), closing.stop(), httpd.stop()]);
    await httpd.removeImage();
  }
}

/**
 * The hub's engine (undici) against http-proxy and http-proxy-3, each bare (as
 * configurable-http-proxy uses them), and the whole hub proxy: throughput on small responses,
 * and open descriptors in the proxy process after a leak-prone soak (WebSockets hung up
 * without a close frame, clients leaving mid-download).
 */
export async function runEngineComparison(): Promise<void> {
  const { runEcho } = await import('../test/helpers/echo-image');
  const echo = await runEcho();
  const lines: string[][] = [
    ['proxy', 'small req/s', 'p50 ms', 'CPU µs/req', 'fds before', 'fds after soak'],
  ];
  try {
    // Two rounds in opposite orders, so that load from elsewhere on the machine hits all alike.
    const configs: (RawEngine | undefined)[] = [undefined, ...RAW_ENGINES];
    for (const raw of [...configs, ...configs.reverse()]) {
      {
        const e = await startHubProxy(echo.target, raw);
        try {
          const load = {
            host: e.host,
            port: e.port,
            headers: e.headers,
            connections: 8,
            maxCount: 1_000_000,
          };
          await httpLoad({ ...load, path: `${PREFIX}hello`, durationMs: 500 });
          const cpu0 = cpuMs(e.pid);
          const speed = await httpLoad({ ...load, path: `${PREFIX}hello`, durationMs: 4000 });
          const cpuPerReq = ((cpuMs(e.pid) - cpu0) * 1000) / speed.count;
          const before = await e.fds!();
          await soak(e);
          // Past the 2 s close linger and the 4 s upstream keep-alive: what is left is a leak.
          await new Promise((r) => setTimeout(r, 5000));
          lines.push([
            e.name,
            fmt(speed.perSecond, 0),
            fmt(speed.p50, 3),
            fmt(cpuPerReq, 0),
            String(before),
            String(await e.fds!()),
          ]);
        } finally {
          await e.stop();
        }
      }
    }
  } finally {
    await echo.stop();
  }
  for (const l of lines) console.log(l.map((c, i) => (i ? c.padStart(16) : c.padEnd(22))).join(''));
}

async function soak(e: Endpoint): Promise<void> {
  const wsUrl = `ws://${e.host}:${e.port}${PREFIX}ws`;
  const cycle = () =>
    new Promise<void>((resolve) => {
      const ws = new WebSocket(wsUrl, { headers: e.headers });
      ws.on('open', () => ws.send('x'));
      ws.on('message', () => ws.terminate());
      ws.on('error', () => resolve());
      ws.on('close', () => resolve());
    });
  const leaveMidDownload = () =>
    new Promise<void>((resolve) => {
      const req = http.get(
        {
          host: e.host,
          port: e.port,
          path: `${PREFIX}bytes/${1 << 30}`,
          headers: e.headers,
          agent: false,
        },
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', () => resolve());
    });
  for (let batch = 0; batch < 40; batch++) await Promise.all(Array.from({ length: 50 }, cycle));
  for (let batch = 0; batch < 4; batch++)
    await Promise.all(Array.from({ length: 50 }, leaveMidDownload));
}

/**
 * What one CPU profile of a hub proxy process says about the hub's own work: the self time of
 * the hub's modules (server/), as a fraction of the self time of the two socket writes every
 * exchange makes (`writev` of the answer to the client, the request's write to the app). The
 * writes are the yardstick: one each per request, so the fraction compares runs of different
 * lengths and loads, and start-up (module loading) falls outside both.
 */
export function cpuProfileSummary(file: string): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  let writes = 0;
  const hub = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    if (!frame) return;
    if (frame.functionName === 'writev' || frame.functionName === 'writeLatin1String') writes += dt;
    const at = frame.url.indexOf('/server/');
    if (at >= 0) {
      const mod = frame.url.slice(at + 1);
      hub.set(mod, (hub.get(mod) ?? 0) + dt);
    }
  });
  const total = [...hub.values()].reduce((a, b) => a + b, 0);
  const top = [...hub]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([mod, t]) => `${mod.replace(/^server\//, '')} ${fmt(t / writes, 3)}`);
  return `${path.basename(file)}: hub modules' self time ${fmt(total / writes, 3)} of the socket writes' (${top.join(', ')})`;
}

if (require.main === module) {
  if (process.env.BENCH_ROLE === 'proxy') {
    void proxyChild();
  } else if (process.argv.includes('--closing')) {
    // Only the app that closes connections (the last table rows), e.g. after changing that path.
    runProxyBench({ closingOnly: true }).catch((err) => {
      console.error(err);
      process.exit(1);
    });
  } else if (process.argv.includes('--engines')) {
    runEngineComparison().catch((err) => {
      console.error(err);
      process.exit(1);
    });
  } else {
    runProxyBench()
      .then(() => {
        const dir = process.env.BENCH_CPU_PROF;
        if (!dir) return;
        for (const f of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile')))
          console.log(cpuProfileSummary(path.join(dir, f)));
      })
      .catch((err) => {
        console.error(err);
        process.exit(1);
      });
  }
}
