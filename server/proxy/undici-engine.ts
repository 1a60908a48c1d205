import { EventEmitter } from 'node:events';
import type {
  IncomingHttpHeaders,
  IncomingMessage,
  OutgoingHttpHeaders,
  ServerResponse,
} from 'node:http';
import * as httpProxy3 from 'http-proxy-3';
import { type Dispatcher, Pool } from 'undici';
import type { ProxyEngine, UpstreamRequest, UpstreamResponse } from './engine-types';

// Idle connections to an app are closed before the app's own keep-alive timeout (Node's default
// is 5 s) can close them under a request that is just being sent.
const KEEP_ALIVE_MS = 4000;
// A pool whose app has not been asked anything for this long is closed (apps come and go).
const POOL_IDLE_MS = 60_000;

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

/** The upstream side of one exchange, as the hub's proxy sees it: something it can cancel. */
class UpstreamCall implements UpstreamRequest {
  private controller: Dispatcher.DispatchController | null = null;
  private reason: Error | null = null;

  get cancelled(): boolean {
    return this.reason !== null;
  }

  attach(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.reason) controller.abort(this.reason);
  }

  destroy(): void {
    if (this.reason) return;
    this.reason = Object.assign(new Error('upstream request cancelled'), { code: 'ECONNRESET' });
    this.controller?.abort(this.reason);
  }
}

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
    if (HOP_BY_HOP.has(key) || named?.has(key)) continue;
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
 * The http-proxy API with HTTP exchanges on undici and WebSocket upgrades on http-proxy-3.
 *
 * undici's pooled HTTP/1.1 client (llhttp, no ClientRequest/IncomingMessage objects per
 * exchange) costs about half the CPU per small request of http.request, which both http-proxy
 * packages use; see engine.ts for the measurements. Upgrades stay on http-proxy-3: a handshake
 * happens once per connection, and after it the tunnel is a socket pair either way.
 *
 * Like http-proxy it emits `proxyReq` (before the request is sent; the object can be
 * destroyed), `proxyRes` (before the head is written; its headers may be rewritten) and, from
 * http-proxy-3, `proxyReqWs` and `error`. Bodies stream both ways with backpressure.
 */
export class UndiciEngine extends EventEmitter implements ProxyEngine {
  private readonly pools = new Map<string, { pool: Pool; used: number }>();
  private readonly upgrades = httpProxy3.createProxyServer({
    xfwd: false,
    changeOrigin: false,
    prependPath: false,
    ws: true,
  });
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    super();
    this.sweeper = setInterval(() => this.closeIdlePools(), POOL_IDLE_MS);
    this.sweeper.unref();
    this.upgrades.on('proxyReqWs', (...args: unknown[]) => this.emit('proxyReqWs', ...args));
    this.upgrades.on('error', (...args: unknown[]) => this.emit('error', ...args));
  }

  web(
    req: IncomingMessage,
    res: ServerResponse,
    options: { target: URL },
    callback: (err: NodeJS.ErrnoException, req: IncomingMessage, res: ServerResponse) => void,
  ): void {
    const call = new UpstreamCall();
    // A client that leaves mid-answer frees the app's connection (else a paused download would
    // hold it for good); the engine does this itself so that it leaks nothing on its own.
    res.once('close', () => {
      if (!res.writableFinished) call.destroy();
    });
    this.emit('proxyReq', call, req, res);
    this.dispatch(req, res, options.target, call, callback, true);
  }

  private dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    target: URL,
    call: UpstreamCall,
    callback: (err: NodeJS.ErrnoException, req: IncomingMessage, res: ServerResponse) => void,
    mayRetry: boolean,
  ): void {
    const body = hasBody(req) ? req : null;
    let status = 0;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart: (controller) => call.attach(controller),
      onResponseStart: (controller, statusCode, headers, statusMessage) => {
        // 1xx interim answers (Early Hints) are not relayed; the final answer follows.
        if (statusCode < 200) return;
        status = statusCode;
        const response: UpstreamResponse = { statusCode, headers };
        this.emit('proxyRes', response, req, res);
        const out: OutgoingHttpHeaders = {};
        for (const key in response.headers) {
          if (!HOP_BY_HOP.has(key)) out[key] = response.headers[key];
        }
        res.writeHead(statusCode, statusMessage || undefined, out);
        res.on('drain', () => controller.resume());
      },
      onResponseData: (controller, chunk) => {
        if (!res.write(chunk)) controller.pause();
      },
      onResponseEnd: () => {
        res.end();
      },
      onResponseError: (_controller, err: Error & { code?: string }) => {
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
        // was answered, so a bodiless GET or HEAD is sent once more (the pool drops that socket).
        if (
          mayRetry &&
          status === 0 &&
          !body &&
          (req.method === 'GET' || req.method === 'HEAD') &&
          err.code === 'UND_ERR_SOCKET' &&
          !call.cancelled &&
          !res.destroyed
        ) {
          this.dispatch(req, res, target, call, callback, false);
          return;
        }
        this.fail(asErrno(err), req, res, callback);
      },
    };
    try {
      this.poolFor(target).dispatch(
        {
          path: req.url ?? '/',
          method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
          headers: upstreamHeaders(req.headers),
          body,
        },
        handler,
      );
    } catch (err) {
      // undici refuses a request it cannot send (an invalid header value) before dispatching.
      this.fail(err as NodeJS.ErrnoException, req, res, callback);
    }
  }

  /**
   * Hands an error to the caller's callback. It runs inside undici's socket handlers, where a
   * throw would be uncaught and end the hub: a failing callback costs this one response only.
   */
  private fail(
    err: NodeJS.ErrnoException,
    req: IncomingMessage,
    res: ServerResponse,
    callback: (err: NodeJS.ErrnoException, req: IncomingMessage, res: ServerResponse) => void,
  ): void {
    try {
      callback(err, req, res);
    } catch (thrown) {
      res.destroy();
      this.emit('error', thrown, req, res);
    }
  }

  readonly ws: ProxyEngine['ws'] = (req, socket, head, options, callback) => {
    this.upgrades.ws(req, socket, head, options, callback as never);
  };

  /** Closes every pool and stops the idle sweep. */
  close(): void {
    clearInterval(this.sweeper);
    for (const { pool } of this.pools.values()) void pool.destroy().catch(() => undefined);
    this.pools.clear();
  }

  private poolFor(target: URL): Pool {
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
        }),
        used: 0,
      };
      this.pools.set(origin, entry);
    }
    entry.used = Date.now();
    return entry.pool;
  }

  private closeIdlePools(): void {
    const idleSince = Date.now() - POOL_IDLE_MS;
    for (const [origin, entry] of this.pools) {
      if (entry.used < idleSince) {
        this.pools.delete(origin);
        void entry.pool.close().catch(() => undefined);
      }
    }
  }
}
