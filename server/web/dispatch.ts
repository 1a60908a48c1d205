import http from 'node:http';
import type { Duplex } from 'node:stream';
import { hasManyHosts, manyHosts } from '../proxy/host-header';
import { rejectUpgrade, sendError } from '../proxy/responses';

/** What answers requests before Koa (the user-container proxy). */
export interface RawHandler {
  /** True for the requests this handler answers; the rest go to Koa. */
  handles(req: http.IncomingMessage): boolean;
  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> | void;
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> | void;
}

/**
 * The hub's one HTTP server and its one routing decision: `/user/…` goes straight to the proxy
 * (no Koa on that hot path), everything else to Koa. Upgrades only ever go to the proxy: the
 * hub's own pages use none.
 */
export function createHubServer(proxy: RawHandler, koa: http.RequestListener): http.Server {
  const server = http.createServer((req, res) => {
    if (hasManyHosts(req)) sendError(req, res, manyHosts(), undefined, null);
    else if (proxy.handles(req)) void proxy.handleRequest(req, res);
    else void koa(req, res);
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (hasManyHosts(req)) rejectUpgrade(socket, manyHosts());
    else if (proxy.handles(req)) void proxy.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  // Long-lived VNC WebSockets and SSE progress streams must not be cut by Node's defaults.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  return server;
}
