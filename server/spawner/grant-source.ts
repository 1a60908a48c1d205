import type { DataSource } from 'typeorm';
import { AccountingEntity, type AccountingRow, type PolicyRow } from '../db/entities';

/** A grant as the spawner needs it: whose it is, which image, which policy. */
export interface GrantInfo {
  mappingId: string;
  userId: number;
  user: string;
  /** The identity provider's name when it is no valid hub name (an e-mail): JPY_USER. */
  fullName?: string | null;
  userDisabled: boolean;
  /** The image to run: always from the grant, never from the caller. */
  image: string;
  policy: Omit<PolicyRow, 'id'>;
}

/** Read access to grants (the accounting table). */
export interface GrantSource {
  get(mappingId: string): Promise<GrantInfo | null>;
  /** Every grant, for reconciling running containers against what still exists. */
  all(): Promise<GrantInfo[]>;
}

function toInfo(row: AccountingRow): GrantInfo | null {
  if (!row.user || !row.application || !row.policy) return null;
  const { id: _id, ...policy } = row.policy;
  return {
    mappingId: row.id,
    userId: row.user_id,
    user: row.user.name,
    fullName: row.user.full_name ?? null,
    userDisabled: row.user.disabled,
    image: row.application.image,
    policy,
  };
}

/**
 * Grants straight from the database. A minimal adapter kept inside the spawner so that it does
 * not depend on the shape of the catalogue's grant service; it only reads.
 */
export class DbGrantSource implements GrantSource {
  constructor(private readonly db: DataSource) {}

  async get(mappingId: string): Promise<GrantInfo | null> {
    const row = await this.db.getRepository(AccountingEntity).findOne({
      where: { id: mappingId },
      relations: { user: true, application: true, policy: true },
    });
    return row ? toInfo(row) : null;
  }

  async all(): Promise<GrantInfo[]> {
    const rows = await this.db.getRepository(AccountingEntity).find({
      relations: { user: true, application: true, policy: true },
    });
    return rows.map(toInfo).filter((g): g is GrantInfo => g !== null);
  }
}
