import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SimPhoNy-Remote's remaining policy flags: `allow_view` (the owner may share a running
 * container) and `allow_common` (informational: SimPhoNy's "has a common volume"). Existing
 * policies get false for both, as SimPhoNy's own defaults; `allow_common` is set where a
 * volume is already given, so an export says what SimPhoNy would have said.
 */
export class PolicySimphony1763700000005 implements MigrationInterface {
  name = 'PolicySimphony1763700000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE policies ADD COLUMN allow_view BOOLEAN NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE policies ADD COLUMN allow_common BOOLEAN NOT NULL DEFAULT 0`);
    await q.query(`UPDATE policies SET allow_common = 1 WHERE volume_source IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE policies DROP COLUMN allow_common`);
    await q.query(`ALTER TABLE policies DROP COLUMN allow_view`);
  }
}
