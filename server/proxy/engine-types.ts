import type {
  ClientRequest,
  IncomingHttpHeaders,
  IncomingMessage,
  ServerResponse,
} from 'node:http';
import type { Duplex } from 'node:stream';

// Apart from engine.ts, which picks an engine, so the engines can import these without a cycle.

/**
 * What the hub does with an upstream request: cancel it (timeout, client gone). Resending a GET
 * on a stale kept-alive connection is each engine's own business, never the caller's.
 */
export interface UpstreamRequest {
  destroy(): void;
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
    options: { target: URL },
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
  /** Frees pooled connections. */
  close(): void;
}
