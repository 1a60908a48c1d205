import type {
  Agent,
  ClientRequest,
  IncomingHttpHeaders,
  IncomingMessage,
  ServerResponse,
} from 'node:http';
import type { Duplex } from 'node:stream';
import * as httpProxy3 from 'http-proxy-3';
import httpProxy from 'http-proxy';
import type { HubConfig } from '../config/schema';
import { UndiciEngine } from './undici-engine';

/** What the hub does with an upstream request: cancel it, and know whether it reused a socket. */
export interface UpstreamRequest {
  destroy(): void;
  /** True when sent on a kept-alive connection (such a GET may be retried once on a reset). */
  readonly reusedSocket: boolean;
}

/** An upstream answer before its head is relayed; `headers` may be rewritten in place. */
export interface UpstreamResponse {
  statusCode?: number;
  headers: IncomingHttpHeaders;
}

/** The http-proxy API surface the hub uses; every engine implements it. */
export interface ProxyEngine {
  web(
    req: IncomingMessage,
    res: ServerResponse,
    options: { target: URL; agent?: Agent },
    callback: (err: NodeJS.ErrnoException, req: IncomingMessage, res: ServerResponse) => void,
  ): void;
  ws(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    options: { target: URL },
    callback: (err: NodeJS.ErrnoException, req: IncomingMessage, socket: Duplex) => void,
  ): void;
  on(
    event: 'proxyReq',
    listener: (proxyReq: UpstreamRequest, req: IncomingMessage, res: ServerResponse) => void,
  ): unknown;
  on(
    event: 'proxyRes',
    listener: (proxyRes: UpstreamResponse, req: IncomingMessage) => void,
  ): unknown;
  on(
    event: 'proxyReqWs',
    listener: (proxyReq: ClientRequest, req: IncomingMessage, socket: Duplex) => void,
  ): unknown;
  on(
    event: 'error',
    listener: (err: Error, req: IncomingMessage, target: unknown) => void,
  ): unknown;
  /** Frees pooled connections (the http-proxy packages leave that to the agent's owner). */
  close?(): void;
}

/** The engines by short name, as config `proxy.engine` lists them. */
export type EngineName = HubConfig['proxy']['engine'];

/**
 * Which implementation of the http-proxy API the hub uses, chosen by measurement
 * (`node -r @swc-node/register bench/proxy.ts --engines`: 2-core shared box, Node 20, C echo
 * backend, 8 keep-alive connections, two interleaved rounds; soak = 2,000 WebSockets hung up
 * without a close frame + 200 clients leaving a 1 GiB download; "raw" = the library alone):
 *
 *   proxy                small req/s   CPU µs/req   open fds before → after soak
 *   raw http-proxy       11.5k, 9.2k     71, 89      38 → 222, 35 → 222   (leaks ~190 sockets)
 *   raw http-proxy-3      7.2k, 5.8k    105, 112     37 → 22,  31 → 22
 *   hub on http-proxy     9.3k, 6.6k    109, 121     31 → 22,  31 → 22
 *   hub on http-proxy-3   5.5k, 8.3k    164, 115     35 → 22,  31 → 22
 *
 * http-proxy 1.18 is 20-30% cheaper per request but leaks the upstream socket of every client
 * that leaves mid-response (it waits for 'aborted', which Node no longer emits), and is
 * unmaintained. Inside the hub both pass the soak only because proxy.ts and ws-tunnels.ts add
 * their own socket hygiene; http-proxy-3 passes it on its own, so a gap in ours does not become
 * a leak. Hence http-proxy-3, at a throughput cost that inside the hub is within this shared
 * machine's noise. `engine: 'http-proxy'` remains selectable for re-measuring.
 */
export const DEFAULT_ENGINE: EngineName = 'undici';

// Options shared by both: no X-Forwarded handling (forward-headers.ts does it, trusting or
// not), the client's Host kept (apps check Origin against it), the full path kept.
const OPTIONS = { xfwd: false, changeOrigin: false, prependPath: false, ws: true } as const;

export function createEngine(name: EngineName = DEFAULT_ENGINE): ProxyEngine {
  if (name === 'undici') return new UndiciEngine();
  const server =
    name === 'http-proxy'
      ? httpProxy.createProxyServer(OPTIONS)
      : httpProxy3.createProxyServer(OPTIONS);
  return server as unknown as ProxyEngine;
}
