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

// A browser sends the same Cookie header with every request to an app: its rewrite is
// remembered (a map lookup instead of a split and a name comparison per cookie). Bounded in
// entries and in the length of a header worth keeping; a full map is simply dropped.
const STRIPPED_MAX = 1024;
const STRIPPED_MAX_HEADER = 4096;

/**
 * `prepareForwardHeaders` for the proxy's hot path: the same rewrite, with each distinct
 * Cookie header's stripped form remembered.
 */
export function forwardHeaderRewriter(opts: ForwardHeaderOptions): (req: IncomingMessage) => void {
  const stripped = new Map<string, string | undefined>();
  const strip = (header: string): string | undefined => {
    if (header.length > STRIPPED_MAX_HEADER) return stripCookies(header, opts.hubCookies);
    // `undefined` is a remembered answer too ("no cookie left"): tell it from a miss.
    if (stripped.has(header)) return stripped.get(header);
    const kept = stripCookies(header, opts.hubCookies);
    if (stripped.size >= STRIPPED_MAX) stripped.clear();
    stripped.set(header, kept);
    return kept;
  };
  return (req) => prepareForwardHeaders(req, opts, strip);
}

/**
 * Rewrites `req.headers` in place (the engine sends them to the app): removes
 * the hub's cookies and the Authorization header, sets X-Forwarded-For/-Proto/-Host.
 */
export function prepareForwardHeaders(
  req: IncomingMessage,
  opts: ForwardHeaderOptions,
  strip: (header: string) => string | undefined = (header) => stripCookies(header, opts.hubCookies),
): void {
  const h = req.headers;
  if (h.cookie !== undefined) {
    const kept = strip(h.cookie);
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
