import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { IsNull } from 'typeorm';
import { ApiTokenEntity } from '../db/entities';
import { NotFound } from '../errors';
import { type CredentialEndedListener, sha256, type Identity } from './sessions';

/** Prefix makes hub tokens recognisable in logs and secret scanners. */
const TOKEN_PREFIX = 'hub_';
const CACHE_MS = 5_000;

export interface TokenInfo {
  id: number;
  note: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

/**
 * API tokens for scripts and the CLI. A token has 256 random bits, so a plain SHA-256 is the
 * right storage (a slow hash protects guessable secrets; these are not guessable) and keeps
 * bearer authentication cheap on the proxy's hot path.
 */
export class TokenStore {
  private cache = new Map<string, { identity: Identity; until: number }>();
  private readonly endedListeners: CredentialEndedListener[] = [];

  constructor(private readonly db: DataSource) {}

  async create(
    userId: number,
    note: string | null,
    expiresInSeconds: number | null,
  ): Promise<{ token: string; id: number }> {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const now = new Date();
    const result = await this.db.getRepository(ApiTokenEntity).insert({
      user_id: userId,
      token_hash: sha256(token),
      note,
      created_at: now,
      expires_at: expiresInSeconds ? new Date(now.getTime() + expiresInSeconds * 1000) : null,
    });
    return { token, id: result.identifiers[0].id as number };
  }

  async verify(token: string): Promise<Identity | null> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
    const hash = sha256(token);
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && hit.until > now) return hit.identity;
    const row = await this.db
      .getRepository(ApiTokenEntity)
      .findOne({ where: { token_hash: hash, revoked_at: IsNull() }, relations: { user: true } });
    if (!row?.user || row.user.disabled || (row.expires_at && row.expires_at.getTime() <= now)) {
      this.cache.delete(hash);
      return null;
    }
    const identity: Identity = {
      userId: row.user.id,
      name: row.user.name,
      admin: row.user.admin,
      via: 'token',
      credentialHash: hash,
    };
    const until = Math.min(now + CACHE_MS, row.expires_at?.getTime() ?? Infinity);
    this.cache.set(hash, { identity, until });
    if (!row.last_used_at || now - row.last_used_at.getTime() > 60_000) {
      void this.db
        .getRepository(ApiTokenEntity)
        .update({ id: row.id }, { last_used_at: new Date(now) })
        .catch(() => undefined);
    }
    return identity;
  }

  async list(userId: number): Promise<TokenInfo[]> {
    const rows = await this.db
      .getRepository(ApiTokenEntity)
      .find({ where: { user_id: userId, revoked_at: IsNull() }, order: { id: 'ASC' } });
    return rows.map((r) => ({
      id: r.id,
      note: r.note,
      created_at: r.created_at.toISOString(),
      expires_at: r.expires_at?.toISOString() ?? null,
      last_used_at: r.last_used_at?.toISOString() ?? null,
    }));
  }

  /** Revokes one of `userId`'s tokens; another user's token id is "not found". */
  async revoke(userId: number, id: number): Promise<void> {
    const repo = this.db.getRepository(ApiTokenEntity);
    const row = await repo.findOne({ where: { id, user_id: userId, revoked_at: IsNull() } });
    if (!row) throw new NotFound(`no token with id ${id}`);
    await repo.update({ id }, { revoked_at: new Date() });
    this.cache.delete(row.token_hash);
    for (const l of this.endedListeners) l({ credentialHash: row.token_hash });
  }

  /** Called after a token was revoked in this process. */
  onEnded(listener: CredentialEndedListener): void {
    this.endedListeners.push(listener);
  }

  /** The live token stored under `hash`, or null (for re-checking long-lived connections). */
  async lookupHash(hash: string): Promise<Identity | null> {
    const hit = this.cache.get(hash);
    if (hit && hit.until > Date.now()) return hit.identity;
    const row = await this.db
      .getRepository(ApiTokenEntity)
      .findOne({ where: { token_hash: hash, revoked_at: IsNull() }, relations: { user: true } });
    if (
      !row?.user ||
      row.user.disabled ||
      (row.expires_at && row.expires_at.getTime() <= Date.now())
    )
      return null;
    return {
      userId: row.user.id,
      name: row.user.name,
      admin: row.user.admin,
      via: 'token',
      credentialHash: hash,
    };
  }

  /** Revokes every live token of `userId` (password change or reset); returns how many. */
  async revokeForUser(userId: number): Promise<number> {
    const result = await this.db
      .getRepository(ApiTokenEntity)
      .update({ user_id: userId, revoked_at: IsNull() }, { revoked_at: new Date() });
    this.invalidateUser(userId);
    return result.affected ?? 0;
  }

  invalidateUser(userId: number): void {
    for (const [k, v] of this.cache) if (v.identity.userId === userId) this.cache.delete(k);
  }
}
