import { escapeDnValue, escapeFilterValue } from '../../../server/auth/ldap-escape';
import { hubNameFor, isValidUsername } from '../../../server/auth/usernames';
import { containerEnv } from '../../../server/spawner/container-env';

describe('LDAP escaping', () => {
  it('makes filter metacharacters plain values (RFC 4515)', () => {
    expect(escapeFilterValue('*)(uid=*')).toBe('\\2a\\29\\28uid\\3d\\2a');
    expect(escapeFilterValue('a\\b\0')).toBe('a\\5cb\\00');
    expect(escapeFilterValue('jane.doe@example.org')).toBe('jane.doe@example.org');
    expect(escapeFilterValue('é')).toBe('\\c3\\a9');
  });

  it('makes DN separators plain values (RFC 4514)', () => {
    expect(escapeDnValue('bob,ou=admins')).toBe('bob\\,ou\\=admins');
    expect(escapeDnValue('a+b"c<d>e;f\\g')).toBe('a\\+b\\"c\\<d\\>e\\;f\\\\g');
    expect(escapeDnValue(' #lead')).toBe('\\ #lead');
    expect(escapeDnValue('#x')).toBe('\\#x');
    expect(escapeDnValue('trail ')).toBe('trail\\ ');
    expect(escapeDnValue('nul\0')).toBe('nul\\00');
  });
});

describe('hub names for provider names', () => {
  it('keeps a valid hub name as it is', () => {
    expect(hubNameFor('alice')).toBe('alice');
  });

  it('escapes e-mail addresses and upper case into valid names with a hash', () => {
    for (const n of ['Jane.Doe@example.org', 'a+b@x.org', '@@@', 'X'.repeat(300), 'ünï']) {
      const h = hubNameFor(n);
      expect(isValidUsername(h)).toBe(true);
    }
    expect(hubNameFor('jane@example.org')).toMatch(/^jane-example.org-[0-9a-f]{9}$/);
  });

  it('keeps names apart that escape to the same prefix', () => {
    const names = ['a@b.org', 'a+b.org', 'a b.org', 'A@b.org', 'a-b.org-x'];
    const hub = names.map(hubNameFor);
    expect(new Set(hub).size).toBe(names.length);
  });
});

describe('container environment of a provider user', () => {
  it('carries the full name in JPY_USER and the safe hub name in URLs and USER', () => {
    const name = hubNameFor('Jane.Doe+lab@example.org');
    const policy = {
      allow_home: false,
      allow_startup_data: false,
      volume_source: null,
      volume_target: null,
      volume_mode: null,
      app_license: null,
      allow_view: false,
      allow_common: false,
      label: null,
      memory_limit: null,
      cpu_limit: null,
      pids_limit: null,
    };
    const env = containerEnv(
      { user: name, fullName: 'Jane.Doe+lab@example.org', policy },
      'a'.repeat(32),
      { configurables: [] },
      undefined,
    );
    expect(env.JPY_USER).toBe('Jane.Doe+lab@example.org');
    expect(env.JPY_BASE_USER_URL).toBe(`/user/${name}`);
    expect(env.USER).toMatch(/^[a-z_][a-z0-9_-]{0,31}$/);
  });
});
