import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Grants by application: unregistering an image and filtering grants by image stay index scans. */
export class GrantAppIndex1763700000003 implements MigrationInterface {
  name = 'GrantAppIndex1763700000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX idx_accounting_app ON accounting(application_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_accounting_app`);
  }
}
