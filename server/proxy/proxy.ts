import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import { HubError, ServiceUnavailable } from '../errors';
import type { Logger } from '../log';
import type { ProxyEngine, Upstream, UpstreamResponse } from './engine';
import { forwardHeaderRewriter } from './forward-headers';
import { createProxyMetrics } from './metrics';
import { isLocalTarget, TargetNotLocal } from './local-target';
import {
  canonicalize,
  isProxyUrl,
  isUserApiUrl,
  MalformedPath,
  matchProxyPath,
  type ProxyPath,
} from './path';
import { type AppAccess, TICKET_PATH } from './app-access';
import { type AppHost, AppOrigins, NOT_AN_APP_HOST } from './app-origins';
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
  sendRedirect,
  sendSlashRedirect,
} from './responses';
import type { Route, RouteStore } from './route-store';
import { cookieNameSet, rewriteSetCookie } from './set-cookie';
import { createEngine } from './undici-engine';
import { type TunnelOwner, WsTunnels } from './ws-tunnels';
import { SHARE_TICKET_PATH } from '../shares/share-access';
import type { Shares } from '../shares/shares';
import { ViewOnlyStream } from './view-only-stream';

/** Who is calling, as far as the proxy cares. */
export interface ProxyIdentity {
  name: string;
  admin: boolean;
  /** How the caller proved it: a browser's session cookie, or a bearer token. */
  via?: 'session' | 'token';
  userId?: number;
  /** Hash of the session or token: WebSockets it opened close when it ends. */
  credentialHash?: string;
  /** Let in by a share link of this container, not as its owner (shared/DESIGN.md "Shares"). */
  share?: { id: string; urlId: string; mode: 'view' | 'control' };
}

/** App-origin isolation (shared/DESIGN.md "App origins"); see app-origins.ts. */
export interface AppIsolation {
  origins: AppOrigins;
  access: AppAccess;
  /** The live session stored under a hash (app cookies name their hub session by hash). */
  lookupSession(hash: string): Promise<ProxyIdentity | null>;
  /** Config `cookie_secure`. */
  cookieSecure: 'auto' | 'always' | 'never';
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
  /** Serve apps on origins of their own; without it apps share the hub's origin. */
  isolation?: AppIsolation;
  /** Computes the hub's origin for Origin checks; defaults to one from the Host header. */
  origins?: AppOrigins;
  /** Whether a session or token (by hash) is still valid: open WebSockets are re-checked. */
  credentialAlive?: (hash: string) => Promise<boolean>;
  /** Share links: their viewers are let in on app origins; revoking one closes its tunnels. */
  shares?: Shares;
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
  /**
   * Closes the WebSockets opened with a credential that just ended (logout, password change,
   * token revoked), or with any credential of a user (`userId`).
   */
  endCredentials(e: { credentialHash?: string; userId?: number }): number;
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
  /** Who opened it: a WebSocket closes when this login ends. */
  owner: TunnelOwner | null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** How often open WebSockets' logins are re-checked for changes made outside this process. */
const CREDENTIAL_RECHECK_MS = 30_000;

const pathOnly = (url: string | undefined): string => {
  const q = (url ?? '').indexOf('?');
  return q === -1 ? (url ?? '') : (url ?? '').slice(0, q);
};

const isUpgrade = (req: IncomingMessage): boolean => req.headers.upgrade !== undefined;

const onItsOwnOrigin = (): HubError =>
  new HubError(
    403,
    'app_origin_only',
    'this application is served on an origin of its own: open it from the portal (its link signs you in there), or call it with an API token',
  );

const foreignOriginRefused = (): HubError =>
  new HubError(
    403,
    'foreign_origin',
    "refused: the request came from a page of another origin, not from the application's own page",
  );

const openFromPortal = (): HubError =>
  new HubError(
    401,
    'app_login_required',
    'open this application from the hub portal: its link signs you in to the application',
  );

const viewOnly = (): HubError =>
  new HubError(
    403,
    'share_view_only',
    'this is a view-only share: it can watch the application but not send it changes',
  );

const ticketRefused = (): HubError =>
  new HubError(
    400,
    'app_ticket_invalid',
    'this sign-in link for the application was already used, has expired or belongs to another session: open the application again from the portal',
  );

export function createUserProxy(opts: UserProxyOptions): UserProxy {
  const { routes, identify, log } = opts;
  const origins =
    opts.origins ?? opts.isolation?.origins ?? new AppOrigins({ trustProxy: !!opts.trustProxy });
  const hubCookies = cookieNameSet(opts.hubCookieNames);
  const rewriteHeaders = forwardHeaderRewriter({
    hubCookies,
    trustProxy: opts.trustProxy ?? false,
  });
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

  const iso = opts.isolation;
  /** What the request's Host is to the proxy; parsed once per distinct header. */
  const appHostOf = (req: IncomingMessage): AppHost =>
    iso ? iso.origins.appHost(req.headers.host) : NOT_AN_APP_HOST;

  /** The launcher link of a 503 page; absolute on an app origin, where /hub/ is not served. */
  const offerOf = (route: Readonly<Route>, host: AppHost): RestartOffer => {
    const hub =
      iso && host.apps
        ? iso.origins.hubOriginFromApp(host, iso.access.hubOriginOf(route.urlId), true)
        : '';
    return {
      mappingId: route.mappingId,
      startUrl: `${hub ?? ''}${launcherPath}?start=${encodeURIComponent(route.mappingId)}`,
    };
  };

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
    else sendError(req, res, appNotRunning(), offerOf(f.route, appHostOf(req)));
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
    if (!route || route.user !== path.user) return null;
    if (identity.share) return identity.share.urlId === route.urlId ? route : null;
    if (identity.name !== route.user) return null;
    return route;
  }

  type Decision =
    | { kind: 'error'; error: HubError }
    | { kind: 'login'; next: string }
    | { kind: 'redirect'; location: string }
    | { kind: 'ok'; route: Readonly<Route>; path: ProxyPath; identity: ProxyIdentity };

  async function identifyOrFail(
    who: Promise<ProxyIdentity | null>,
  ): Promise<ProxyIdentity | null | HubError> {
    try {
      return await who;
    } catch (err) {
      log.error({ err }, 'could not identify the caller of a proxied request');
      return new ServiceUnavailable('the hub could not check your login just now; try again');
    }
  }

  /**
   * On an app origin the caller is a bearer token's owner or the holder of that origin's app
   * cookie; the hub's session cookie is never consulted there (it is not meant to reach it).
   */
  async function identifyOnApp(
    req: IncomingMessage,
    iso: AppIsolation,
    urlId: string,
  ): Promise<ProxyIdentity | null> {
    if (req.headers.authorization) {
      // Only the token counts: a malformed header must not fall back to a hub session cookie.
      const byToken = await identify(req);
      return byToken?.via === 'session' ? null : byToken;
    }
    const hash = iso.access.sessionOf(req, urlId);
    const owner = hash ? await iso.lookupSession(hash) : null;
    if (owner || !opts.shares) return owner;
    return shareViewer(req, iso, urlId, opts.shares);
  }

  /** A share link's viewer, as an identity that reaches this one container and no other. */
  async function shareViewer(
    req: IncomingMessage,
    iso: AppIsolation,
    urlId: string,
    shares: Shares,
  ): Promise<ProxyIdentity | null> {
    const admitted = await shares.admit(req, urlId, async (hash) => {
      const who = await iso.lookupSession(hash);
      return who && who.userId !== undefined
        ? { ...who, userId: who.userId, via: 'session', credentialHash: hash }
        : null;
    });
    if (!admitted) return null;
    const { share, viewer } = admitted;
    return {
      name: viewer?.name ?? '',
      admin: false,
      via: 'session',
      userId: viewer?.userId,
      credentialHash: viewer?.credentialHash,
      share: { id: share.id, urlId: share.url_id, mode: share.mode },
    };
  }

  /**
   * Whether the request's Origin must be the app's (or the hub's): a browser's cookie on an
   * upgrade or a state-changing request. One from a page of another origin (another app, any
   * site) is refused, so no page can drive an app as its owner.
   */
  function originChecked(req: IncomingMessage, identity: ProxyIdentity): boolean {
    if (identity.via === 'token' || req.headers.origin === undefined) return false;
    return isUpgrade(req) || !SAFE_METHODS.has(req.method ?? 'GET');
  }

  async function resolve(req: IncomingMessage, host: AppHost): Promise<Decision> {
    let canonical;
    try {
      canonical = canonicalize(req.url ?? '/');
    } catch (err) {
      if (err instanceof MalformedPath) return { kind: 'error', error: malformedPath() };
      throw err;
    }
    const path = matchProxyPath(canonical);
    if (iso && host.apps) return resolveOnApp(req, iso, host, path, canonical);

    const identity = await identifyOrFail(identify(req));
    if (identity instanceof HubError) return { kind: 'error', error: identity };
    const route = authorise(path, identity);
    if (!route || !path || !identity) {
      if (!identity && isPageRequest(req)) {
        return { kind: 'login', next: canonical.path + canonical.query };
      }
      return { kind: 'error', error: notFound() };
    }
    const domain = identity.via !== 'token' ? iso?.origins.appsDomainFor(req) : null;
    if (iso && domain) {
      // A browser on the hub origin never gets app content: it is sent to the app's origin.
      if (isUpgrade(req) || !SAFE_METHODS.has(req.method ?? 'GET'))
        return { kind: 'error', error: onItsOwnOrigin() };
      const appOrigin = iso.origins.appOrigin(req, route.urlId, domain);
      const ticket = iso.access.issue({
        sessionHash: identity.credentialHash ?? '',
        urlId: route.urlId,
        next: canonical.path + canonical.query,
        hubOrigin: iso.origins.hubOrigin(req),
      });
      return { kind: 'redirect', location: `${appOrigin}${TICKET_PATH}?t=${ticket}` };
    }
    if (originChecked(req, identity) && req.headers.origin !== origins.hubOrigin(req))
      return { kind: 'error', error: foreignOriginRefused() };
    return { kind: 'ok', route, path, identity };
  }

  /** An app origin serves its own container's paths and nothing else. */
  async function resolveOnApp(
    req: IncomingMessage,
    iso: AppIsolation,
    host: AppHost,
    path: ProxyPath | null,
    canonical: { path: string; query: string },
  ): Promise<Decision> {
    const urlId = host.urlId;
    if (!urlId || !path || path.urlId !== urlId) return { kind: 'error', error: notFound() };
    const identity = await identifyOrFail(identifyOnApp(req, iso, urlId));
    if (identity instanceof HubError) return { kind: 'error', error: identity };
    const route = authorise(path, identity);
    if (!route || !identity) {
      if (!identity && isPageRequest(req)) {
        // Back to the hub's origin, which logs in if needed and hands out a ticket.
        const hub = iso.origins.hubOriginFromApp(host, iso.access.hubOriginOf(urlId), false);
        if (hub) return { kind: 'redirect', location: hub + canonical.path + canonical.query };
        return { kind: 'error', error: openFromPortal() };
      }
      return { kind: 'error', error: notFound() };
    }
    if (originChecked(req, identity) && req.headers.origin !== iso.origins.requestOrigin(req))
      return { kind: 'error', error: foreignOriginRefused() };
    return { kind: 'ok', route, path, identity };
  }

  /** GET /_hub/ticket?t=… on an app origin: a ticket becomes this origin's cookie. */
  async function redeemTicket(
    req: IncomingMessage,
    res: ServerResponse,
    iso: AppIsolation,
    urlId: string,
  ): Promise<void> {
    const q = (req.url ?? '').indexOf('?');
    const ticket = new URLSearchParams(q === -1 ? '' : (req.url ?? '').slice(q)).get('t');
    const grant = ticket && req.method === 'GET' ? iso.access.redeem(ticket, urlId) : null;
    const identity = grant ? await iso.lookupSession(grant.sessionHash) : null;
    const route = routes.get(urlId);
    if (!grant || !identity || !route || route.user !== identity.name) {
      log.warn({ url_id: urlId }, 'app ticket refused');
      return sendError(req, res, ticketRefused());
    }
    const secure =
      iso.cookieSecure === 'always' || (iso.cookieSecure === 'auto' && iso.origins.isSecure(req));
    sendRedirect(res, grant.next, {
      'Set-Cookie': iso.access.setCookies(urlId, grant.sessionHash, secure),
    });
  }

  /** GET /_hub/share?t=… on an app origin: a share ticket becomes this origin's share cookie. */
  async function redeemShareTicket(
    req: IncomingMessage,
    res: ServerResponse,
    iso: AppIsolation,
    urlId: string,
    shares: Shares,
  ): Promise<void> {
    const q = (req.url ?? '').indexOf('?');
    const ticket = new URLSearchParams(q === -1 ? '' : (req.url ?? '').slice(q)).get('t');
    const grant = ticket && req.method === 'GET' ? shares.access.redeem(ticket, urlId) : null;
    const share = grant ? await shares.get(grant.shareId) : null;
    if (!grant || !share || share.url_id !== urlId || shares.ended(share) || !routes.get(urlId)) {
      log.warn({ url_id: urlId }, 'share ticket refused');
      return sendError(req, res, ticketRefused());
    }
    const secure =
      iso.cookieSecure === 'always' || (iso.cookieSecure === 'auto' && iso.origins.isSecure(req));
    sendRedirect(res, grant.next, {
      'Set-Cookie': shares.access.setCookie(urlId, grant, secure),
    });
  }

  /** Rewrites `req` for the app (forward headers, canonical path); the exchange's state. */
  function beginForwarding(
    req: IncomingMessage,
    route: Readonly<Route>,
    path: ProxyPath,
    identity: ProxyIdentity,
  ): Forwarding {
    rewriteHeaders(req);
    req.url = path.url;
    const f: Forwarding = {
      route,
      prefix: path.prefix,
      timer: null,
      timedOut: false,
      responded: false,
      upgraded: false,
      upstream: null,
      owner: identity.share
        ? {
            userId: identity.userId ?? null,
            credentialHash: identity.credentialHash ?? null,
            shareId: identity.share.id,
          }
        : identity.userId !== undefined && identity.credentialHash
          ? { userId: identity.userId, credentialHash: identity.credentialHash }
          : null,
    };
    return f;
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sock = req.socket;
    const read0 = sock.bytesRead;
    const written0 = sock.bytesWritten;
    let f: Forwarding | undefined;
    // `close` comes once: `on` spares the wrapper `once` makes.
    res.on('close', () => {
      metrics.request(res.statusCode);
      metrics.bytes(sock.bytesRead - read0, sock.bytesWritten - written0);
      // The engine frees the upstream side of a client that left; the timer is ours.
      if (f?.timer) clearTimeout(f.timer);
    });
    try {
      const host = appHostOf(req);
      const appUrlId = host.urlId;
      if (iso && appUrlId && pathOnly(req.url) === TICKET_PATH)
        return await redeemTicket(req, res, iso, appUrlId);
      if (iso && appUrlId && opts.shares && pathOnly(req.url) === SHARE_TICKET_PATH)
        return await redeemShareTicket(req, res, iso, appUrlId, opts.shares);
      const decision = await resolve(req, host);
      if (decision.kind === 'login') return sendLoginRedirect(res, opts.loginPath, decision.next);
      if (decision.kind === 'redirect') return sendRedirect(res, decision.location);
      if (decision.kind === 'error') {
        log.warn({ status: decision.error.status, code: decision.error.code }, 'proxy refused');
        // Never from the url_id: a page for one that never existed reads the same.
        const hub = iso && host.apps ? iso.origins.hubOriginFromApp(host, undefined, true) : '';
        const portal = hub === null ? null : hub + launcherPath;
        return sendError(req, res, decision.error, undefined, portal);
      }
      const { route, path, identity } = decision;
      if (identity.share?.mode === 'view' && !SAFE_METHODS.has(req.method ?? 'GET'))
        return sendError(req, res, viewOnly());
      if (route.status === 'dead')
        return sendError(req, res, appNotRunning(), offerOf(route, host));
      if (!isLocalTarget(route.target)) return sendError(req, res, new TargetNotLocal());
      if (path.bare && (req.method === 'GET' || req.method === 'HEAD')) {
        return sendSlashRedirect(res, path.prefix + path.query);
      }
      const fw = beginForwarding(req, route, path, identity);
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
      const decision = await resolve(req, appHostOf(req));
      if (decision.kind !== 'ok') {
        const error = decision.kind === 'error' ? decision.error : notFound();
        metrics.request(error.status);
        return rejectUpgrade(socket, error);
      }
      const { route, path, identity } = decision;
      if (route.status === 'dead') {
        metrics.request(503);
        return rejectUpgrade(socket, appNotRunning());
      }
      if (!isLocalTarget(route.target)) {
        metrics.request(502);
        return rejectUpgrade(socket, new TargetNotLocal());
      }
      const view = identity.share?.mode === 'view';
      // The view filter reads plain frames: no extension (permessage-deflate) is negotiated.
      if (view) delete req.headers['sec-websocket-extensions'];
      const f = beginForwarding(req, route, path, identity);
      armTimeout(f);
      f.upstream = engine.tunnel(req, socket, head, targetOf(route), {
        clientFilter: view ? () => viewFilter(route.urlId, identity.share?.id) : undefined,
        onResponse: (answer) => {
          answered(f, answer);
          f.upgraded = answer.statusCode === 101;
          metrics.request(answer.statusCode);
        },
        onUpgrade: (client, upstream) => {
          tunnels.add(client, upstream, route.urlId, f.owner);
          const share = identity.share;
          if (share && opts.shares) {
            const gone = opts.shares.connected(share.id, identity.name || null);
            client.once('close', gone);
          }
        },
        onError: (err) => onWsError(err, f, socket),
      });
    } catch (err) {
      log.error({ err }, 'proxy upgrade failed');
      socket.destroy();
    }
  }

  /** A view share's input filter; what made it close a connection is worth a log line. */
  function viewFilter(urlId: string, shareId: string | undefined): ViewOnlyStream {
    const filter = new ViewOnlyStream();
    filter.once('error', (err) =>
      log.warn({ url_id: urlId, share: shareId, reason: err.message }, 'view share closed'),
    );
    return filter;
  }

  const endCredentials = (e: { credentialHash?: string; userId?: number }): number => {
    const n = tunnels.closeOwnedBy(
      (o) =>
        (e.credentialHash !== undefined && o.credentialHash === e.credentialHash) ||
        (e.userId !== undefined && o.userId === e.userId),
    );
    if (n) log.info({ websockets: n }, 'closed the WebSockets of an ended login');
    return n;
  };

  const endShare = (shareId: string): number => {
    const n = tunnels.closeOwnedBy((o) => o.shareId === shareId);
    if (n) log.info({ websockets: n, share: shareId }, 'closed the WebSockets of an ended share');
    return n;
  };
  opts.shares?.onEnded(endShare);

  // Logins can also end in another process (the CLI disables a user), and shares expire:
  // re-check now and then.
  const recheck = opts.credentialAlive;
  const shares = opts.shares;
  const sweeper =
    recheck || shares
      ? setInterval(() => {
          if (recheck)
            for (const hash of tunnels.credentials()) {
              void recheck(hash)
                .then((alive) => alive || endCredentials({ credentialHash: hash }))
                .catch(() => undefined);
            }
          for (const id of shares?.withConnections() ?? []) {
            void shares
              ?.get(id)
              .then((row) => (!row || shares.ended(row)) && endShare(id))
              .catch(() => undefined);
          }
        }, CREDENTIAL_RECHECK_MS)
      : null;
  sweeper?.unref();

  return {
    // An app origin serves its container's paths and nothing else (so the proxy answers all
    // of it); on the hub's origin, /user/<name>/api/ is SimPhoNy's REST API, served by Koa.
    handles: (req) => appHostOf(req).apps || (isProxyUrl(req.url) && !isUserApiUrl(req.url)),
    handleRequest,
    handleUpgrade,
    get openWebSockets() {
      return tunnels.size;
    },
    endCredentials,
    close() {
      if (sweeper) clearInterval(sweeper);
      tunnels.close();
      engine.close();
    },
  };
}
