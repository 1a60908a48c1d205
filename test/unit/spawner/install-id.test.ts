import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadInstallIdentity } from '../../../server/spawner/install-id';
import { ownerOf } from '../../../server/spawner/ownership';

describe('loadInstallIdentity', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-install-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('makes a random id once per data folder and keeps it', () => {
    const first = loadInstallIdentity(dir);
    expect(first.id).toMatch(/^[0-9a-f]{32}$/);
    expect(loadInstallIdentity(dir)).toEqual(first);
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-install-'));
    expect(loadInstallIdentity(other).id).not.toBe(first.id);
    fs.rmSync(other, { recursive: true, force: true });
  });

  it('claims no earlier containers for a new data folder', () => {
    fs.writeFileSync(path.join(dir, 'secrets.json'), '{}');
    expect(loadInstallIdentity(dir).legacyBefore).toBeNull();
  });

  it('claims containers made before it for a data folder in use before this process (an upgrade)', () => {
    const secrets = path.join(dir, 'secrets.json');
    fs.writeFileSync(secrets, '{}');
    const hourAgo = new Date(Date.now() - 3600_000);
    fs.utimesSync(secrets, hourAgo, hourAgo);
    const before = Date.now();
    const { legacyBefore } = loadInstallIdentity(dir);
    expect(legacyBefore!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(loadInstallIdentity(dir).legacyBefore).toEqual(legacyBefore);
  });

  it('refuses a damaged file instead of making a new identity', () => {
    fs.writeFileSync(path.join(dir, 'install-id'), '{"id":"nope"}');
    expect(() => loadInstallIdentity(dir)).toThrow(/no valid install id/);
  });
});

describe('ownerOf', () => {
  const id = 'a'.repeat(32);
  const cutoff = new Date('2026-01-01T00:00:00Z');
  const earlier = new Date('2025-12-31T00:00:00Z');
  const later = new Date('2026-01-02T00:00:00Z');

  it('tells our containers from other installations by the label', () => {
    expect(ownerOf({ id, legacyBefore: null }, id, later)).toBe('self');
    expect(ownerOf({ id, legacyBefore: cutoff }, 'b'.repeat(32), earlier)).toBe('other');
  });

  it('claims unlabelled containers only when made before an upgrade of this install', () => {
    expect(ownerOf({ id, legacyBefore: cutoff }, undefined, earlier)).toBe('self');
    expect(ownerOf({ id, legacyBefore: cutoff }, undefined, later)).toBe('legacy');
    expect(ownerOf({ id, legacyBefore: null }, undefined, earlier)).toBe('legacy');
    expect(ownerOf({ id, legacyBefore: cutoff }, undefined, null)).toBe('legacy');
  });
});
