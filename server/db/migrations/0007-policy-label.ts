import type { MigrationInterface, QueryRunner } from 'typeorm';

/** An admin-given label per policy, so that grants of one app can be told apart. */
export class PolicyLabel1763700000007 implements MigrationInterface {
  name = 'PolicyLabel1763700000007';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE policies ADD COLUMN label VARCHAR`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE policies DROP COLUMN label`);
  }
}
