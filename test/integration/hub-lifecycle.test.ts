import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, MIGRATIONS } from '../../server/db/data-source';
import { PolicyEntity, UserEntity } from '../../server/db/entities';
import { ADMIN, bootHub } from '../helpers/hub';

const ROOT = path.join(__dirname, '..', '..');

/**
 * A realm of its own: main with a fresh database reconciles at start, and must never meet the
 * containers of a hub on the default realm `hub` sharing this engine.
 */
const REALM = `lifecycle-${crypto.randomBytes(4).toString('hex')}`;

function runMain(
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'server/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HUB_LOG_LEVEL: 'warn', HUB_REALM: REALM, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('hub listening on')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('hub life cycle (real process, real SQLite)', () => {
  it('keeps people logged in across a restart', async () => {
    let th = await bootHub();
    const c = await th.loginAs(ADMIN.name, ADMIN.password);
    th = await th.restart();
    try {
      const again = th.client();
      again.cookies = c.cookies;
      const me = await again.json('/api/v1/me');
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ name: 'admin', csrf_token: c.csrf });
    } finally {
      await th.close();
    }
  });

  it('migrates an existing database and keeps its data', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-migrate-'));
    const old = await openDatabase(dir, MIGRATIONS.slice(0, 1));
    await old.query(
      `INSERT INTO users (name, password_hash, admin, disabled, created_at) VALUES ('olduser', 'x', 1, 0, '2025-01-01 00:00:00')`,
    );
    await old.query(`INSERT INTO policies (allow_home, allow_startup_data) VALUES (1, 0)`);
    await old.destroy();
    const db = await openDatabase(dir);
    const user = await db.getRepository(UserEntity).findOneByOrFail({ name: 'olduser' });
    expect(user.admin).toBe(true);
    const policy = await db.getRepository(PolicyEntity).findOneByOrFail({ id: 1 });
    expect(policy).toMatchObject({ allow_home: true, memory_limit: null, cpu_limit: null });
    const applied = await db.query('SELECT name FROM migrations ORDER BY id');
    expect(applied.map((m: { name: string }) => m.name)).toEqual(
      MIGRATIONS.map((m) => new m().name),
    );
    await db.destroy();
  });

  it('refuses a bad config with a message naming the key', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-badcfg-'));
    const r = await runMain({ HUB_DATA_DIR: dir, HUB_PORT: 'not-a-port' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/port \(HUB_PORT\)/);
    const file = path.join(dir, 'cfg.json');
    fs.writeFileSync(file, JSON.stringify({ spawner: { memory_limit: 5 } }));
    const r2 = await runMain({ HUB_DATA_DIR: dir, HUB_CONFIG: file });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/spawner\.memory_limit/);
  });

  it('starts as a process, prints the listening line and a generated admin password, and stops on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-main-'));
    const r = await runMain({ HUB_DATA_DIR: dir, HUB_PORT: '0', HUB_SKIP_IMAGES: '1' });
    expect(r.stdout).toMatch(/hub listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(r.stdout).toMatch(/First admin "admin" created with password: \S{12,}/);
    expect(r.code).toBe(0);
  });

  it('manages users and tokens from the CLI with clear errors and exit codes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-cli-'));
    const cli = (args: string[], input = '') =>
      spawnSync(path.join(ROOT, 'bin', 'hub'), args, {
        input,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HUB_DATA_DIR: dir, HUB_REALM: REALM },
      });
    expect(cli(['user', 'create', 'dana'], 'dana-password-1\n').status).toBe(0);
    const list = cli(['user', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ name: 'dana', admin: false }),
    ]);
    const bad = cli(['user', 'create', 'Dana Smith'], 'whatever-123\n');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/lower-case letters/);
    expect(cli(['user', 'create', 'dana'], 'dana-password-1\n').stderr).toMatch(/already exists/);
    expect(cli(['user', 'set-admin', 'dana']).status).toBe(0);
    const token = cli(['token', 'create', 'dana', '--note', 'ci']);
    expect(token.stdout.trim()).toMatch(/^hub_/);
    expect(cli(['user', 'remove', 'nobody']).status).toBe(1);
    const reset = cli(['user', 'reset-password', 'dana'], 'short\n');
    expect(reset.status).toBe(1);
    expect(reset.stderr).toMatch(/at least 8/);
  });
});
