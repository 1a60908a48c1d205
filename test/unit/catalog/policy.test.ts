import { parsePolicy } from '../../../server/catalog/grants';
import { policyFromRow, samePolicy } from '../../../server/catalog/policy';
import { BadRequest } from '../../../server/errors';

function rejects(input: unknown): string {
  try {
    parsePolicy(input);
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequest);
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

const EMPTY = {
  allow_home: false,
  allow_startup_data: false,
  allow_view: false,
  allow_common: false,
  volume_source: null,
  volume_target: null,
  volume_mode: null,
  app_license: null,
  memory_limit: null,
  cpu_limit: null,
  pids_limit: null,
  label: null,
};

describe('parsePolicy', () => {
  it.each([undefined, null, {}])('gives the all-defaults policy for %j', (input) => {
    expect(parsePolicy(input)).toEqual(EMPTY);
  });

  it('keeps every field given', () => {
    const full = {
      allow_home: true,
      allow_startup_data: true,
      allow_view: true,
      allow_common: true,
      volume_source: '/srv/data',
      volume_target: '/data',
      volume_mode: 'rw',
      app_license: 'KEY-123',
      memory_limit: '2g',
      cpu_limit: 1.5,
      pids_limit: 256,
      label: 'Project X data',
    };
    expect(parsePolicy(full)).toEqual(full);
  });

  it('trims a label and reads a blank one as none', () => {
    expect(parsePolicy({ label: '  Teaching  ' }).label).toBe('Teaching');
    expect(parsePolicy({ label: '   ' }).label).toBeNull();
    expect(() => parsePolicy({ label: 'x'.repeat(81) })).toThrow(/label: at most 80 characters/);
  });

  it('makes a volume without a mode read-only', () => {
    expect(parsePolicy({ volume_source: '/srv/a', volume_target: '/a' }).volume_mode).toBe('ro');
  });

  it.each([
    [
      { volume_source: '/srv/a' },
      'policy: volume_target: give volume_source and volume_target together, or neither',
    ],
    [
      { volume_target: '/a' },
      'policy: volume_source: give volume_source and volume_target together, or neither',
    ],
    [{ volume_mode: 'ro' }, 'policy: volume_mode: needs volume_source and volume_target'],
    [
      { volume_source: 'srv', volume_target: '/a' },
      'policy: volume_source: must be an absolute path (start it with /)',
    ],
    [
      { volume_source: '/srv', volume_target: 'a' },
      'policy: volume_target: must be an absolute path (start it with /)',
    ],
    [{ volume_source: '/srv', volume_target: '/' }, 'policy: volume_target: must not be /'],
    [
      { volume_source: '/srv/../etc', volume_target: '/a' },
      'policy: volume_source: must not contain ".." segments',
    ],
    [
      { volume_source: '/srv', volume_target: '/a/../b' },
      'policy: volume_target: must not contain ".." segments',
    ],
    [
      { volume_source: '/s\u0000rv', volume_target: '/a' },
      'policy: volume_source: must not contain control characters',
    ],
    [
      // "" is SimPhoNy's "none", so the volume is half given.
      { volume_source: '', volume_target: '/a' },
      'policy: volume_source: give volume_source and volume_target together, or neither',
    ],
    [
      { volume_source: '/srv', volume_target: '/a', volume_mode: 'wr' },
      expect.stringMatching(/^policy: volume_mode: Invalid enum value/),
    ],
    [
      { allow_home: true, volume_source: '/srv', volume_target: '/workspace' },
      expect.stringContaining('/workspace is where allow_home mounts'),
    ],
    [{ allow_home: 'yes' }, 'policy: allow_home: Expected boolean, received string'],
    [
      { memory_limit: 'lots' },
      'policy: memory_limit: use Docker syntax such as 512m or 2g, at least 6m',
    ],
    [
      { memory_limit: '1k' },
      'policy: memory_limit: use Docker syntax such as 512m or 2g, at least 6m',
    ],
    [{ cpu_limit: 0 }, 'policy: cpu_limit: must be above 0'],
    [{ pids_limit: 0 }, 'policy: pids_limit: at least 1'],
    [{ pids_limit: 1.5 }, expect.stringMatching(/^policy: pids_limit: Expected integer/)],
    [{ app_license: 'x'.repeat(4097) }, 'policy: app_license: at most 4096 characters'],
    [
      { colour: 'red' },
      expect.stringMatching(/^policy: Unrecognized key\(s\) in object: 'colour'/),
    ],
    [[], expect.stringMatching(/^policy: Expected object, received array/)],
  ])('rejects %j naming the field', (input, message) => {
    expect(rejects(input)).toEqual(message);
  });

  it('allows /workspace as a volume target when the home is not mounted', () => {
    expect(parsePolicy({ volume_source: '/srv', volume_target: '/workspace' }).volume_target).toBe(
      '/workspace',
    );
  });
});

describe('policyFromRow and samePolicy', () => {
  it('reads SQLite 0/1 booleans and numeric strings', () => {
    const row = {
      ...EMPTY,
      id: 4,
      allow_home: 1,
      allow_startup_data: 0,
      cpu_limit: 2,
      pids_limit: '64',
    };
    expect(policyFromRow(row)).toEqual({
      ...EMPTY,
      allow_home: true,
      cpu_limit: 2,
      pids_limit: 64,
    });
  });

  it('compares every field', () => {
    const a = parsePolicy({ allow_home: true });
    expect(samePolicy(a, parsePolicy({ allow_home: true }))).toBe(true);
    expect(samePolicy(a, parsePolicy({ allow_home: true, app_license: 'x' }))).toBe(false);
    expect(samePolicy(a, parsePolicy({}))).toBe(false);
  });
});

describe("parsePolicy: SimPhoNy-Remote's fields and empty strings", () => {
  it('stores allow_view and allow_common', () => {
    expect(parsePolicy({ allow_view: true, allow_common: true })).toEqual({
      ...EMPTY,
      allow_view: true,
      allow_common: true,
    });
  });

  it('reads every empty text field as none, as SimPhoNy writes it', () => {
    expect(
      parsePolicy({
        volume_source: '',
        volume_target: '',
        volume_mode: '',
        app_license: '',
        memory_limit: '',
      }),
    ).toEqual(EMPTY);
  });

  it('still judges a volume half given with empty strings', () => {
    expect(rejects({ volume_source: '/srv/a', volume_target: '' })).toBe(
      'policy: volume_target: give volume_source and volume_target together, or neither',
    );
    expect(rejects({ volume_source: '', volume_target: '', volume_mode: 'rw' })).toBe(
      'policy: volume_mode: needs volume_source and volume_target',
    );
  });

  it('refuses a non-boolean allow_view, naming it', () => {
    expect(rejects({ allow_view: '1' })).toMatch(/^policy: allow_view: Expected boolean/);
  });

  it('tells grants apart by allow_view', () => {
    expect(samePolicy(parsePolicy({ allow_view: true }), parsePolicy({}))).toBe(false);
  });

  it('reads the new columns of a row', () => {
    expect(policyFromRow({ ...EMPTY, id: 1, allow_view: 1, allow_common: 0 })).toEqual({
      ...EMPTY,
      allow_view: true,
    });
  });
});
