import http from 'node:http';
import * as httpProxy3 from 'http-proxy-3';
import httpProxy from 'http-proxy';
import { createEngine } from '../server/proxy/undici-engine';
import { WsTunnels } from '../server/proxy/ws-tunnels';

/** A forwarding library alone, without the hub's access check or per-request hygiene. */
export type RawEngine = 'undici' | 'http-proxy-3' | 'http-proxy';

export const RAW_ENGINES: readonly RawEngine[] = ['undici', 'http-proxy-3', 'http-proxy'];

/**
 * An http server that forwards everything to `target` with one library: the hub's own engine
 * (undici-engine.ts), or one of the http-proxy packages as configurable-http-proxy uses them
 * (with a keep-alive agent, as a fair comparison). These are the references the hub's engine
 * was chosen against; the hub ships only its own.
 */
export function rawProxyServer(engine: RawEngine, target: URL): http.Server {
  if (engine === 'undici') {
    const e = createEngine();
    const tunnels = new WsTunnels(30_000, {
      activity: () => undefined,
      opened: () => undefined,
      closed: () => undefined,
    });
    const server = http.createServer((req, res) => {
      e.forward(req, res, target, {
        onResponse: () => undefined,
        onError: () => (res.headersSent ? res.destroy() : res.writeHead(503).end()),
      });
    });
    server.on('upgrade', (req, socket, head) => {
      socket.on('error', () => socket.destroy());
      e.tunnel(req, socket, head, target, {
        onResponse: () => undefined,
        onUpgrade: (client, upstream) => tunnels.add(client, upstream, 'bench'),
        onError: () => socket.destroy(),
      });
    });
    return server;
  }
  const options = { xfwd: false, changeOrigin: false, prependPath: false, ws: true } as const;
  const proxy = (engine === 'http-proxy'
    ? httpProxy.createProxyServer(options)
    : httpProxy3.createProxyServer(options)) as unknown as NodeJS.EventEmitter & {
    web(req: http.IncomingMessage, res: http.ServerResponse, o: object, cb: () => void): void;
    ws(req: http.IncomingMessage, socket: unknown, head: Buffer, o: object, cb: () => void): void;
  };
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 256, timeout: 4000 });
  proxy.on('error', () => undefined);
  const server = http.createServer((req, res) =>
    proxy.web(req, res, { target, agent }, () => {
      if (!res.headersSent) res.writeHead(503).end();
      else res.destroy();
    }),
  );
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    proxy.ws(req, socket, head, { target }, () => socket.destroy());
  });
  return server;
}
