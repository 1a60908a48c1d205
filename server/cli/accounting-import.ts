import crypto from 'node:crypto';
import type { Actor } from '../catalog/grants';
import { isValidImageRef, normalizeImageRef } from '../catalog/image-ref';
import { policyFromRow, samePolicy } from '../catalog/policy';
import type { Core } from '../core';
import { AccountingEntity, PolicyEntity } from '../db/entities';
import { BadRequest } from '../errors';
import { clip } from '../log';
import type { AccountingRecord } from './accounting-csv';

/** What an import did: grants made, and rows that were granted already (left as they are). */
export interface ImportResult {
  created: Array<{ line: number; user: string; image: string; mapping_id: string }>;
  existing: number;
}

/**
 * Imports grants read from SimPhoNy's accounting CSV, all or nothing: every row is resolved
 * (user exists, image registered) before anything is written, and the writes share one
 * transaction. A row whose user, image and policy are granted already is left alone, so the
 * same file can be imported twice.
 */
export async function importAccounting(
  hub: Core,
  records: readonly AccountingRecord[],
  opts: Actor = {},
): Promise<ImportResult> {
  const result = await hub.db.transaction(async (m) => {
    const users = new Map(
      ((await m.query('SELECT id, name FROM users')) as Array<{ id: number; name: string }>).map(
        (u) => [u.name, Number(u.id)],
      ),
    );
    const apps = new Map(
      (
        (await m.query('SELECT id, image FROM applications')) as Array<{
          id: number;
          image: string;
        }>
      ).map((a) => [a.image, Number(a.id)]),
    );
    const resolved = records.map((r) => {
      const userId = users.get(r.user);
      if (userId === undefined) {
        throw new BadRequest(
          `line ${r.line}: no user named "${clip(r.user, 64)}"; create it first (hub user create)`,
        );
      }
      if (!isValidImageRef(r.image)) {
        throw new BadRequest(
          `line ${r.line}: application.image: "${clip(r.image, 80)}" is not an image reference such as "name:tag"`,
        );
      }
      const image = normalizeImageRef(r.image);
      const appId = apps.get(image);
      if (appId === undefined) {
        throw new BadRequest(
          `line ${r.line}: ${image} is not a registered application; register it first (hub app create ${image})`,
        );
      }
      return { ...r, image, userId, appId };
    });

    const out: ImportResult = { created: [], existing: 0 };
    for (const r of resolved) {
      const rows: Array<Record<string, unknown>> = await m.query(
        `SELECT p.* FROM accounting acc JOIN policies p ON p.id = acc.policy_id
          WHERE acc.user_id = ? AND acc.application_id = ?`,
        [r.userId, r.appId],
      );
      if (rows.some((row) => samePolicy(policyFromRow(row), r.policy))) {
        out.existing++;
        continue;
      }
      const mapping_id = crypto.randomBytes(16).toString('hex');
      const policy = await m.getRepository(PolicyEntity).save({ ...r.policy });
      await m.getRepository(AccountingEntity).insert({
        id: mapping_id,
        user_id: r.userId,
        application_id: r.appId,
        policy_id: policy.id,
        created_at: new Date(),
      });
      out.created.push({ line: r.line, user: r.user, image: r.image, mapping_id });
    }
    return out;
  });
  for (const g of result.created) {
    await hub.audit({
      actor: opts.actor ?? null,
      action: 'grant.create',
      target: `${g.user}:${g.image}`,
      address: opts.address,
      details: { mapping_id: g.mapping_id, import_line: g.line },
    });
  }
  return result;
}
