import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { DataSource } from 'typeorm';
import type { AuditEvent } from '../audit';
import type { Identity } from '../auth/sessions';
import { ShareEntity, type ShareRow } from '../db/entities';
import { HubError, NotFound } from '../errors';
import { ShareAccess } from './share-access';

/** What shares are for, besides their rows: config `shares`. */
export interface SharesOptions {
  anonymous: boolean;
  maxExpiresHours: number;
}

export type ShareMode = ShareRow['mode'];

/** A viewer let in by a share: who (null when anonymous), through which share. */
export interface ShareAdmission {
  share: ShareRow;
  viewer: Identity | null;
}

/** One open connection (WebSocket) of a share's viewer, for the owner's list. */
export interface ShareConnection {
  viewer: string | null;
  since: Date;
}

const MAX_CACHED = 100_000;
/** setTimeout's longest delay (about 24.8 days); a later expiry re-arms on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const shareGone = (code: string, message: string): HubError =>
  new HubError(410, code, message);

/** Why a share cannot be used now; null when it is live. */
export function shareEnded(row: ShareRow, now: number): HubError | null {
  if (row.revoked_at) return shareGone('share_revoked', 'this share link was revoked by its owner');
  if (row.expires_at && row.expires_at.getTime() <= now)
    return shareGone('share_expired', 'this share link has expired: ask the owner for a new one');
  return null;
}

/**
 * Share links of running containers (shared/DESIGN.md "Shares"): the rows, kept in memory once
 * read (the proxy checks a share on every request of a viewer), who is connected through each,
 * and the listeners that close a share's connections when it is revoked.
 */
export class Shares {
  readonly access: ShareAccess;
  private readonly cache = new Map<string, ShareRow>();
  private readonly connections = new Map<string, Set<ShareConnection>>();
  private readonly endedListeners: Array<(shareId: string) => void> = [];
  /** One timer per share with open connections, firing at its expiry. */
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly db: DataSource,
    private readonly audit: (e: AuditEvent) => Promise<void>,
    readonly options: SharesOptions,
    key: string,
    private readonly now: () => number = Date.now,
  ) {
    this.access = new ShareAccess(key, now);
  }

  /** Called with a share's id when it ends (revoked, or expired while connected), to close what it opened. */
  onEnded(listener: (shareId: string) => void): void {
    this.endedListeners.push(listener);
  }

  async create(input: {
    owner: { userId: number; name: string };
    urlId: string;
    mode: ShareMode;
    expiresInSeconds?: number;
    viewer: { id: number; name: string } | null;
    address?: string | null;
  }): Promise<ShareRow> {
    const maxSeconds = this.options.maxExpiresHours * 3600;
    const seconds = input.expiresInSeconds ?? maxSeconds;
    if (seconds > maxSeconds)
      throw new HubError(
        400,
        'bad_request',
        `expires_in: at most ${maxSeconds} seconds (config shares.max_expires_hours)`,
      );
    const row: ShareRow = {
      id: randomBytes(16).toString('hex'),
      url_id: input.urlId,
      owner_id: input.owner.userId,
      user_id: input.viewer?.id ?? null,
      mode: input.mode,
      created_at: new Date(this.now()),
      expires_at: new Date(this.now() + seconds * 1000),
      revoked_at: null,
    };
    await this.db.getRepository(ShareEntity).insert(row);
    this.remember(row);
    await this.audit({
      actor: input.owner.name,
      action: 'share.create',
      target: input.urlId,
      address: input.address ?? null,
      details: { share: row.id, mode: row.mode, user: input.viewer?.name ?? null, seconds },
    });
    return row;
  }

  /** The owner's shares of a container, newest first, revoked and expired ones included. */
  async listFor(urlId: string, ownerId: number): Promise<ShareRow[]> {
    const rows = await this.db
      .getRepository(ShareEntity)
      .find({ where: { url_id: urlId, owner_id: ownerId }, order: { created_at: 'DESC' } });
    for (const r of rows) if (!this.cache.has(r.id)) this.remember(r);
    return rows.map((r) => this.cache.get(r.id) ?? r);
  }

  async get(id: string): Promise<ShareRow | null> {
    if (!/^[0-9a-f]{32}$/.test(id)) return null;
    const cached = this.cache.get(id);
    if (cached) return cached;
    const row = await this.db.getRepository(ShareEntity).findOneBy({ id });
    if (row) this.remember(row);
    return row;
  }

  /** Revokes one of the owner's shares of `urlId` and closes its connections. Idempotent. */
  async revoke(
    owner: { userId: number; name: string },
    urlId: string,
    id: string,
    address?: string | null,
  ): Promise<void> {
    const row = await this.get(id);
    if (!row || row.owner_id !== owner.userId || row.url_id !== urlId)
      throw new NotFound('no such share');
    if (!row.revoked_at) {
      row.revoked_at = new Date(this.now());
      await this.db.getRepository(ShareEntity).update({ id }, { revoked_at: row.revoked_at });
      await this.audit({
        actor: owner.name,
        action: 'share.revoke',
        target: urlId,
        address: address ?? null,
        details: { share: id, connections: this.connectedTo(id).length },
      });
    }
    this.end(id);
  }

  private end(id: string): void {
    this.disarm(id);
    for (const l of this.endedListeners) l(id);
  }

  /**
   * Closes a connected share's sockets at its expiry moment, not at the proxy's next sweep: a
   * link that says "until 12:00" must not show the app at 12:00:29.
   */
  private arm(shareId: string): void {
    if (this.expiryTimers.has(shareId)) return;
    const expires = this.cache.get(shareId)?.expires_at?.getTime();
    if (expires === undefined) return;
    const wait = expires - this.now();
    const timer = setTimeout(
      () => {
        this.expiryTimers.delete(shareId);
        if (!this.connections.has(shareId)) return;
        if (wait > MAX_TIMER_MS) this.arm(shareId);
        else this.end(shareId);
      },
      Math.max(0, Math.min(wait, MAX_TIMER_MS)),
    );
    timer.unref();
    this.expiryTimers.set(shareId, timer);
  }

  private disarm(shareId: string): void {
    const timer = this.expiryTimers.get(shareId);
    if (timer) clearTimeout(timer);
    this.expiryTimers.delete(shareId);
  }

  /** Stops the expiry timers (the hub is closing). */
  close(): void {
    for (const id of [...this.expiryTimers.keys()]) this.disarm(id);
  }

  /** Why the share cannot be used now (revoked, expired); null when live. */
  ended(row: ShareRow): HubError | null {
    return shareEnded(row, this.now());
  }

  /**
   * The proxy's question on an app origin without the owner's cookie: does this request carry
   * a share cookie for `urlId` whose share is live, and whose viewer is still who it names?
   */
  async admit(
    req: IncomingMessage,
    urlId: string,
    lookupSession: (hash: string) => Promise<Identity | null>,
  ): Promise<ShareAdmission | null> {
    const cookie = this.access.read(req, urlId);
    if (!cookie) return null;
    const share = await this.get(cookie.shareId);
    if (!share || share.url_id !== urlId || this.ended(share)) return null;
    if (cookie.sessionHash === null) {
      if (share.user_id !== null || !this.options.anonymous) return null;
      return { share, viewer: null };
    }
    const viewer = await lookupSession(cookie.sessionHash);
    if (!viewer || (share.user_id !== null && viewer.userId !== share.user_id)) return null;
    return { share, viewer };
  }

  /** Rows are re-read from the database after a flood empties the cache; none is lost. */
  private remember(row: ShareRow): void {
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(row.id, row);
  }

  /** Records an open connection of a viewer; the returned function ends it. */
  connected(shareId: string, viewer: string | null): () => void {
    const c: ShareConnection = { viewer, since: new Date(this.now()) };
    let set = this.connections.get(shareId);
    if (!set) this.connections.set(shareId, (set = new Set()));
    set.add(c);
    this.arm(shareId);
    return () => {
      set.delete(c);
      if (set.size || this.connections.get(shareId) !== set) return;
      this.connections.delete(shareId);
      this.disarm(shareId);
    };
  }

  connectedTo(shareId: string): ShareConnection[] {
    return [...(this.connections.get(shareId) ?? [])];
  }

  /** The live shares that have connections (the proxy re-checks them for expiry). */
  withConnections(): string[] {
    return [...this.connections.keys()];
  }
}
