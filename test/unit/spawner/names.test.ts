import {
  containerName,
  escapeName,
  isUrlId,
  newUrlId,
  unixUserName,
  workspaceFolderName,
} from '../../../server/spawner/names';

describe('escapeName', () => {
  it('keeps lower-case letters and digits and escapes everything else', () => {
    expect(escapeName('alice42')).toBe('alice42');
    expect(escapeName('a-b')).toBe('a-2db');
    expect(escapeName('A')).toBe('-41');
    expect(escapeName('é')).toBe('-c3-a9');
    expect(escapeName('../x')).toBe('-2e-2e-2fx');
  });

  it('is injective on names that look alike', () => {
    const names = ['a-b', 'a', 'b', 'ab', 'a_b', 'a.b', 'A-b', 'a-2db', 'a--b', 'a b', 'a/b'];
    const escaped = names.map(escapeName);
    expect(new Set(escaped).size).toBe(names.length);
  });
});

describe('containerName', () => {
  const I1 = 'a'.repeat(32);
  const I2 = 'b'.repeat(32);

  it('is deterministic per user and grant and valid for Docker', () => {
    const n = containerName('hub', 'Alice Smith', 'm1', I1);
    expect(n).toBe(containerName('hub', 'Alice Smith', 'm1', I1));
    expect(n).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
    expect(n.startsWith('hub-hub-')).toBe(true);
  });

  it('never collides between users whose names differ only in separators', () => {
    const pairs: Array<[string, string]> = [
      ['a-b', 'm'],
      ['a', 'b-m'],
      ['a-2db', 'm'],
      ['a', 'm'],
      ['b', 'm'],
      ['ab', 'm'],
    ];
    const names = pairs.map(([u, m]) => containerName('hub', u, m, I1));
    expect(new Set(names).size).toBe(pairs.length);
  });

  it('differs between grants of one user and between realms', () => {
    expect(containerName('hub', 'a', 'm1', I1)).not.toBe(containerName('hub', 'a', 'm2', I1));
    expect(containerName('hub', 'a', 'm1', I1)).not.toBe(containerName('hub2', 'a', 'm1', I1));
  });

  it('differs between installations sharing a realm', () => {
    expect(containerName('hub', 'admin', '1', I1)).not.toBe(containerName('hub', 'admin', '1', I2));
  });

  it('stays short for very long names and still tells them apart', () => {
    const long = 'x'.repeat(500);
    const n1 = containerName('hub', long, 'm', I1);
    const n2 = containerName('hub', `${long}y`, 'm', I1);
    expect(n1.length).toBeLessThan(80);
    expect(n1).not.toBe(n2);
  });
});

describe('unixUserName', () => {
  it('derives a name unix tools accept', () => {
    expect(unixUserName('alice')).toBe('alice');
    expect(unixUserName('Alice.Smith@example.org')).toBe('alice_smith_example_org');
    expect(unixUserName('42bob')).toBe('bob');
    expect(unixUserName('日本')).toMatch(/^u[0-9a-f]{8}$/);
    expect(unixUserName('x'.repeat(100))).toHaveLength(32);
    for (const n of ['alice', '-x', '__', '1', 'É'])
      expect(unixUserName(n)).toMatch(/^[a-z][a-z0-9_-]{0,31}$/);
  });
});

describe('url ids and workspace folders', () => {
  it('makes 128-bit lower-case hex url_ids', () => {
    const ids = new Set(Array.from({ length: 100 }, newUrlId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(isUrlId(id)).toBe(true);
    expect(isUrlId('../etc')).toBe(false);
  });

  it('never yields a path from a user name', () => {
    for (const n of ['..', '.', 'a/b', '']) {
      const f = workspaceFolderName(n);
      expect(f).not.toMatch(/[/.]/);
      expect(f.length).toBeGreaterThan(0);
    }
  });
});
