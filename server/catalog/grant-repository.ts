import type { DataSource } from 'typeorm';
import { normalizeImageRef } from './image-ref';
import { policyFromRow, type Policy } from './policy';

/**
 * The one reader of grants (the accounting table joined with user, application and policy):
 * the admin API, the applications list, the CLI (through grants.ts) and the spawner (through
 * spawner/grant-source.ts) all see grants through this query, so they cannot disagree on what a
 * grant is.
 */

/** Narrows `findGrants`; all given fields must match. */
export interface GrantFilter {
  user?: string;
  user_id?: number;
  image?: string;
  application_id?: number;
  mapping_id?: string;
}

/** One grant with everything any caller needs about it. */
export interface GrantRecord {
  mappingId: string;
  userId: number;
  user: string;
  /** The identity provider's name when it is no valid hub name (an e-mail): JPY_USER. */
  fullName: string | null;
  userDisabled: boolean;
  applicationId: number;
  /** The image to run: always from the grant, never from a caller. */
  image: string;
  policy: Policy;
  /** The grant's creation, from SQLite's UTC text. */
  grantedAt: unknown;
}

/** Grants with user, image and policy in one joined query, by image then user. */
export async function findGrants(db: DataSource, filter: GrantFilter = {}): Promise<GrantRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    where.push(sql);
    params.push(value);
  };
  if (filter.user !== undefined) add('u.name = ?', filter.user);
  if (filter.user_id !== undefined) add('u.id = ?', filter.user_id);
  if (filter.image !== undefined) add('app.image = ?', normalizeImageRef(filter.image));
  if (filter.application_id !== undefined) add('app.id = ?', filter.application_id);
  if (filter.mapping_id !== undefined) add('acc.id = ?', filter.mapping_id);
  const rows: Array<Record<string, unknown>> = await db.query(
    `SELECT acc.id AS mapping_id, acc.created_at AS granted_at, u.id AS user_id,
            u.name AS user_name, u.full_name AS user_full_name, u.disabled AS user_disabled,
            app.id AS application_id,
            app.image, p.*
       FROM accounting acc
       JOIN users u ON u.id = acc.user_id
       JOIN applications app ON app.id = acc.application_id
       JOIN policies p ON p.id = acc.policy_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY app.image, u.name, acc.created_at`,
    params,
  );
  return rows.map((r) => ({
    mappingId: String(r.mapping_id),
    userId: Number(r.user_id),
    user: String(r.user_name),
    fullName: r.user_full_name == null ? null : String(r.user_full_name),
    userDisabled: Boolean(r.user_disabled),
    applicationId: Number(r.application_id),
    image: String(r.image),
    policy: policyFromRow(r),
    grantedAt: r.granted_at,
  }));
}
