import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { BadRequest, GatewayTimeout, type HubError, NotFound, ServiceUnavailable } from '../errors';

/**
 * The answers the proxy gives itself. The proxy runs on the raw http server before Koa (so a
 * proxied request never pays for the middleware stack), hence it cannot throw into the error
 * middleware; it renders the same HubError classes in the same `{"error": {code, message}}`
 * shape here, or as a small HTML page for browsers.
 */

/** The one refusal for unknown url_ids, other users' containers and wrong prefixes alike. */
export const notFound = (): HubError =>
  new NotFound(
    'there is no application of yours at this address: check the link, or start the application again from the portal',
  );

export const malformedPath = (): HubError =>
  new BadRequest('the address contains a malformed percent escape (%): check the link');

export const appNotRunning = (): HubError =>
  new ServiceUnavailable(
    'the application is not running: start it again from the portal',
    'app_not_running',
  );

export const appTimeout = (seconds: number): HubError =>
  new GatewayTimeout(
    `the application did not answer within ${seconds} s; try again, or raise proxy.timeout_seconds if it is just slow`,
  );

/** True for requests a browser makes to show a page (they get HTML and login redirects). */
export function isPageRequest(req: IncomingMessage): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && wantsHtml(req);
}

function wantsHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('text/html') && !accept.startsWith('application/json');
}

/** Extra context for a 503: where the user can start the app again. */
export interface RestartOffer {
  /** Link to the portal's launcher, e.g. `/hub/launcher?start=<mapping_id>`. */
  startUrl: string;
  mappingId: string;
}

// The hub's own pages get strict headers; proxied app responses never do (apps set their own).
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** Writes a hub-made error answer: HTML for browsers, JSON otherwise. */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  err: HubError,
  offer?: RestartOffer,
  /** The launcher's address for the page's "back" link; default: the hub-origin path. */
  portalUrl: string | null = '/hub/launcher',
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const html = wantsHtml(req);
  const body = html ? errorPage(err, offer, portalUrl) : errorJson(err, offer);
  res.writeHead(err.status, {
    ...PAGE_HEADERS,
    ...(err.headers ?? {}),
    'Content-Type': html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Sends the browser to the login page, which brings it back to `next` afterwards. */
export function sendLoginRedirect(res: ServerResponse, loginPath: string, next: string): void {
  res.writeHead(302, {
    ...PAGE_HEADERS,
    Location: `${loginPath}?next=${encodeURIComponent(next)}`,
    'Content-Length': 0,
  });
  res.end();
}

/** A hub-made 302 (to the app origin, back to the hub), never cached, leaking no Referer. */
export function sendRedirect(
  res: ServerResponse,
  location: string,
  extra: Record<string, string | string[]> = {},
): void {
  res.writeHead(302, {
    ...PAGE_HEADERS,
    'Referrer-Policy': 'no-referrer',
    ...extra,
    Location: location,
    'Content-Length': 0,
  });
  res.end();
}

/** Sends `location` with a trailing slash (apps serve under `<prefix>/`). */
export function sendSlashRedirect(res: ServerResponse, location: string): void {
  res.writeHead(301, { Location: location, 'Content-Length': 0, 'Cache-Control': 'no-store' });
  res.end();
}

/** Refuses a WebSocket upgrade with a plain HTTP answer, then closes the socket. */
export function rejectUpgrade(socket: Duplex, err: HubError): void {
  if (socket.destroyed) return;
  const body = errorJson(err);
  socket.end(
    `HTTP/1.1 ${err.status} ${statusText(err.status)}\r\n` +
      'Connection: close\r\nContent-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  // Do not wait for the peer to read: a refused upgrade gets no more of our time.
  setTimeout(() => socket.destroy(), 1000).unref();
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return texts[status] ?? 'Error';
}

function errorJson(err: HubError, offer?: RestartOffer): string {
  const extra = offer ? { mapping_id: offer.mappingId, start_url: offer.startUrl } : {};
  return JSON.stringify({ error: { code: err.code, message: err.message, ...extra } });
}

/** What a person reads on the hub's own page for an app address, by error code. */
const PAGE_TEXT: Record<string, { title: string; lines: string[] }> = {
  app_not_running: {
    title: 'This app is not running any more',
    lines: [
      'It stopped: it may have crashed, been stopped from the launcher or by an administrator, or been stopped after a long idle time.',
      'Anything not saved inside it is lost; files in your workspace are kept. The launcher shows why it stopped.',
    ],
  },
  not_found: {
    title: 'There is no app at this address',
    lines: [
      'The app that was here has been stopped and removed, or the link is wrong or belongs to someone else.',
      'Start the app again from the launcher: it opens at a new address.',
    ],
  },
  app_login_required: {
    title: 'Open this app from the launcher',
    lines: [
      'This address works only after the launcher’s Open button has signed you in to it, and that sign-in is missing here.',
      'If the app has stopped since, start it again from the launcher.',
    ],
  },
  timeout: {
    title: 'The app did not answer',
    lines: [
      'It may be busy. Reload this page in a moment; if it keeps happening, restart it from the launcher.',
    ],
  },
};

function errorPage(
  err: HubError,
  offer: RestartOffer | undefined,
  launcher: string | null,
): string {
  // The start link already points at the launcher on the right origin.
  const portalUrl = offer ? offer.startUrl.replace(/\?.*$/, '') : launcher;
  const known = PAGE_TEXT[err.code];
  const title = known?.title ?? statusText(err.status);
  const lines = known?.lines ?? [sentence(err.message)];
  const links: string[] = [];
  if (offer)
    links.push(`<a class="button" href="${escapeHtml(offer.startUrl)}">Start it again</a>`);
  if (portalUrl)
    links.push(
      `<a class="${offer ? 'plain' : 'button'}" href="${escapeHtml(portalUrl)}">Back to the launcher</a>`,
    );
  if (err.status === 504) links.push('<a class="plain" href="">Reload</a>');
  const noPortal = portalUrl
    ? ''
    : '<p>Go back to the hub’s page you came from to start it again.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2937;overflow-wrap:anywhere}
h1{font-size:1.4rem}p{margin:0 0 .8rem}.links{display:flex;flex-wrap:wrap;gap:.75rem 1rem;align-items:center;margin-top:1.5rem}
.button{display:inline-block;padding:.5rem 1rem;background:#1d4ed8;color:#fff;border-radius:6px;text-decoration:none;font-weight:600}
.plain{color:#1d4ed8;font-weight:600}a:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.code{color:#4b5563;font-size:.875rem}</style>
</head><body><main><h1>${escapeHtml(title)}</h1>${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}${noPortal}
<p class="links">${links.join(' ')}</p><p class="code">Error ${err.status}: ${escapeHtml(err.code)}</p></main></body></html>
`;
}

function sentence(text: string): string {
  const s = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
