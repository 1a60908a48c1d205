import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { SessionStore } from '../../../server/auth/sessions';
import { UserService } from '../../../server/auth/users';
import { openDatabase } from '../../../server/db/data-source';
import { SessionEntity } from '../../../server/db/entities';

/**
 * `SessionStore.onResumed` fires when a user comes back to a session after at least the
 * listener's threshold, and not on the re-reads of a session in use (every few seconds, each
 * with a gap under a minute). The database is real SQLite; the gap is set in its rows.
 */

const MINUTE = 60_000;
let dir: string;
let db: DataSource;
let userId: number;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-session-resumed-'));
  db = await openDatabase(dir);
  const { user } = await new UserService(db).create('rita', { password: 'rita-password-123' });
  userId = user.id;
});

afterAll(async () => {
  await db?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A store with one listener at `afterMinutes`, and the session it will see. */
async function storeWithListener(afterMinutes: number) {
  const store = new SessionStore(db, 24 * 60 * MINUTE);
  const resumed: Array<{ name: string; idleMinutes: number }> = [];
  store.onResumed(afterMinutes * MINUTE, (name, idleMs) =>
    resumed.push({ name, idleMinutes: Math.round(idleMs / MINUTE) }),
  );
  const { id } = await store.create(userId, null, null);
  /** The session was last seen `minutes` ago; the next lookup reads it from the database. */
  const lastSeen = async (minutes: number) => {
    await db
      .getRepository(SessionEntity)
      .update({ user_id: userId }, { last_seen_at: new Date(Date.now() - minutes * MINUTE) });
    store.invalidateUser(userId);
  };
  return { store, id, resumed, lastSeen };
}

it('does not fire for a session in use, whose database re-reads come with short gaps', async () => {
  const { store, id, resumed, lastSeen } = await storeWithListener(30);
  expect(await store.lookup(id)).toMatchObject({ name: 'rita' });
  for (const minutes of [0, 1, 5, 29]) {
    await lastSeen(minutes);
    expect(await store.lookup(id)).toMatchObject({ name: 'rita' });
  }
  expect(resumed).toEqual([]);
});

it('fires once when the gap reaches the threshold, then not on the next reads', async () => {
  const { store, id, resumed, lastSeen } = await storeWithListener(30);
  await lastSeen(90);
  const identity = await store.lookup(id);
  expect(identity).toMatchObject({ name: 'rita' });
  expect(resumed).toEqual([{ name: 'rita', idleMinutes: 90 }]);
  // That lookup marked the session seen: the next read from the database is no return.
  const seen = () =>
    db.getRepository(SessionEntity).findOneByOrFail({ id_hash: identity!.credentialHash });
  while ((await seen()).last_seen_at.getTime() < Date.now() - MINUTE)
    await new Promise((r) => setTimeout(r, 10));
  store.invalidateUser(userId);
  expect(await store.lookup(id)).toMatchObject({ name: 'rita' });
  expect(resumed).toHaveLength(1);
});

it('gives each listener its own threshold', async () => {
  const { store, id, resumed, lastSeen } = await storeWithListener(30);
  const soon: number[] = [];
  store.onResumed(5 * MINUTE, (_name, idleMs) => soon.push(Math.round(idleMs / MINUTE)));
  await lastSeen(10);
  await store.lookup(id);
  expect(soon).toEqual([10]);
  expect(resumed).toEqual([]);
});
