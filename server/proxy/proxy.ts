import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import { ServiceUnavailable, type HubError } from '../errors';
import type { Logger } from '../log';
import type { ProxyEngine, Upstream, UpstreamResponse } from './engine';
import { prepareForwardHeaders } from './forward-headers';
import { createProxyMetrics } from './metrics';
import { canonicalize, isProxyUrl, MalformedPath, matchProxyPath, type ProxyPath } from './path';
import {
  appNotRunning,
  appTimeout,
  isPageRequest,
  malformedPath,
  notFound,
  rejectUpgrade,
  type RestartOffer,
  sendError,
  sendLoginRedirect,
  sendSlashRedirect,
} from './responses';
import type { Route, RouteStore } from './route-store';
import { cookieNameSet, rewriteSetCookie } from './set-cookie';
import { createEngine } from './undici-engine';
import { WsTunnels } from './ws-tunnels';

/** Who is calling, as far as the proxy cares. */
export interface ProxyIdentity {
  name: string;
  admin: boolean;
}

/** Everything the proxy needs from the hub. */
export interface UserProxyOptions {
  routes: RouteStore;
  /** Resolves the caller from the raw request (session cookie or bearer token); null if none. */
  identify: (req: IncomingMessage) => Promise<ProxyIdentity | null>;
  /** The hub's cookies: removed before forwarding, and containers may not set them. */
  hubCookieNames: readonly string[];
  /** A proxied request whose app sends no response headers within this time gets 504. */
  timeoutSeconds: number;
  /** Idle WebSockets get a ping after this long. */
  wsPingSeconds: number;
  registry: Registry;
  /** Where browsers without a session are sent, with `?next=<path>` (e.g. '/login'). */
  loginPath: string;
  log: Logger;
  /** Trust X-Forwarded-* from a proxy in front of the hub (config `trust_proxy`). */
  trustProxy?: boolean;
  /** The portal page that starts an app again; the 503 page links to it with `?start=<mapping_id>`. */
  launcherPath?: string;
}

/** The reverse proxy for `/user/<name>/containers/<url_id>/`, HTTP and WebSocket. */
export interface UserProxy {
  /** True for requests the proxy answers (path under `/user/`); the rest go to Koa. */
  handles(req: IncomingMessage): boolean;
  /** Answers one HTTP request; never rejects. */
  handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Answers one upgrade request (WebSocket); never rejects. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
  /** Number of open WebSocket tunnels. */
  readonly openWebSockets: number;
  /** Drops open tunnels and idle upstream connections. */
  close(): void;
}

/**
 * One forwarded exchange, held by the engine's callbacks for this request only. (Never in a
 * WeakMap keyed by requests: that makes every young-generation GC walk an ephemeron table with
 * an entry per recent request; measured at 8 connections, GC took 12 % of the proxy's time,
 * with pauses up to 9 ms.)
 */
interface Forwarding {
  route: Readonly<Route>;
  prefix: string;
  timer: NodeJS.Timeout | null;
  timedOut: boolean;
  responded: boolean;
  upgraded: boolean;
  upstream: Upstream | null;
}

export function createUserProxy(opts: UserProxyOptions): UserProxy {
  const { routes, identify, log } = opts;
  const hubCookies = cookieNameSet(opts.hubCookieNames);
  const forwardOpts = { hubCookies, trustProxy: opts.trustProxy ?? false };
  const launcherPath = opts.launcherPath ?? '/hub/launcher';
  const timeoutMs = opts.timeoutSeconds * 1000;
  const metrics = createProxyMetrics(opts.registry);
  const engine: ProxyEngine = createEngine();
  const targets = new WeakMap<Readonly<Route>, URL>();
  const tunnels = new WsTunnels(opts.wsPingSeconds * 1000, {
    activity: (urlId, now) => routes.touch(urlId, now),
    opened: () => metrics.websocketOpened(),
    closed: (fromClient, toClient) => {
      metrics.websocketClosed();
      metrics.bytes(fromClient, toClient);
    },
  });

  const targetOf = (route: Readonly<Route>): URL => {
    let url = targets.get(route);
    if (!url) {
      url = new URL(route.target);
      targets.set(route, url);
    }
    return url;
  };

  const offerOf = (route: Readonly<Route>): RestartOffer => ({
    mappingId: route.mappingId,
    startUrl: `${launcherPath}?start=${encodeURIComponent(route.mappingId)}`,
  });

  /** The app's answer head, HTTP or upgrade: the timeout stops, cookies are confined. */
  function answered(f: Forwarding, head: UpstreamResponse): void {
    f.responded = true;
    if (f.timer) clearTimeout(f.timer);
    if (head.statusCode < 400) routes.touch(f.route.urlId);
    const cookies = head.headers['set-cookie'];
    if (cookies) head.headers['set-cookie'] = rewriteSetCookie(cookies, f.prefix, hubCookies);
  }

  function armTimeout(f: Forwarding): void {
    if (f.responded || f.timer) return;
    f.timer = setTimeout(() => {
      f.timedOut = true;
      metrics.upstreamError('timeout');
      log.warn(
        { url_id: f.route.urlId, seconds: opts.timeoutSeconds },
        'app did not answer in time',
      );
      // Cancelling makes the engine call onError, which answers.
      f.upstream?.destroy();
    }, timeoutMs);
  }

  function upstreamErrorKind(err: NodeJS.ErrnoException, f: Forwarding): string {
    if (f.timedOut) return 'timeout';
    if (err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH')
      return 'refused';
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return 'reset';
    return 'other';
  }

  function onWebError(
    err: NodeJS.ErrnoException,
    f: Forwarding,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    if (f.timer) {
      clearTimeout(f.timer);
      f.timer = null;
    }
    // The client's connection, from the response: an engine that gave up on an upload may
    // have detached `req` from its socket (undici does, to destroy the body stream alone).
    const client = res.socket;
    if (!client || client.destroyed) return;
    const kind = upstreamErrorKind(err, f);
    if (kind !== 'timeout') metrics.upstreamError(kind);
    log.warn({ url_id: f.route.urlId, code: err.code, kind }, 'proxied request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (f.timedOut) sendError(req, res, appTimeout(opts.timeoutSeconds));
    else sendError(req, res, appNotRunning(), offerOf(f.route));
  }

  function onWsError(err: NodeJS.ErrnoException, f: Forwarding, socket: Duplex): void {
    if (f.timer) clearTimeout(f.timer);
    const kind = upstreamErrorKind(err, f);
    if (kind !== 'timeout') metrics.upstreamError(kind);
    log.warn({ url_id: f.route.urlId, code: err.code, kind }, 'proxied websocket failed');
    if (!f.upgraded) {
      const answer = f.timedOut ? appTimeout(opts.timeoutSeconds) : appNotRunning();
      metrics.request(answer.status);
      rejectUpgrade(socket, answer);
    } else {
      socket.destroy();
    }
  }

  /**
   * The access decision, the same for HTTP and WebSocket: the route named by the canonical path
   * exists, sits under the owner's prefix, and the caller is that owner. Every failure is the
   * same `null`, so answers cannot tell "no such container" from "not yours".
   */
  function authorise(
    path: ProxyPath | null,
    identity: ProxyIdentity | null,
  ): Readonly<Route> | null {
    if (!path || !identity) return null;
    const route = routes.get(path.urlId);
    if (!route || route.user !== path.user || identity.name !== route.user) return null;
    return route;
  }

  async function resolve(
    req: IncomingMessage,
  ): Promise<
    | { kind: 'error'; error: HubError }
    | { kind: 'login'; next: string }
    | { kind: 'ok'; route: Readonly<Route>; path: ProxyPath }
  > {
    let canonical;
    try {
      canonical = canonicalize(req.url ?? '/');
    } catch (err) {
      if (err instanceof MalformedPath) return { kind: 'error', error: malformedPath() };
      throw err;
    }
    const path = matchProxyPath(canonical);
    let identity: ProxyIdentity | null;
    try {
      identity = await identify(req);
    } catch (err) {
      log.error({ err }, 'could not identify the caller of a proxied request');
      return {
        kind: 'error',
        error: new ServiceUnavailable('the hub could not check your login just now; try again'),
      };
    }
    const route = authorise(path, identity);
    if (!route || !path) {
      if (!identity && isPageRequest(req)) {
        return { kind: 'login', next: canonical.path + canonical.query };
      }
      return { kind: 'error', error: notFound() };
    }
    return { kind: 'ok', route, path };
  }

  /** Rewrites `req` for the app (forward headers, canonical path); the exchange's state. */
  function beginForwarding(
    req: IncomingMessage,
    route: Readonly<Route>,
    path: ProxyPath,
  ): Forwarding {
    prepareForwardHeaders(req, forwardOpts);
    req.url = path.url;
    const f: Forwarding = {
      route,
      prefix: path.prefix,
      timer: null,
      timedOut: false,
      responded: false,
      upgraded: false,
      upstream: null,
    };
    return f;
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sock = req.socket;
    const read0 = sock.bytesRead;
    const written0 = sock.bytesWritten;
    let f: Forwarding | undefined;
    res.once('close', () => {
      metrics.request(res.statusCode);
      metrics.bytes(sock.bytesRead - read0, sock.bytesWritten - written0);
      // The engine frees the upstream side of a client that left; the timer is ours.
      if (f?.timer) clearTimeout(f.timer);
    });
    try {
      const decision = await resolve(req);
      if (decision.kind === 'login') return sendLoginRedirect(res, opts.loginPath, decision.next);
      if (decision.kind === 'error') {
        log.warn({ status: decision.error.status, code: decision.error.code }, 'proxy refused');
        return sendError(req, res, decision.error);
      }
      const { route, path } = decision;
      if (route.status === 'dead') return sendError(req, res, appNotRunning(), offerOf(route));
      if (path.bare && (req.method === 'GET' || req.method === 'HEAD')) {
        return sendSlashRedirect(res, path.prefix + path.query);
      }
      const fw = beginForwarding(req, route, path);
      f = fw;
      // The timeout measures the app's answer, not the client's upload.
      if (req.readableEnded || req.complete) armTimeout(fw);
      else req.once('end', () => armTimeout(fw));
      fw.upstream = engine.forward(req, res, targetOf(route), {
        onResponse: (head) => answered(fw, head),
        onError: (err) => onWebError(err, fw, req, res),
      });
    } catch (err) {
      log.error({ err }, 'proxy failed');
      if (!res.headersSent)
        sendError(req, res, new ServiceUnavailable('the proxy failed; try again'));
      else res.destroy();
    }
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // The socket may die while we look up the caller; never let that error go unhandled.
    socket.on('error', () => socket.destroy());
    try {
      const decision = await resolve(req);
      if (decision.kind !== 'ok') {
        const error = decision.kind === 'error' ? decision.error : notFound();
        metrics.request(error.status);
        return rejectUpgrade(socket, error);
      }
      const { route, path } = decision;
      if (route.status === 'dead') {
        metrics.request(503);
        return rejectUpgrade(socket, appNotRunning());
      }
      const f = beginForwarding(req, route, path);
      armTimeout(f);
      f.upstream = engine.tunnel(req, socket, head, targetOf(route), {
        onResponse: (answer) => {
          answered(f, answer);
          f.upgraded = answer.statusCode === 101;
          metrics.request(answer.statusCode);
        },
        onUpgrade: (client, upstream) => tunnels.add(client, upstream, route.urlId),
        onError: (err) => onWsError(err, f, socket),
      });
    } catch (err) {
      log.error({ err }, 'proxy upgrade failed');
      socket.destroy();
    }
  }

  return {
    handles: (req) => isProxyUrl(req.url),
    handleRequest,
    handleUpgrade,
    get openWebSockets() {
      return tunnels.size;
    },
    close() {
      tunnels.close();
      engine.close();
    },
  };
}
