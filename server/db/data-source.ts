import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { ALL_ENTITIES } from './entities';
import { Initial1763700000001 } from './migrations/0001-initial';
import { PolicyResources1763700000002 } from './migrations/0002-policy-resources';
import { GrantAppIndex1763700000003 } from './migrations/0003-grant-app-index';
import { UserFullName1763700000004 } from './migrations/0004-user-full-name';
import { PolicySimphony1763700000005 } from './migrations/0005-policy-simphony';
import { Shares1763700000006 } from './migrations/0006-shares';
import { PolicyLabel1763700000007 } from './migrations/0007-policy-label';

/** In order. A new migration is appended here; schema sync is never used, so upgrades keep data. */
export const MIGRATIONS = [
  Initial1763700000001,
  PolicyResources1763700000002,
  GrantAppIndex1763700000003,
  UserFullName1763700000004,
  PolicySimphony1763700000005,
  Shares1763700000006,
  PolicyLabel1763700000007,
];

export function databasePath(dataDir: string): string {
  return path.join(dataDir, 'hub.sqlite');
}

/**
 * Opens (creating if needed) the hub database in `dataDir` and brings its schema up to date.
 * `migrations` lets a test stop at an older schema to prove upgrades keep data.
 */
export async function openDatabase(
  dataDir: string,
  migrations: Array<new () => unknown> = MIGRATIONS,
): Promise<DataSource> {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const ds = new DataSource({
    type: 'sqlite',
    database: databasePath(dataDir),
    entities: ALL_ENTITIES,
    migrations: migrations as never,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    busyErrorRetry: 100,
    enableWAL: true,
  });
  await ds.initialize();
  await ds.query('PRAGMA foreign_keys = ON');
  await ds.query('PRAGMA busy_timeout = 5000');
  await ds.runMigrations();
  return ds;
}
