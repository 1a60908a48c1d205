import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The first schema. Later changes are new migrations: never edit this one. */
export class Initial1763700000001 implements MigrationInterface {
  name = 'Initial1763700000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE users (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name VARCHAR NOT NULL UNIQUE,
      password_hash VARCHAR,
      admin BOOLEAN NOT NULL DEFAULT 0,
      disabled BOOLEAN NOT NULL DEFAULT 0,
      created_at DATETIME NOT NULL,
      last_login_at DATETIME)`);
    await q.query(`CREATE TABLE applications (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      image VARCHAR NOT NULL UNIQUE,
      created_at DATETIME NOT NULL)`);
    await q.query(`CREATE TABLE policies (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      allow_home BOOLEAN NOT NULL DEFAULT 0,
      allow_startup_data BOOLEAN NOT NULL DEFAULT 0,
      volume_source VARCHAR,
      volume_target VARCHAR,
      volume_mode VARCHAR,
      app_license VARCHAR)`);
    await q.query(`CREATE TABLE accounting (
      id VARCHAR PRIMARY KEY NOT NULL,
      user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
      policy_id INTEGER NOT NULL REFERENCES policies(id),
      created_at DATETIME NOT NULL)`);
    await q.query(`CREATE TABLE api_tokens (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      token_hash VARCHAR NOT NULL UNIQUE,
      note VARCHAR,
      created_at DATETIME NOT NULL,
      expires_at DATETIME,
      last_used_at DATETIME,
      revoked_at DATETIME)`);
    await q.query(`CREATE TABLE sessions (
      id_hash VARCHAR PRIMARY KEY NOT NULL,
      user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      csrf_token VARCHAR NOT NULL,
      created_at DATETIME NOT NULL,
      expires_at DATETIME NOT NULL,
      last_seen_at DATETIME NOT NULL,
      address VARCHAR,
      user_agent VARCHAR)`);
    await q.query(`CREATE TABLE audit_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at DATETIME NOT NULL,
      actor VARCHAR,
      action VARCHAR NOT NULL,
      target VARCHAR,
      address VARCHAR,
      details VARCHAR)`);
    await q.query(`CREATE INDEX idx_accounting_user ON accounting(user_id)`);
    await q.query(`CREATE INDEX idx_sessions_user ON sessions(user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'audit_events',
      'sessions',
      'api_tokens',
      'accounting',
      'policies',
      'applications',
      'users',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
