import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The name an identity provider (OIDC, LDAP) knows a user by, which may be an e-mail address
 * that is no valid hub name: containers get it as JPY_USER, and a provider login is matched
 * against it so two provider names that escape to one hub name never share an account.
 */
export class UserFullName1763700000004 implements MigrationInterface {
  name = 'UserFullName1763700000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN full_name varchar`);
    await q.query(`CREATE UNIQUE INDEX idx_users_full_name ON users(full_name)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_users_full_name`);
    await q.query(`ALTER TABLE users DROP COLUMN full_name`);
  }
}
