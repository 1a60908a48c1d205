import { BadRequest } from '../../../server/errors';
import { configurablesFor, validateConfigurables } from '../../../server/catalog/configurables';

const both = configurablesFor(['STARTUPDATA', 'X11_HEIGHT', 'X11_WIDTH']);
const withDepth = configurablesFor(['X11_DEPTH', 'X11_HEIGHT', 'X11_WIDTH']);
const none = configurablesFor(['FOO']);

function rejects(parsed: typeof both, input: unknown): string {
  try {
    validateConfigurables(parsed, input);
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequest);
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('validateConfigurables: no input', () => {
  it.each([undefined, null, {}])('returns no env for %j', (input) => {
    expect(validateConfigurables(both, input)).toEqual({});
  });

  it('skips a configurable given as null', () => {
    expect(validateConfigurables(both, { resolution: null, startupdata: null })).toEqual({});
  });

  it.each([[[]], ['1280x800'], [42], [true]])('rejects a non-object %j', (input) => {
    expect(rejects(both, input)).toMatch(/^configurables must be an object/);
  });
});

describe('validateConfigurables: unknown names', () => {
  it('names the unknown configurable and lists what the app accepts', () => {
    expect(rejects(both, { colour: 'red' })).toBe(
      'unknown configurable "colour": this application accepts resolution, startupdata',
    );
  });

  it('says "none" when the app has no configurables', () => {
    expect(rejects(none, { resolution: '1024x768' })).toBe(
      'unknown configurable "resolution": this application accepts none',
    );
  });

  it('does not treat prototype keys as configurables', () => {
    const input = JSON.parse('{"__proto__": "x"}');
    expect(rejects(both, input)).toMatch(/^unknown configurable "__proto__"/);
    expect(rejects(both, { constructor: 'x' })).toMatch(/^unknown configurable "constructor"/);
  });
});

describe('validateConfigurables: resolution', () => {
  it.each([
    ['1024x768', { X11_WIDTH: '1024', X11_HEIGHT: '768' }],
    ['1920x1080', { X11_WIDTH: '1920', X11_HEIGHT: '1080' }],
    [' 1280x800 ', { X11_WIDTH: '1280', X11_HEIGHT: '800' }],
    ['320x240', { X11_WIDTH: '320', X11_HEIGHT: '240' }],
    ['7680x4320', { X11_WIDTH: '7680', X11_HEIGHT: '4320' }],
    ['1366x705', { X11_WIDTH: '1366', X11_HEIGHT: '705' }],
  ])('accepts %j', (value, env) => {
    expect(validateConfigurables(both, { resolution: value })).toEqual(env);
  });

  it('accepts {width, height}', () => {
    expect(validateConfigurables(both, { resolution: { width: 800, height: 600 } })).toEqual({
      X11_WIDTH: '800',
      X11_HEIGHT: '600',
    });
  });

  it.each([
    'fit',
    '1024',
    '1024x',
    'x768',
    '1024*768',
    '1024x768x',
    '-1024x768',
    '1e3x768',
    '',
    '1024 x 768',
  ])('rejects the malformed size %j, naming resolution', (value) => {
    expect(rejects(both, { resolution: value })).toMatch(
      /^configurable "resolution": ".*" is not a size/,
    );
  });

  it.each(['319x768', '7681x768', '1024x239', '1024x4321', '0x0', '99999x99999'])(
    'rejects the out-of-bounds size %j',
    (value) => {
      expect(rejects(both, { resolution: value })).toBe(
        'configurable "resolution": width must be 320..7680 and height 240..4320 pixels',
      );
    },
  );

  it.each([
    [{ width: 800.5, height: 600 }],
    [{ width: '800', height: 600 }],
    [{ width: 800 }],
    [{}],
  ])('rejects the object %j', (value) => {
    expect(rejects(both, { resolution: value })).toMatch(
      /^configurable "resolution": width must be/,
    );
  });

  it.each([[42], [true], [['1024x768']]])('rejects the non-size %j', (value) => {
    expect(rejects(both, { resolution: value })).toMatch(
      /^configurable "resolution" must be a string/,
    );
  });

  it('refuses a depth when X11_DEPTH is not declared', () => {
    expect(rejects(both, { resolution: '1024x768x24' })).toMatch(/does not take a colour depth/);
    expect(rejects(both, { resolution: { width: 1024, height: 768, depth: 24 } })).toMatch(
      /does not take a colour depth/,
    );
  });

  it('sets X11_DEPTH (24 by default) when declared', () => {
    expect(validateConfigurables(withDepth, { resolution: '1024x768' })).toEqual({
      X11_WIDTH: '1024',
      X11_HEIGHT: '768',
      X11_DEPTH: '24',
    });
    expect(validateConfigurables(withDepth, { resolution: '1024x768x16' })).toMatchObject({
      X11_DEPTH: '16',
    });
    expect(
      validateConfigurables(withDepth, { resolution: { width: 1024, height: 768, depth: 32 } }),
    ).toMatchObject({
      X11_DEPTH: '32',
    });
  });

  it('rejects an unsupported depth', () => {
    expect(rejects(withDepth, { resolution: '1024x768x8' })).toBe(
      'configurable "resolution": depth must be one of 16, 24, 32',
    );
    expect(rejects(withDepth, { resolution: { width: 1024, height: 768, depth: '24' } })).toMatch(
      /depth must be/,
    );
  });
});

describe('validateConfigurables: startupdata', () => {
  it.each(['/home/user/data.txt', '/a', '/with space/ünïcode.h5', `/${'p'.repeat(1023)}`])(
    'accepts %j',
    (value) => {
      expect(validateConfigurables(both, { startupdata: value })).toEqual({ STARTUPDATA: value });
    },
  );

  it.each([
    ['relative/path', /is not an absolute path/],
    ['~/x', /is not an absolute path/],
    ['', /must be 1\.\.1024 characters long/],
    [`/${'p'.repeat(1024)}`, /must be 1\.\.1024 characters long/],
    ['/a\u0000b', /must not contain control characters/],
    ['/a\nb', /must not contain control characters/],
    ['/a\u007fb', /must not contain control characters/],
    ['/home/../etc/passwd', /must not contain "\.\." path segments/],
    ['/..', /must not contain "\.\." path segments/],
  ])('rejects %j', (value, message) => {
    expect(rejects(both, { startupdata: value })).toMatch(message);
  });

  it.each([[42], [{ path: '/a' }], [['/a']]])('rejects the non-string %j', (value) => {
    expect(rejects(both, { startupdata: value })).toBe(
      'configurable "startupdata" must be a string: an absolute file path',
    );
  });

  it('allows ".." inside a name', () => {
    expect(validateConfigurables(both, { startupdata: '/a..b/c' })).toEqual({
      STARTUPDATA: '/a..b/c',
    });
  });
});

describe('validateConfigurables: together', () => {
  it('merges the env of both', () => {
    expect(validateConfigurables(both, { resolution: '1280x800', startupdata: '/d/x' })).toEqual({
      X11_WIDTH: '1280',
      X11_HEIGHT: '800',
      STARTUPDATA: '/d/x',
    });
  });

  it('fails as a whole when one is bad', () => {
    expect(rejects(both, { resolution: '1280x800', startupdata: 'rel' })).toMatch(/startupdata/);
  });
});

describe("validateConfigurables: SimPhoNy-Remote's nested form", () => {
  it('takes each value wrapped in an object keyed by its name', () => {
    expect(
      validateConfigurables(both, {
        resolution: { resolution: '1024x768' },
        startupdata: { startupdata: '/path/a.txt' },
      }),
    ).toEqual({ X11_WIDTH: '1024', X11_HEIGHT: '768', STARTUPDATA: '/path/a.txt' });
  });

  it('judges the wrapped value by the same rules', () => {
    expect(rejects(both, { resolution: { resolution: '10x10' } })).toMatch(
      /width must be 320\.\.7680/,
    );
    expect(rejects(both, { startupdata: { startupdata: 'relative' } })).toMatch(
      /not an absolute path/,
    );
  });

  it('skips a wrapped null like a plain one', () => {
    expect(validateConfigurables(both, { resolution: { resolution: null } })).toEqual({});
  });

  it('refuses a wrapper with other fields, naming them', () => {
    expect(rejects(both, { resolution: { resolution: '1024x768', width: 3 } })).toBe(
      'configurable "resolution": send {"resolution": VALUE} alone, without "width"',
    );
  });

  it('names an unknown field of a resolution object instead of blaming the width', () => {
    expect(rejects(both, { resolution: { size: '1024x768' } })).toMatch(
      /^configurable "resolution": unknown field "size"; send "1024x768", \{"width": W, "height": H\} or \{"resolution": "1024x768"\}$/,
    );
  });
});
