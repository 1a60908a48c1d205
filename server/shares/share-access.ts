import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { cookieValues } from '../auth/cookies';

/**
 * How a share link's viewer gets into the shared app's origin. Like the owner's app ticket
 * (server/proxy/app-access.ts) but with a cookie of its own, so a viewer never holds the
 * owner's kind of access: the cookie names the share and, for a signed-in viewer, the hub
 * session it came from; the proxy checks the share (live, not expired) on every request.
 */

/** The reserved path on app origins that redeems a share ticket. */
export const SHARE_TICKET_PATH = '/_hub/share';
export const SHARE_COOKIE = 'hub-share';
export const SHARE_COOKIE_NAMES = [SHARE_COOKIE, `__Host-${SHARE_COOKIE}`];

/** Stands for "no hub session" in an anonymous viewer's cookie. */
const ANONYMOUS = '-';
const TICKET_TTL_MS = 60_000;
const MAX_TICKETS = 10_000;

/** What a share ticket carries from the hub origin to the app origin. */
export interface ShareTicket {
  shareId: string;
  urlId: string;
  /** The viewer's hub session (by hash); null for an anonymous viewer. */
  sessionHash: string | null;
  /** Where to land after the exchange (the app's path). */
  next: string;
}

/** What a valid share cookie says. */
export interface ShareCookie {
  shareId: string;
  sessionHash: string | null;
}

export class ShareAccess {
  private readonly tickets = new Map<string, ShareTicket & { expires: number }>();

  constructor(
    private readonly key: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** A one-time ticket valid for a minute. */
  issue(t: ShareTicket): string {
    const id = randomBytes(32).toString('base64url');
    if (this.tickets.size >= MAX_TICKETS) {
      const at = this.now();
      for (const [k, v] of this.tickets) if (v.expires <= at) this.tickets.delete(k);
      // Still full of live tickets (a flood): the oldest go.
      for (const k of this.tickets.keys()) {
        if (this.tickets.size < MAX_TICKETS) break;
        this.tickets.delete(k);
      }
    }
    this.tickets.set(id, { ...t, expires: this.now() + TICKET_TTL_MS });
    return id;
  }

  /** Redeems a ticket on the app origin of `urlId`: once, in time, for that app only. */
  redeem(ticket: string, urlId: string): ShareTicket | null {
    const stored = this.tickets.get(ticket);
    if (!stored) return null;
    this.tickets.delete(ticket);
    if (stored.expires <= this.now() || stored.urlId !== urlId) return null;
    const { expires: _expires, ...t } = stored;
    return t;
  }

  /** The `Set-Cookie` value that admits this viewer to `urlId`'s origin. */
  setCookie(urlId: string, c: ShareCookie, secure: boolean): string {
    const binding = c.sessionHash ?? ANONYMOUS;
    const value = `${c.shareId}.${binding}.${this.mac(urlId, c.shareId, binding)}`;
    const name = secure ? `__Host-${SHARE_COOKIE}` : SHARE_COOKIE;
    return `${name}=${value}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  }

  /** The share cookie of `urlId`'s origin on this request, when its MAC holds. */
  read(req: IncomingMessage, urlId: string): ShareCookie | null {
    const header = req.headers.cookie;
    if (!header?.includes(SHARE_COOKIE)) return null;
    // Every value, not only the first: a sibling app origin's page can toss `hub-share=x;
    // Domain=<apps domain>; Path=/user/...` ahead of the real one (as for hub-app, app-access.ts).
    for (const value of cookieValues(header, SHARE_COOKIE_NAMES)) {
      const parts = value.split('.');
      if (!parts || parts.length !== 3) continue;
      const [shareId, binding, mac] = parts;
      const given = Buffer.from(mac);
      const expected = Buffer.from(this.mac(urlId, shareId, binding));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) continue;
      return { shareId, sessionHash: binding === ANONYMOUS ? null : binding };
    }
    return null;
  }

  private mac(urlId: string, shareId: string, binding: string): string {
    return createHmac('sha256', this.key)
      .update(`share:${urlId}:${shareId}:${binding}`)
      .digest('base64url');
  }
}
