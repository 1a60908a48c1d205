import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { UserService } from '../../../server/auth/users';
import { openDatabase } from '../../../server/db/data-source';
import { Shares } from '../../../server/shares/shares';

/**
 * A share's open connections end at its expiry moment (a timer per connected share), not at the
 * proxy's next 30 s sweep. The clock and the timers are the test's; the database is real SQLite.
 */

let dir: string;
let db: DataSource;
let owner: { userId: number; name: string };
let clock = Date.parse('2026-12-06T12:00:00Z');

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-share-expiry-'));
  db = await openDatabase(dir);
  const { user } = await new UserService(db).create('olga', { password: 'olga-password-123' });
  owner = { userId: user.id, name: user.name };
});

afterAll(async () => {
  await db?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

afterEach(() => jest.useRealTimers());

function sharesWithClock(): { shares: Shares; ended: string[] } {
  const shares = new Shares(
    db,
    async () => undefined,
    { anonymous: false, maxExpiresHours: 24 },
    'k',
    () => clock,
  );
  const ended: string[] = [];
  shares.onEnded((id) => ended.push(id));
  return { shares, ended };
}

it('closes a connected share at its expiry, not before', async () => {
  const { shares, ended } = sharesWithClock();
  const row = await shares.create({
    owner,
    urlId: 'u1',
    mode: 'control',
    expiresInSeconds: 60,
    viewer: null,
  });
  jest.useFakeTimers();
  shares.connected(row.id, null);
  jest.advanceTimersByTime(59_999);
  expect(ended).toEqual([]);
  clock += 60_000;
  jest.advanceTimersByTime(1);
  expect(ended).toEqual([row.id]);
  expect(shares.ended(row)?.status).toBe(410);
  shares.close();
});

it('arms nothing for a share nobody is connected through, and disarms when the last one leaves', async () => {
  const { shares, ended } = sharesWithClock();
  const row = await shares.create({
    owner,
    urlId: 'u2',
    mode: 'control',
    expiresInSeconds: 60,
    viewer: null,
  });
  jest.useFakeTimers();
  const first = shares.connected(row.id, 'vera');
  const second = shares.connected(row.id, 'vera');
  first();
  expect(jest.getTimerCount()).toBe(1);
  second();
  expect(jest.getTimerCount()).toBe(0);
  jest.advanceTimersByTime(120_000);
  expect(ended).toEqual([]);
});

it('revoking ends the share once and stops its timer', async () => {
  const { shares, ended } = sharesWithClock();
  const row = await shares.create({
    owner,
    urlId: 'u3',
    mode: 'control',
    expiresInSeconds: 60,
    viewer: null,
  });
  shares.connected(row.id, null);
  await shares.revoke(owner, 'u3', row.id);
  expect(ended).toEqual([row.id]);
  jest.useFakeTimers();
  jest.advanceTimersByTime(120_000);
  expect(ended).toEqual([row.id]);
});
