import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../../../server/db/data-source';
import { AuditEventEntity } from '../../../server/db/entities';
import { AuditLaunchHistory } from '../../../server/spawner/warm-history';

/** The launch history warm starts read, on a real SQLite file. */

let dir: string;
let db: DataSource;
let history: AuditLaunchHistory;
const DAY = 86_400_000;
const now = Date.now();

async function started(
  actor: string,
  details: unknown,
  daysAgo = 0,
  target = 'u',
  action = 'container.start',
) {
  await db.getRepository(AuditEventEntity).insert({
    at: new Date(now - daysAgo * DAY),
    actor,
    action,
    target,
    address: null,
    details: typeof details === 'string' ? details : JSON.stringify(details),
  });
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warm-history-'));
  db = await openDatabase(dir);
  history = new AuditLaunchHistory(db);
});

afterEach(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const since = (days: number) => new Date(now - days * DAY);

describe('AuditLaunchHistory.favourite', () => {
  it('picks the grant started most often, only from enough starts', async () => {
    await started('alice', { mapping_id: 'a' });
    await started('alice', { mapping_id: 'b' });
    await started('alice', { mapping_id: 'a' });
    expect(await history.favourite('alice', since(14), 2)).toEqual({
      mappingId: 'a',
      configurables: undefined,
    });
    expect(await history.favourite('alice', since(14), 3)).toBeNull();
  });

  it('counts only this user, this action and the window', async () => {
    await started('alice', { mapping_id: 'old' }, 30);
    await started('alice', { mapping_id: 'old' }, 30);
    await started('bob', { mapping_id: 'bobs' });
    await started('bob', { mapping_id: 'bobs' });
    await started('alice', { mapping_id: 'x' }, 0, 'u', 'container.stop');
    await started('alice', { mapping_id: 'x' }, 0, 'u', 'container.stop');
    expect(await history.favourite('alice', since(14), 1)).toBeNull();
  });

  it('breaks ties by the latest start and repeats its screen size only', async () => {
    await started('alice', { mapping_id: 'a', configurables: { resolution: '800x600' } });
    await started('alice', { mapping_id: 'b' });
    await started('alice', {
      mapping_id: 'a',
      configurables: { resolution: '1280x800', startupdata: '/w/f.csv' },
    });
    await started('alice', { mapping_id: 'b' });
    await started('alice', {
      mapping_id: 'a',
      configurables: { resolution: { resolution: '1024x768' } },
    });
    await started('alice', { mapping_id: 'b' });
    expect(await history.favourite('alice', since(14), 1)).toEqual({
      mappingId: 'b',
      configurables: undefined,
    });
    await started('alice', { mapping_id: 'a', configurables: { resolution: '1600x900' } });
    expect(await history.favourite('alice', since(14), 1)).toEqual({
      mappingId: 'a',
      configurables: { resolution: '1600x900' },
    });
  });

  it('skips entries it cannot read', async () => {
    await started('alice', '{"mapping_id": "a", "ima');
    await started('alice', { image: 'no grant' });
    await started('alice', { mapping_id: 'a' });
    expect(await history.favourite('alice', since(14), 2)).toBeNull();
  });
});

describe('AuditLaunchHistory.claimed', () => {
  it('says which url_ids a start handed out', async () => {
    await started('alice', { mapping_id: 'a', warm: true }, 0, 'claimed');
    await started('alice', { mapping_id: 'a' }, 0, 'made', 'container.warm');
    expect(await history.claimed(['claimed', 'made', 'other'])).toEqual(new Set(['claimed']));
    expect(await history.claimed([])).toEqual(new Set());
  });
});
