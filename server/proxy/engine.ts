import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex, Transform } from 'node:stream';

/**
 * The forwarding seam of the proxy: two plain calls, one per kind of request, each told what
 * to do through its own callbacks. The access decision, header rewriting, timeouts and error
 * pages stay in proxy.ts; an engine only moves bytes between a client and an app.
 */
export interface ProxyEngine {
  /**
   * Forwards one HTTP exchange; `req.url` and `req.headers` are sent as they are (already
   * rewritten by the caller), minus hop-by-hop headers. Bodies stream both ways with
   * backpressure. A client that leaves mid-answer frees the app's connection.
   */
  forward(req: IncomingMessage, res: ServerResponse, target: URL, opts: ForwardOptions): Upstream;
  /**
   * Relays one upgrade request (WebSocket). On the app's 101 the client gets the (rewritten)
   * head, then `onUpgrade` receives both sockets before any byte is relayed, and the engine
   * pipes them. Any other answer of the app is relayed as it is (rewritten head, then the
   * body) and the client's connection closed.
   */
  tunnel(
    req: IncomingMessage,
    client: Duplex,
    head: Buffer,
    target: URL,
    opts: TunnelOptions,
  ): Upstream;
  /** Frees pooled connections. */
  close(): void;
}

/** The upstream side of one exchange: the caller cancels it on a timeout or a client gone. */
export interface Upstream {
  /** Cancels the exchange; `onError` follows (ECONNRESET) unless the answer was complete. */
  destroy(): void;
}

/** An app's answer before its head is relayed; `headers` may be rewritten in place. */
export interface UpstreamResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
}

export interface ForwardOptions {
  /** The app's final answer head (1xx interim answers are not relayed). */
  onResponse(head: UpstreamResponse): void;
  /**
   * The exchange failed (refused, reset, cancelled). Called at most once, and never after a
   * complete answer; `res` may have its head sent already. Errors are errno-coded: ECONNREFUSED,
   * ECONNRESET, EHOSTUNREACH... A throw here costs this response only.
   */
  onError(err: NodeJS.ErrnoException): void;
}

export interface TunnelOptions {
  /** The app's answer head, 101 or a refusal, before it is written to the client. */
  onResponse(head: UpstreamResponse): void;
  /** The upgrade is done: register the pair (WsTunnels.add); the engine pipes them next. */
  onUpgrade(client: Duplex, upstream: Socket): void;
  /** The app could not be reached or failed before answering; the client is the caller's. */
  onError(err: NodeJS.ErrnoException): void;
  /**
   * A filter for the client-to-app bytes (a view share's input filter); when it errors the
   * tunnel closes.
   */
  clientFilter?: () => Transform;
}
