import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { logger } from '../../server/log';
import { createUserProxy, type UserProxy, type UserProxyOptions } from '../../server/proxy/proxy';
import { RouteStore } from '../../server/proxy/route-store';

/**
 * A real http server hosting the proxy exactly as the hub wires it (raw 'request' before the
 * app, 'upgrade' for WebSockets), with a stand-in identity: the session cookie's value or the
 * bearer token (`tok-<name>`) names the user. Used by the proxy's integration tests and bench.
 */
export const HUB_COOKIES = ['hub-session', 'hub-session.sig'];

export interface ProxyHarness {
  url: string;
  port: number;
  routes: RouteStore;
  proxy: UserProxy;
  registry: Registry;
  server: http.Server;
  close(): Promise<void>;
}

export async function startProxyHarness(
  overrides: Partial<UserProxyOptions> = {},
): Promise<ProxyHarness> {
  const routes = overrides.routes ?? new RouteStore();
  const registry = overrides.registry ?? new Registry();
  const proxy = createUserProxy({
    routes,
    registry,
    identify: async (req) => {
      const bearer = /^Bearer tok-(\S+)$/.exec(req.headers.authorization ?? '');
      if (bearer) return { name: bearer[1], admin: false };
      const session = /(?:^|;\s*)hub-session=([^;]+)/.exec(req.headers.cookie ?? '');
      return session ? { name: session[1], admin: false } : null;
    },
    hubCookieNames: HUB_COOKIES,
    timeoutSeconds: 30,
    wsPingSeconds: 30,
    loginPath: '/login',
    log: logger('proxy-test'),
    ...overrides,
  });
  const server = http.createServer((req, res) => {
    if (proxy.handles(req)) void proxy.handleRequest(req, res);
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('hub page\n');
  });
  server.on('upgrade', (req, socket, head) => {
    if (proxy.handles(req)) void proxy.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    routes,
    proxy,
    registry,
    server,
    close: async () => {
      proxy.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A url_id as the spawner makes them: 128 random bits, lower-case hex. */
export function newUrlId(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
}
