import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SessionEntity, type SessionRow } from '../db/entities';

/** Who is calling: set on every request that carries a valid session or token. */
export interface Identity {
  userId: number;
  name: string;
  admin: boolean;
  via: 'session' | 'token';
  /** The session's CSRF token (sessions only). */
  csrfToken?: string;
  /** Hash of the session id or token, so logout/revocation can find it. */
  credentialHash: string;
}

/**
 * A user came back to a session: it was used for a request `idleMs` after it was last marked
 * seen, and that gap is at least the listener's threshold (compose.ts warms their usual app).
 * Called without waiting; must return at once and never throw.
 */
export type SessionResumedListener = (name: string, idleMs: number) => void;

/**
 * A credential that stopped being valid: one session or token (`credentialHash`), or every
 * credential of a user (`userId`). Holders of long-lived connections (the proxy's WebSockets)
 * listen, so a logout or a password change also ends what the credential had opened.
 */
export interface CredentialEnded {
  credentialHash?: string;
  userId?: number;
}
export type CredentialEndedListener = (e: CredentialEnded) => void;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Caching keeps the proxy's hot path free of database reads; short so CLI changes apply soon. */
const CACHE_MS = 5_000;
/** last_seen_at is written at most this often per session, not per request. */
const TOUCH_MS = 60_000;
/** Session ids whose hash is remembered; past this the memo starts over (a flood of ids). */
const HASHES_MAX = 10_000;

interface Cached {
  identity: Identity;
  expiresAt: number;
  lastSeen: number;
  cachedAt: number;
}

/**
 * Server-side sessions. The cookie carries a random 256-bit id; the database keeps only its
 * SHA-256, so a stolen database file does not hand out live sessions. Sessions outlive hub
 * restarts because they live in SQLite; logout deletes the row, which ends the session on
 * every device that used it.
 */
export class SessionStore {
  private cache = new Map<string, Cached>();
  /**
   * Session id → its SHA-256: the proxy looks a browser's session up on every request it
   * forwards on the hub's origin, and the hash was the costliest step of a cache hit.
   */
  private readonly hashes = new Map<string, string>();
  private readonly endedListeners: CredentialEndedListener[] = [];
  private readonly resumedListeners: Array<{
    afterMs: number;
    listener: SessionResumedListener;
  }> = [];

  constructor(
    private readonly db: DataSource,
    private readonly maxAgeMs: number,
  ) {}

  async create(
    userId: number,
    address: string | null,
    userAgent: string | null,
  ): Promise<{ id: string; csrfToken: string }> {
    const id = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const now = new Date();
    await this.db.getRepository(SessionEntity).insert({
      id_hash: sha256(id),
      user_id: userId,
      csrf_token: csrfToken,
      created_at: now,
      last_seen_at: now,
      expires_at: new Date(now.getTime() + this.maxAgeMs),
      address,
      user_agent: userAgent?.slice(0, 256) ?? null,
    });
    return { id, csrfToken };
  }

  async lookup(id: string): Promise<Identity | null> {
    let hash = this.hashes.get(id);
    if (hash === undefined) {
      hash = sha256(id);
      if (this.hashes.size >= HASHES_MAX) this.hashes.clear();
      this.hashes.set(id, hash);
    }
    return this.lookupHash(hash);
  }

  /** The session stored under `hash` (app origins carry the hash, never the session id). */
  async lookupHash(hash: string): Promise<Identity | null> {
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && now - hit.cachedAt < CACHE_MS && hit.expiresAt > now) {
      if (now - hit.lastSeen > TOUCH_MS) void this.touch(hash, hit, now);
      return hit.identity;
    }
    const row = await this.db
      .getRepository(SessionEntity)
      .findOne({ where: { id_hash: hash }, relations: { user: true } });
    if (!row || !row.user || row.user.disabled || row.expires_at.getTime() <= now) {
      this.cache.delete(hash);
      if (row) await this.db.getRepository(SessionEntity).delete({ id_hash: hash });
      return null;
    }
    const entry: Cached = {
      identity: {
        userId: row.user.id,
        name: row.user.name,
        admin: row.user.admin,
        via: 'session',
        csrfToken: row.csrf_token,
        credentialHash: hash,
      },
      expiresAt: row.expires_at.getTime(),
      lastSeen: row.last_seen_at.getTime(),
      cachedAt: now,
    };
    this.cache.set(hash, entry);
    const idleMs = now - entry.lastSeen;
    if (idleMs > TOUCH_MS) void this.touch(hash, entry, now);
    // A session in use is re-read every CACHE_MS with a gap under TOUCH_MS: only a longer gap
    // than the listener asked for is a return.
    for (const { afterMs, listener } of this.resumedListeners)
      if (idleMs >= afterMs) listener(entry.identity.name, idleMs);
    return entry.identity;
  }

  private async touch(hash: string, entry: Cached, now: number): Promise<void> {
    entry.lastSeen = now;
    entry.expiresAt = now + this.maxAgeMs;
    await this.db
      .getRepository(SessionEntity)
      .update(
        { id_hash: hash },
        { last_seen_at: new Date(now), expires_at: new Date(entry.expiresAt) },
      )
      .catch(() => undefined);
  }

  /**
   * Called when a session is used again after at least `afterMs` unused (see the type). The
   * gap is measured from `last_seen_at`, which a session in use moves once a minute, so a
   * threshold under two minutes would also fire for a session in use.
   */
  onResumed(afterMs: number, listener: SessionResumedListener): void {
    this.resumedListeners.push({ afterMs, listener });
  }

  /** Called after a session (or all of a user's) ended in this process. */
  onEnded(listener: CredentialEndedListener): void {
    this.endedListeners.push(listener);
  }

  async destroy(credentialHash: string): Promise<void> {
    this.cache.delete(credentialHash);
    await this.db.getRepository(SessionEntity).delete({ id_hash: credentialHash });
    for (const l of this.endedListeners) l({ credentialHash });
  }

  /** Ends every session of a user (password reset, disable, delete). */
  async destroyForUser(userId: number): Promise<void> {
    for (const [k, v] of this.cache) if (v.identity.userId === userId) this.cache.delete(k);
    await this.db.getRepository(SessionEntity).delete({ user_id: userId });
    for (const l of this.endedListeners) l({ userId });
  }

  /** Forgets cached identities of a user whose role changed, so the change applies at once. */
  invalidateUser(userId: number): void {
    for (const [k, v] of this.cache) if (v.identity.userId === userId) this.cache.delete(k);
  }

  async purgeExpired(): Promise<void> {
    await this.db
      .createQueryBuilder()
      .delete()
      .from(SessionEntity)
      .where('expires_at <= :now', { now: new Date() })
      .execute();
  }
}

export { sha256 };
export type { SessionRow };
