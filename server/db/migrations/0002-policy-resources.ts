import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-policy resource overrides and the indexes the audit log filters and grant look-ups use.
 * Existing policies keep null limits, which means "the hub-wide default".
 */
export class PolicyResources1763700000002 implements MigrationInterface {
  name = 'PolicyResources1763700000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE policies ADD COLUMN memory_limit VARCHAR`);
    await q.query(`ALTER TABLE policies ADD COLUMN cpu_limit REAL`);
    await q.query(`ALTER TABLE policies ADD COLUMN pids_limit INTEGER`);
    await q.query(`CREATE INDEX idx_audit_at ON audit_events(at)`);
    await q.query(`CREATE INDEX idx_audit_actor ON audit_events(actor)`);
    await q.query(
      `CREATE UNIQUE INDEX idx_accounting_grant ON accounting(user_id, application_id, policy_id)`,
    );
    await q.query(`CREATE INDEX idx_tokens_user ON api_tokens(user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_tokens_user`);
    await q.query(`DROP INDEX idx_accounting_grant`);
    await q.query(`DROP INDEX idx_audit_actor`);
    await q.query(`DROP INDEX idx_audit_at`);
    await q.query(`ALTER TABLE policies DROP COLUMN pids_limit`);
    await q.query(`ALTER TABLE policies DROP COLUMN cpu_limit`);
    await q.query(`ALTER TABLE policies DROP COLUMN memory_limit`);
  }
}
