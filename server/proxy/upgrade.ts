import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TunnelOptions, Upstream, UpstreamResponse } from './engine';

// Per-connection headers of the client's request (RFC 9110 §7.6.1); `Connection: Upgrade` and
// `Upgrade` are set again for the app.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'http2-settings',
]);

// Headers of a refusal that describe the app's connection; the client's closes after it.
const REFUSAL_HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

// A refused client gets this long to read the answer before its socket is destroyed.
const REFUSAL_LINGER_MS = 1000;

/**
 * Relays one upgrade request to `target` on node:http, a fresh connection per upgrade (a
 * handshake happens once per WebSocket, after which the tunnel is a socket pair either way).
 * Written here rather than borrowed from http-proxy-3 so that the head of every answer, the
 * 101 and a refusal alike, passes through `onResponse` (the hub confines Set-Cookie there)
 * before the client sees a byte of it.
 */
export function tunnel(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  target: URL,
  opts: TunnelOptions,
): Upstream {
  const headers: OutgoingHttpHeaders = {};
  for (const key in req.headers) if (!HOP_BY_HOP.has(key)) headers[key] = req.headers[key];
  headers.connection = 'Upgrade';
  // Bytes the client sent after its request head belong to the tunnel; they are read from the
  // client socket once it is piped.
  if (head.length) client.unshift(head);
  let answered = false;
  let failed = false;
  let upstreamReq: http.ClientRequest;
  try {
    upstreamReq = http.request({
      host: target.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: target.port || 80,
      method: req.method,
      path: req.url,
      headers,
      agent: false,
      setHost: false,
    });
  } catch (err) {
    // node:http refuses a request it cannot send (a path or header it would not write as is).
    opts.onError(err as NodeJS.ErrnoException);
    return { destroy: () => undefined };
  }
  const onError = (err: NodeJS.ErrnoException): void => {
    if (answered || failed) return;
    failed = true;
    opts.onError(err);
  };
  upstreamReq.on('error', onError);
  // A client that leaves mid-handshake must not keep the app's connection open.
  const clientGone = (): void => {
    if (!answered) upstreamReq.destroy();
  };
  client.once('close', clientGone);

  upstreamReq.on('upgrade', (res: IncomingMessage, upstream: Socket, upstreamHead: Buffer) => {
    answered = true;
    client.off('close', clientGone);
    const answer: UpstreamResponse = { statusCode: 101, headers: res.headers };
    opts.onResponse(answer);
    if (client.destroyed || !client.writable) {
      upstream.destroy();
      return;
    }
    upstream.setNoDelay(true);
    upstream.setTimeout(0);
    client.write(
      headText(`HTTP/1.1 101 ${res.statusMessage || 'Switching Protocols'}`, answer.headers, null),
    );
    // Bytes that came in the same packet as the 101 (a VNC server's RFB greeting) go first.
    if (upstreamHead.length) upstream.unshift(upstreamHead);
    opts.onUpgrade(client, upstream);
    upstream.pipe(client);
    const filter = opts.clientFilter?.();
    if (filter) {
      filter.once('error', () => {
        client.destroy();
        upstream.destroy();
      });
      client.pipe(filter).pipe(upstream);
    } else client.pipe(upstream);
  });

  upstreamReq.on('response', (res: IncomingMessage) => {
    answered = true;
    client.off('close', clientGone);
    const answer: UpstreamResponse = { statusCode: res.statusCode ?? 502, headers: res.headers };
    opts.onResponse(answer);
    if (client.destroyed || !client.writable) {
      res.destroy();
      return;
    }
    client.write(
      headText(
        `HTTP/1.1 ${answer.statusCode} ${res.statusMessage ?? ''}`,
        answer.headers,
        REFUSAL_HOP_BY_HOP,
      ),
    );
    // Without Content-Length the body runs until the connection closes, which it does.
    res.pipe(client);
    res.on('error', () => client.destroy());
    client.once('close', () => res.destroy());
    res.once('end', () => setTimeout(() => client.destroy(), REFUSAL_LINGER_MS).unref());
  });

  upstreamReq.end();
  return {
    destroy: () => {
      if (!answered)
        upstreamReq.destroy(
          Object.assign(new Error('upstream request cancelled'), { code: 'ECONNRESET' }),
        );
    },
  };
}

/** An answer head; `skip` names headers left out, and then `Connection: close` is added. */
function headText(
  statusLine: string,
  headers: IncomingHttpHeaders,
  skip: ReadonlySet<string> | null,
): string {
  let text = `${statusLine}\r\n`;
  for (const key in headers) {
    if (skip?.has(key)) continue;
    const value = headers[key];
    if (value === undefined) continue;
    if (typeof value === 'string') text += `${key}: ${value}\r\n`;
    else for (const v of value) text += `${key}: ${v}\r\n`;
  }
  if (skip) text += 'connection: close\r\n';
  return `${text}\r\n`;
}
