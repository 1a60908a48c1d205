import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { cookieValues } from '../auth/cookies';

/**
 * How a browser logged in on the hub's origin gets into an app's own origin, where the hub's
 * session cookie is never sent: the hub origin answers the app's path with a 302 carrying a
 * one-time ticket; the app origin redeems it for a cookie of its own (host-only, HttpOnly)
 * that names the hub session it came from, so it ends when that session ends.
 */

/** The reserved path on app origins that redeems a ticket; app paths all live under /user/. */
export const TICKET_PATH = '/_hub/ticket';
/** The app origin's cookie; `__Host-` over https so no sibling host can set or shadow it. */
export const APP_COOKIE = 'hub-app';
/**
 * Its twin for the portal's "Open here" frame. Browsers refuse to set a SameSite=Lax cookie
 * from a cross-site frame, and block unpartitioned third-party cookies; a partitioned
 * (CHIPS) SameSite=None cookie is kept, and is sent only in frames under the top-level site
 * that set it (the hub's), never to the app from other sites. Browsers require Secure for it,
 * which they grant on https and on `*.localhost`.
 */
export const APP_FRAME_COOKIE = 'hub-app-frame';
export const APP_COOKIE_NAMES = [APP_COOKIE, APP_FRAME_COOKIE].flatMap((n) => [n, `__Host-${n}`]);

const TICKET_TTL_MS = 60_000;
const MAX_TICKETS = 10_000;
// Live tickets of one session: a browser opening many apps at once needs a few; past this its
// own oldest go, so one user's flood cannot push other users' tickets out of the table.
const MAX_TICKETS_PER_SESSION = 50;
const MAX_REMEMBERED = 100_000;

/** What a ticket carries from the hub origin to the app origin. */
export interface TicketGrant {
  sessionHash: string;
  urlId: string;
  /** The path (and query) to land on after the exchange. */
  next: string;
  /** The hub origin that issued it, so the app origin can send the browser back there. */
  hubOrigin: string;
}

interface StoredTicket extends TicketGrant {
  expires: number;
}

export class AppAccess {
  private readonly tickets = new Map<string, StoredTicket>();
  /** Live tickets by session hash, oldest first. */
  private readonly bySession = new Map<string, Set<string>>();
  private readonly hubOrigins = new Map<string, string>();
  private readonly verified = new Map<string, string>();

  constructor(
    private readonly key: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** A one-time ticket valid for a minute. */
  issue(grant: TicketGrant): string {
    const t = randomBytes(32).toString('base64url');
    let own = this.bySession.get(grant.sessionHash);
    if (!own) this.bySession.set(grant.sessionHash, (own = new Set()));
    if (own.size >= MAX_TICKETS_PER_SESSION) this.drop(own.values().next().value as string);
    if (this.tickets.size >= MAX_TICKETS) this.dropExpired(true);
    this.tickets.set(t, { ...grant, expires: this.now() + TICKET_TTL_MS });
    own.add(t);
    this.rememberHubOrigin(grant.urlId, grant.hubOrigin);
    return t;
  }

  /** Redeems a ticket for the app origin of `urlId`: once, in time, for that app only. */
  redeem(ticket: string, urlId: string): TicketGrant | null {
    const stored = this.tickets.get(ticket);
    if (!stored) return null;
    this.drop(ticket);
    if (stored.expires <= this.now() || stored.urlId !== urlId) return null;
    const { expires: _expires, ...grant } = stored;
    return grant;
  }

  /** The cookie value for `urlId`'s origin, bound to the hub session `sessionHash`. */
  cookieValue(urlId: string, sessionHash: string): string {
    return `${sessionHash}.${this.mac(urlId, sessionHash)}`;
  }

  /** The hub session hash named by a valid app cookie of `urlId`'s origin, or null. */
  sessionOf(req: IncomingMessage, urlId: string): string | null {
    const header = req.headers.cookie;
    if (!header?.includes(APP_COOKIE)) return null;
    // Every value of the four names, not only the first: a page on a sibling app origin can set
    // `hub-app=x; Domain=<apps domain>; Path=/user/...` from script, and the browser sends that
    // longer-path cookie ahead of the real host-only one, which would lock the owner out.
    const values = cookieValues(header, APP_COOKIE_NAMES);
    for (const value of values) {
      const hash = this.verify(urlId, value);
      if (hash) return hash;
    }
    return null;
  }

  /** The `Set-Cookie` values that sign a browser in on `urlId`'s origin. */
  setCookies(urlId: string, sessionHash: string, secure: boolean): string[] {
    const value = this.cookieValue(urlId, sessionHash);
    const host = (name: string) => (secure ? `__Host-${name}` : name);
    return [
      `${host(APP_COOKIE)}=${value}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`,
      `${host(APP_FRAME_COOKIE)}=${value}; Path=/; HttpOnly; SameSite=None; Secure; Partitioned`,
    ];
  }

  private verify(urlId: string, value: string): string | null {
    const dot = value.indexOf('.');
    if (dot <= 0) return null;
    const hash = value.slice(0, dot);
    const cacheKey = `${urlId}:${value}`;
    if (this.verified.get(cacheKey) === hash) return hash;
    const given = Buffer.from(value.slice(dot + 1));
    const expected = Buffer.from(this.mac(urlId, hash));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    if (this.verified.size >= MAX_REMEMBERED) this.verified.clear();
    this.verified.set(cacheKey, hash);
    return hash;
  }

  /** Remembers where the hub is for an app, to send a browser without app cookie back there. */
  rememberHubOrigin(urlId: string, origin: string): void {
    if (this.hubOrigins.get(urlId) === origin) return;
    if (this.hubOrigins.size >= MAX_REMEMBERED) this.hubOrigins.clear();
    this.hubOrigins.set(urlId, origin);
  }

  hubOriginOf(urlId: string): string | undefined {
    return this.hubOrigins.get(urlId);
  }

  private mac(urlId: string, sessionHash: string): string {
    return createHmac('sha256', this.key).update(`app:${urlId}:${sessionHash}`).digest('base64url');
  }

  private dropExpired(force: boolean): void {
    const t = this.now();
    for (const [k, v] of this.tickets) if (v.expires <= t) this.drop(k);
    // Still full of live tickets (many sessions at once): the oldest go first, Map keeps
    // insertion order.
    if (force)
      for (const k of this.tickets.keys()) {
        if (this.tickets.size < MAX_TICKETS) break;
        this.drop(k);
      }
  }

  private drop(ticket: string): void {
    const stored = this.tickets.get(ticket);
    if (!stored) return;
    this.tickets.delete(ticket);
    const own = this.bySession.get(stored.sessionHash);
    own?.delete(ticket);
    if (own?.size === 0) this.bySession.delete(stored.sessionHash);
  }
}
