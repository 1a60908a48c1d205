import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Whether a grant's user may share its running container (shared/DESIGN.md "Shares"). */
export class PolicyAllowView1763700000004 implements MigrationInterface {
  name = 'PolicyAllowView1763700000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE policies ADD COLUMN allow_view BOOLEAN NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE policies DROP COLUMN allow_view`);
  }
}
