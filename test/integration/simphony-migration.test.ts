import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { policyFromRow } from '../../server/catalog/policy';
import { MIGRATIONS, openDatabase } from '../../server/db/data-source';

/** Migration 0004 on a real SQLite file: policies made before it get SimPhoNy's two flags. */
it('gives existing policies allow_view false, and allow_common where they mount a volume', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-migrate-simphony-'));
  try {
    const old = await openDatabase(dir, MIGRATIONS.slice(0, 3));
    await old.query(`INSERT INTO policies (id, allow_home, allow_startup_data) VALUES (1, 1, 0)`);
    await old.query(
      `INSERT INTO policies (id, allow_home, allow_startup_data, volume_source, volume_target, volume_mode)
       VALUES (2, 0, 1, '/srv/common', '/common', 'ro')`,
    );
    await old.destroy();
    const db = await openDatabase(dir);
    const rows: Array<Record<string, unknown>> = await db.query(
      'SELECT * FROM policies ORDER BY id',
    );
    expect(rows.map(policyFromRow).map((p) => [p.allow_view, p.allow_common])).toEqual([
      [false, false],
      [false, true],
    ]);
    await db.destroy();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
