import type {
  IncomingHttpHeaders,
  IncomingMessage,
  OutgoingHttpHeaders,
  ServerResponse,
} from 'node:http';
import { type Dispatcher, Pool } from 'undici';
import type { ForwardOptions, ProxyEngine, Upstream } from './engine';
import { tunnel } from './upgrade';

// Idle connections to an app are closed before the app's own keep-alive timeout (Node's default
// is 5 s) can close them under a request that is just being sent.
const KEEP_ALIVE_MS = 4000;
// A pool whose app has not been asked anything for this long is closed: its connections are gone
// by then (KEEP_ALIVE_MS), so it keeps nothing worth having, while a hub restarted under 1,000
// routes, which all answer the first probe, would otherwise hold 1,000 pools for a minute.
const POOL_IDLE_MS = 10_000;
// A bodiless GET or HEAD that met a kept-alive connection the app had just closed is sent again,
// up to this many times in all. Each failure removes one stale connection from the pool, and an
// app that closes at once may leave every idle connection of a busy pool stale together (one
// in 200 requests failed with 3 tries under 8 concurrent clients on a loaded machine).
const MAX_TRIES = 8;
// An app that closes idle connections at once, without saying so, would cost a failed write and
// a retry on nearly every request: after this many such failures within the window, requests to
// it go out with `Connection: close` for a while. (One failure is the ordinary race with an
// app's keep-alive timeout, and changes nothing.)
const STALE_FAILURES = 3;
const STALE_WINDOW_MS = 10_000;
const CLOSING_APP_MS = 60_000;
// How a stale connection shows: closed (undici's own code), or reset under the request's bytes.
const STALE_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/** One app's connections, and until when it is treated as closing them after every answer. */
interface PoolEntry {
  pool: Pool;
  used: number;
  staleFailures: number;
  staleSince: number;
  closingUntil: number;
}

/** Counts a kept-alive connection found closed by the app; may switch the app to closing. */
function countStale(entry: PoolEntry, now: number): void {
  if (now - entry.staleSince > STALE_WINDOW_MS) {
    entry.staleSince = now;
    entry.staleFailures = 0;
  }
  if (++entry.staleFailures >= STALE_FAILURES) entry.closingUntil = now + CLOSING_APP_MS;
}

// Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus Expect: Node's
// server already answered `100-continue`, and the app must not wait for the body a second time.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'http2-settings',
]);

// Set by the hub for the app (forward-headers.ts): a client naming them in `Connection` must not
// make them vanish, or the app would take the hub for the peer and its own address for the Host.
const HUB_SET = new Set(['host', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto']);

/** The request headers for the app: the client's (already rewritten by the hub), minus hop-by-hop. */
function upstreamHeaders(headers: IncomingHttpHeaders): string[] {
  const connection = headers.connection;
  // Connection may name further per-hop headers (`Connection: close, X-Trace`).
  const named =
    connection && connection.includes(',')
      ? new Set(connection.toLowerCase().split(/\s*,\s*/))
      : null;
  const out: string[] = [];
  for (const key in headers) {
    if (HOP_BY_HOP.has(key) || (named?.has(key) && !HUB_SET.has(key))) continue;
    const value = headers[key];
    if (value === undefined) continue;
    if (typeof value === 'string') out.push(key, value);
    else for (const v of value) out.push(key, v);
  }
  return out;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

// undici names its socket failures itself; the hub classifies upstream errors by errno code.
function asErrno(err: Error & { code?: string }): NodeJS.ErrnoException {
  if (err.code === 'UND_ERR_SOCKET' || err.code === 'UND_ERR_CLOSED') {
    return Object.assign(err, { code: 'ECONNRESET' });
  }
  return err;
}

/**
 * The proxy's one engine: HTTP exchanges on undici's pooled HTTP/1.1 client, upgrades relayed
 * on node:http (upgrade.ts).
 *
 * Chosen by measurement (`bench/proxy.ts --engines`, 2026-11-22: 2-core shared box, Node 20,
 * C echo backend, 8 keep-alive connections, two interleaved rounds; soak = 2,000 WebSockets
 * hung up without a close frame + 200 clients leaving a 1 GiB download, counted 5 s later;
 * "raw" = the engine alone, "hub" = inside createUserProxy with the real session check):
 *
 *   proxy                small req/s    CPU µs/req   open fds before → after soak
 *   raw undici           24.5k, 27.2k     38, 36     36 → 22,  37 → 22
 *   raw http-proxy-3     12.0k, 13.6k     85, 75     31 → 22,  31 → 22
 *   raw http-proxy       16.9k, 12.9k     59, 79     31 → 222, 31 → 222  (leaks ~190 sockets)
 *   hub on undici        15.8k, 17.1k     69, 64     35 → 25,  34 → 25
 *   hub on http-proxy-3   8.0k,  7.9k    138, 139    34 → 25,  34 → 25
 *   hub on http-proxy     8.2k,  9.6k    132, 115    34 → 25,  34 → 25
 *
 * Both http-proxy packages forward with http.request, whose ClientRequest/IncomingMessage pair
 * per exchange costs more than the whole rest of the hub's work; undici (llhttp, no such
 * objects per exchange) does the same exchange for about half the CPU. http-proxy 1.18 also
 * leaks the upstream socket of every client that leaves mid-response and is unmaintained. The
 * two packages remain in bench/ as references; the hub ships this engine only.
 */
export function createEngine(): ProxyEngine {
  const http = new UndiciForwarder();
  return {
    forward: (req, res, target, opts) => http.forward(req, res, target, opts),
    tunnel,
    close: () => http.close(),
  };
}

/**
 * HTTP forwarding on one undici Pool per app origin. Bodies stream both ways with backpressure;
 * a GET or HEAD that met a kept-alive connection the app had just closed is sent once more.
 */
class UndiciForwarder {
  private readonly pools = new Map<string, PoolEntry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    this.sweeper = setInterval(() => this.closeIdlePools(), POOL_IDLE_MS / 2);
    this.sweeper.unref();
  }

  forward(req: IncomingMessage, res: ServerResponse, target: URL, opts: ForwardOptions): Upstream {
    const exchange = new Exchange(req, res, this.poolFor(target), opts);
    // A client that leaves mid-answer frees the app's connection (else a paused download would
    // hold it for good). `close` comes once: `on` spares the wrapper `once` makes.
    res.on('close', exchange.onClientClose);
    exchange.send();
    return exchange;
  }

  /** Closes every pool and stops the idle sweep. */
  close(): void {
    clearInterval(this.sweeper);
    for (const { pool } of this.pools.values()) void pool.destroy().catch(() => undefined);
    this.pools.clear();
  }

  private poolFor(target: URL): PoolEntry {
    const origin = target.origin;
    let entry = this.pools.get(origin);
    if (!entry) {
      entry = {
        pool: new Pool(origin, {
          keepAliveTimeout: KEEP_ALIVE_MS,
          keepAliveMaxTimeout: KEEP_ALIVE_MS,
          // The hub's own timer answers 504 for a slow app (proxy.timeout_seconds); a streaming
          // body may pause for as long as it likes.
          headersTimeout: 0,
          bodyTimeout: 0,
          // No TCP keep-alive probes (idle connections live 4 s; a dead app is a Docker event):
          // it saves setsockopt calls on every new connection, which an app that closes after
          // every answer makes on every request.
          connect: { keepAlive: false },
        }),
        used: 0,
        staleFailures: 0,
        staleSince: 0,
        closingUntil: 0,
      };
      this.pools.set(origin, entry);
    }
    entry.used = Date.now();
    return entry;
  }

  private closeIdlePools(): void {
    const now = Date.now();
    const idleSince = now - POOL_IDLE_MS;
    for (const [origin, entry] of this.pools) {
      // An app known to close its connections keeps that mark (and so its entry) a while.
      if (entry.used < idleSince && entry.closingUntil <= now) {
        this.pools.delete(origin);
        void entry.pool.close().catch(() => undefined);
      }
    }
  }
}

/**
 * One forwarded exchange: undici's handler and the caller's cancel handle in one object, its
 * callbacks methods rather than closures made per request. A GET or HEAD that met a kept-alive
 * connection the app had just closed is dispatched again with the same object.
 */
class Exchange implements Upstream, Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private reason: Error | null = null;
  private status = 0;
  private tries = 0;
  private draining = false;
  private readonly body: IncomingMessage | null;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly entry: PoolEntry,
    private readonly opts: ForwardOptions,
  ) {
    this.body = hasBody(req) ? req : null;
  }

  /** Dispatches the request (again, on a retry). */
  send(): void {
    this.tries++;
    const { req, entry } = this;
    try {
      entry.pool.dispatch(
        {
          path: req.url ?? '/',
          method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
          headers: upstreamHeaders(req.headers),
          body: this.body,
          reset: entry.closingUntil > entry.used ? true : undefined,
        },
        this,
      );
    } catch (err) {
      // undici refuses a request it cannot send (an invalid header value) before dispatching.
      fail(this.opts, err as NodeJS.ErrnoException, this.res);
    }
  }

  /** Cancels the exchange (the hub's timeout, a client gone). */
  destroy(): void {
    if (this.reason) return;
    this.reason = Object.assign(new Error('upstream request cancelled'), { code: 'ECONNRESET' });
    this.controller?.abort(this.reason);
  }

  readonly onClientClose = (): void => {
    if (!this.res.writableFinished) this.destroy();
  };

  private readonly onDrain = (): void => {
    this.draining = false;
    this.controller?.resume();
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.reason) controller.abort(this.reason);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    // 1xx interim answers (Early Hints) are not relayed; the final answer follows.
    if (statusCode < 200) return;
    this.status = statusCode;
    this.opts.onResponse({ statusCode, headers });
    const out: OutgoingHttpHeaders = {};
    for (const key in headers) {
      if (!HOP_BY_HOP.has(key)) out[key] = headers[key];
    }
    this.res.writeHead(statusCode, statusMessage || undefined, out);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.res.write(chunk) || this.draining) return;
    // Backpressure: the app's side waits until the client has read what it was sent.
    controller.pause();
    this.draining = true;
    this.res.once('drain', this.onDrain);
  }

  onResponseEnd(): void {
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error & { code?: string }) {
    const { req, res, status } = this;
    // An app that sends a body with a 204/304 or a HEAD answer (against RFC 9110 §6.4.1)
    // trips undici's length check after the head was relayed; the client has its whole
    // answer then, as behind Node's own client, which drops such bytes.
    if (
      err.code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' &&
      (status === 204 || status === 304 || req.method === 'HEAD')
    ) {
      res.end();
      return;
    }
    // A kept-alive connection the app closed just as the request went out on it: nothing
    // was answered, so a bodiless GET or HEAD is sent again (the pool drops that socket).
    if (
      this.tries < MAX_TRIES &&
      status === 0 &&
      !this.body &&
      (req.method === 'GET' || req.method === 'HEAD') &&
      STALE_CODES.has(err.code ?? '') &&
      !this.reason &&
      !res.destroyed
    ) {
      countStale(this.entry, Date.now());
      this.send();
      return;
    }
    fail(this.opts, asErrno(err), res);
  }
}

/**
 * Hands an error to the caller. It runs inside undici's socket handlers, where a throw would be
 * uncaught and end the hub: a failing callback costs this one response only.
 */
function fail(opts: ForwardOptions, err: NodeJS.ErrnoException, res: ServerResponse): void {
  try {
    opts.onError(err);
  } catch {
    res.destroy();
  }
}
