import http, { type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import * as httpProxy3 from 'http-proxy-3';
import httpProxy from 'http-proxy';
import type { ProxyEngine, UpstreamRequest } from './engine-types';

// Idle connections to apps are closed before the apps' own keep-alive timeouts (Node's default
// is 5 s) would close them under a request; one that still hits a closed one is sent again.
const UPSTREAM_IDLE_MS = 4000;

// No X-Forwarded handling (forward-headers.ts does it, trusting or not), the client's Host kept
// (apps check Origin against it), the full path kept.
const OPTIONS = { xfwd: false, changeOrigin: false, prependPath: false, ws: true } as const;

type Callback = (err: NodeJS.ErrnoException, req: IncomingMessage, res: ServerResponse) => void;

/** The upstream request of one exchange, and whether the hub cancelled it (timeout, client gone). */
interface Sent {
  request: ClientRequest;
  cancelled: boolean;
  handle: UpstreamRequest;
}

const SENT = Symbol('hub.upstream');
type Tracked = IncomingMessage & { [SENT]?: Sent };

/**
 * http-proxy or http-proxy-3 as a ProxyEngine: the library with the hygiene it lacks. It owns
 * the keep-alive agent, sends a GET once more when the kept-alive connection it went out on was
 * closed by the app, and cuts the client off when the app dies mid-answer.
 */
export function httpProxyEngine(library: 'http-proxy' | 'http-proxy-3'): ProxyEngine {
  const server = (library === 'http-proxy'
    ? httpProxy.createProxyServer(OPTIONS)
    : httpProxy3.createProxyServer(OPTIONS)) as unknown as NodeJS.EventEmitter & {
    web(req: IncomingMessage, res: ServerResponse, options: object, cb: Callback): void;
    ws: ProxyEngine['ws'];
  };
  const agent = new http.Agent({
    keepAlive: true,
    maxFreeSockets: 256,
    timeout: UPSTREAM_IDLE_MS,
    scheduling: 'lifo',
  });

  // Registered before any listener of the hub's, so every later one finds the entry.
  server.on('proxyReq', (request: ClientRequest, req: Tracked) => {
    const sent: Sent = {
      request,
      cancelled: false,
      handle: {
        destroy: () => {
          sent.cancelled = true;
          request.destroy();
        },
      },
    };
    req[SENT] = sent;
  });
  // Neither package ends the client's response when the app's dies mid-body (its pipe just
  // stops), so the client would wait for the rest forever: cut it off, as the app did.
  server.on('proxyRes', (proxyRes: IncomingMessage, _req: IncomingMessage, res: ServerResponse) => {
    proxyRes.once('close', () => {
      if (!proxyRes.complete) res.destroy();
    });
  });

  const send = (
    req: Tracked,
    res: ServerResponse,
    options: { target: URL },
    callback: Callback,
    mayRetry: boolean,
  ): void => {
    server.web(req, res, { agent, ...options }, (err, _req, _res) => {
      const sent = req[SENT];
      // A kept-alive connection the app closed just as the request went out on it: nothing
      // was answered, so a GET or HEAD is sent once more.
      if (
        mayRetry &&
        sent &&
        !sent.cancelled &&
        sent.request.reusedSocket &&
        err.code === 'ECONNRESET' &&
        !res.headersSent &&
        res.socket &&
        !res.socket.destroyed &&
        (req.method === 'GET' || req.method === 'HEAD')
      ) {
        send(req, res, options, callback, false);
        return;
      }
      callback(err, req, res);
    });
  };

  return {
    web: (req, res, options, callback) => send(req, res, options, callback, true),
    ws: (req, socket, head, options, callback) => server.ws(req, socket, head, options, callback),
    on(event: string, listener: (...args: never[]) => void) {
      if (event !== 'proxyReq') return server.on(event, listener as (...args: unknown[]) => void);
      // The hub gets the handle, whose destroy() marks the request as cancelled by the hub.
      return server.on('proxyReq', (_request: ClientRequest, req: Tracked, res: ServerResponse) =>
        (listener as (h: UpstreamRequest, req: IncomingMessage, res: ServerResponse) => void)(
          req[SENT]!.handle,
          req,
          res,
        ),
      );
    },
    close: () => agent.destroy(),
  } as ProxyEngine;
}
