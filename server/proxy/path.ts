/**
 * The proxy's one path normaliser. Routing (which container) and the access check (whose
 * container) both read the `ProxyPath` it returns, so no encoding trick can make them disagree.
 *
 * Canonical form: the raw path is split on `/` and `\` (browsers treat `\` as `/`), each segment
 * is percent-decoded exactly once, `.`/`..` segments are resolved (never above the root), empty
 * segments (`//`) are dropped, and segments are re-encoded for the upstream request. A decoded
 * `/` (from `%2F`) stays inside its segment, so it can never create a `/user/<name>/` boundary.
 * A malformed escape (`%zz`, `%`, an invalid UTF-8 sequence such as the overlong `%c0%af`)
 * is a `MalformedPath`, which the proxy answers with 400.
 */

/** Path prefix every proxied request starts with. */
export const PROXY_ROOT = '/user/';

/** A request path under `/user/<name>/containers/<url_id>/`, parsed once. */
export interface ProxyPath {
  /** The `<name>` segment, decoded. */
  user: string;
  /** The `<url_id>` segment, decoded. */
  urlId: string;
  /** `/user/<name>/containers/<url_id>/`, encoded: the container's cookie and URL prefix. */
  prefix: string;
  /** What follows `prefix` (encoded, no leading slash); '' for the prefix itself. */
  rest: string;
  /** The canonical path plus the raw query: what is forwarded to the container. */
  url: string;
  /** The raw query including its `?`, or ''. */
  query: string;
  /** True when the path is `/user/<name>/containers/<url_id>` without the trailing slash. */
  bare: boolean;
}

/** The path contains a malformed percent escape; answered with 400. */
export class MalformedPath extends Error {
  constructor() {
    super('the request path has a malformed percent escape');
  }
}

/** Result of normalising a raw request target. */
export interface CanonicalPath {
  /** Decoded segments, dot segments resolved, empty segments dropped. */
  segments: string[];
  /** The canonical encoded path (always starts with `/`). */
  path: string;
  /** The raw query including its `?`, or ''. */
  query: string;
}

// Non-empty segments of characters that need no escaping (RFC 3986 pchar minus '%').
const PLAIN = /^(?:\/[A-Za-z0-9\-._~!$&'()*+,;=:@]+)*\/?$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

/** Normalises a raw request target (`req.url`); throws `MalformedPath`. */
export function canonicalize(rawUrl: string): CanonicalPath {
  const q = rawUrl.indexOf('?');
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const query = q === -1 ? '' : rawUrl.slice(q);
  // Fast path for the common case, a path that is canonical already: the general loop below
  // would return it unchanged.
  if (PLAIN.test(rawPath) && !DOT_SEGMENT.test(rawPath)) {
    return { segments: rawPath.split('/').filter(Boolean), path: rawPath, query };
  }
  const segments: string[] = [];
  const raw = rawPath.split(/[/\\]/);
  let trailingSlash = false;
  // raw[0] is what precedes the first '/', empty for origin-form targets.
  for (let i = 0; i < raw.length; i++) {
    const seg = decodeSegment(raw[i]);
    const last = i === raw.length - 1;
    if (seg === '' || seg === '.') {
      if (last && i > 0) trailingSlash = true;
    } else if (seg === '..') {
      segments.pop();
      if (last) trailingSlash = true;
    } else {
      segments.push(seg);
      if (last) trailingSlash = false;
    }
  }
  let path = '/' + segments.map(encodeSegment).join('/');
  if (trailingSlash && segments.length > 0) path += '/';
  return { segments, path, query };
}

/**
 * Parses a request target into its proxy route, or returns null when the canonical path is not
 * under `/user/<name>/containers/<url_id>`. Throws `MalformedPath`.
 */
export function parseProxyPath(rawUrl: string): ProxyPath | null {
  // Only origin-form targets ('/...') are ours; 'user/..' or 'http://host/user/..' are not.
  if (!rawUrl.startsWith('/')) return null;
  return matchProxyPath(canonicalize(rawUrl));
}

/** The proxy route of an already canonical path, or null when it is not under a container. */
export function matchProxyPath({ segments, path, query }: CanonicalPath): ProxyPath | null {
  if (segments.length < 4 || segments[0] !== 'user' || segments[2] !== 'containers') return null;
  const [, user, , urlId] = segments;
  const prefix = `/user/${encodeSegment(user)}/containers/${encodeSegment(urlId)}/`;
  const bare = segments.length === 4 && !path.endsWith('/');
  const rest = bare ? '' : path.slice(prefix.length);
  return { user, urlId, prefix, rest, url: path + query, query, bare };
}

/** Cheap test whether a request belongs to the proxy (before any parsing). */
export function isProxyUrl(rawUrl: string | undefined): boolean {
  if (!rawUrl?.startsWith('/')) return false;
  if (rawUrl.startsWith(PROXY_ROOT)) return true;
  // Only spellings that canonicalise differently need the slow path: `//user/`, `/%75ser/`, `\`.
  if (!/[%\\]|\/\/|\/\.\.?(?:[/\\?]|$)/.test(rawUrl)) return false;
  try {
    const { segments } = canonicalize(rawUrl);
    return segments[0] === 'user' && segments.length > 1;
  } catch {
    // A malformed path that is not ours: the hub's own router answers it.
    return false;
  }
}

/**
 * True for `/user/<name>/api/...`: SimPhoNy-Remote's REST API, which the hub's own routers
 * answer (server/api/simphony.ts), not a container. Judged on the canonical path, so no
 * spelling of a container path can reach the API's routers, nor an API path a container.
 */
export function isUserApiUrl(rawUrl: string | undefined): boolean {
  // Cheap exit for the proxy's hot path: every spelling of "api" contains "api" or an escape.
  if (!rawUrl?.startsWith('/') || !/api|%/i.test(rawUrl)) return false;
  try {
    const { segments } = canonicalize(rawUrl);
    return segments[0] === 'user' && segments[2] === 'api';
  } catch {
    return false;
  }
}

function decodeSegment(seg: string): string {
  if (!seg.includes('%')) return seg;
  try {
    return decodeURIComponent(seg);
  } catch {
    throw new MalformedPath();
  }
}

// Characters that cannot stay literal inside a path segment: the WHATWG path percent-encode set,
// plus '%' (so escapes round-trip), '/' and '\' (segment separators) and '^', '|'. Control
// characters are exactly what this must match.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u{0}-\u{20}"#%/<>?\\^`{|}\u{7f}-\u{10ffff}]/gu;

/** Percent-encodes a decoded segment so that it reads back as the same single segment. */
export function encodeSegment(seg: string): string {
  return seg.replace(UNSAFE, (ch) => encodeURIComponent(ch));
}
