import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { stripCookies } from './set-cookie';

/** How request headers are rewritten before they reach a container. */
export interface ForwardHeaderOptions {
  /** Lower-cased hub cookie names, removed from the Cookie header. */
  hubCookies: ReadonlySet<string>;
  /**
   * Trust X-Forwarded-* from a reverse proxy in front of the hub: append to X-Forwarded-For and
   * keep the incoming -Proto and -Host. When false they are replaced, so a client cannot make the
   * app believe it came from somewhere else.
   */
  trustProxy: boolean;
}

/**
 * Rewrites `req.headers` in place (the engine sends them to the app): removes
 * the hub's cookies and the Authorization header, sets X-Forwarded-For/-Proto/-Host.
 */
export function prepareForwardHeaders(req: IncomingMessage, opts: ForwardHeaderOptions): void {
  const h = req.headers;
  if (h.cookie !== undefined) {
    const kept = stripCookies(h.cookie, opts.hubCookies);
    if (kept === undefined) delete h.cookie;
    else h.cookie = kept;
  }
  delete h.authorization;
  const remote = req.socket.remoteAddress ?? '';
  const proto = req.socket instanceof TLSSocket && req.socket.encrypted ? 'https' : 'http';
  if (opts.trustProxy) {
    h['x-forwarded-for'] = h['x-forwarded-for'] ? `${h['x-forwarded-for']}, ${remote}` : remote;
    h['x-forwarded-proto'] ??= proto;
    h['x-forwarded-host'] ??= h.host ?? '';
  } else {
    h['x-forwarded-for'] = remote;
    h['x-forwarded-proto'] = proto;
    h['x-forwarded-host'] = h.host ?? '';
    deleteSpoofable(h);
  }
}

// Headers a client could use to lie about its origin when no trusted proxy vouches for them.
function deleteSpoofable(h: IncomingHttpHeaders): void {
  delete h.forwarded;
  delete h['x-forwarded-port'];
  delete h['x-real-ip'];
}
