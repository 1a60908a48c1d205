import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Share links of running containers. No foreign key to users for the viewer: a deleted user's
 * shares simply stop matching anyone; the owner's go with the owner.
 */
export class Shares1763700000006 implements MigrationInterface {
  name = 'Shares1763700000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE shares (
      id VARCHAR PRIMARY KEY NOT NULL,
      url_id VARCHAR NOT NULL,
      owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      user_id INTEGER,
      mode VARCHAR NOT NULL,
      created_at DATETIME NOT NULL,
      expires_at DATETIME,
      revoked_at DATETIME
    )`);
    await q.query(`CREATE INDEX idx_shares_url ON shares(url_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_shares_url`);
    await q.query(`DROP TABLE shares`);
  }
}
