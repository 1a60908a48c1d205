import { DEFAULT_ICON } from '../../../server/catalog/default-icon';
import {
  LABEL_NAMESPACE,
  hasAppLabels,
  label,
  parseLabels,
  toMacroCase,
  type ParsedApp,
} from '../../../server/catalog/labels';
import { encodePng } from '../../../server/catalog/png';

const OPTS = { iconMaxBytes: 64 * 1024 };
const IMAGE = 'registry.example:5000/sim/paraview:5.9';
const PNG = encodePng(16, 16, () => [200, 10, 10, 255]);

function parse(labels: Record<string, string>, image = IMAGE, opts = OPTS): ParsedApp {
  const full: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) full[label(k)] = v;
  return parseLabels(full, image, opts);
}

const complete = {
  ui_name: 'ParaView',
  description: 'Scientific visualisation',
  type: 'vncapp',
  icon_128: PNG.toString('base64'),
};

describe('parseLabels: a complete, well-formed image', () => {
  const app = parse(complete);

  it('reads ui_name, description, type and icon with no warnings', () => {
    expect(app.ui_name).toBe('ParaView');
    expect(app.description).toBe('Scientific visualisation');
    expect(app.type).toBe('vncapp');
    expect(app.icon?.equals(PNG)).toBe(true);
    expect(app.env).toEqual([]);
    expect(app.configurables).toEqual([]);
    expect(app.warnings).toEqual([]);
  });

  it('accepts webapp', () => {
    expect(parse({ ...complete, type: 'webapp' }).type).toBe('webapp');
  });

  it('trims surrounding space in ui_name, description and type', () => {
    const a = parse({ ...complete, ui_name: '  Para  ', description: '\n d \n', type: ' webapp ' });
    expect([a.ui_name, a.description, a.type]).toEqual(['Para', 'd', 'webapp']);
    expect(a.warnings).toEqual([]);
  });

  it('ignores labels outside the namespace, including look-alikes', () => {
    const a = parseLabels(
      {
        [label('ui_name')]: 'X',
        [label('type')]: 'webapp',
        'org.opencontainers.image.title': 'other',
        'eu.simphony-project.dockerx.ui_name': 'no',
        'eu.simphony-project.docker': 'no',
      },
      IMAGE,
      OPTS,
    );
    expect(a.ui_name).toBe('X');
    expect(a.warnings).toEqual([]);
  });

  it('handles null and empty label maps as a legacy image with a fallback name', () => {
    for (const labels of [null, undefined, {}]) {
      const a = parseLabels(labels, IMAGE, OPTS);
      expect(a.ui_name).toBe('registry.example:5000/sim/paraview');
      expect(a.type).toBeNull();
      expect(a.icon).toBeNull();
      expect(a.warnings).toEqual([
        'no ui_name label; shown as "registry.example:5000/sim/paraview"',
        'no type label: a legacy image, served as a web app',
      ]);
    }
  });
});

describe('parseLabels: ui_name', () => {
  it.each([
    ['', 'ui_name is empty'],
    ['   ', 'ui_name is empty'],
  ])('falls back to the repository name when it is %j', (value, warning) => {
    const a = parse({ ...complete, ui_name: value }, 'sim/jupyter:2.0');
    expect(a.ui_name).toBe('sim/jupyter');
    expect(a.warnings).toEqual([`${warning}; shown as "sim/jupyter"`]);
  });

  it('uses the repository of a digest reference', () => {
    const ref = `sim/app@sha256:${'a'.repeat(64)}`;
    expect(parse({ ...complete, ui_name: '' }, ref).ui_name).toBe('sim/app');
  });

  it('cuts a name longer than 128 characters, with a warning', () => {
    const a = parse({ ...complete, ui_name: 'n'.repeat(500) });
    expect(a.ui_name).toHaveLength(128);
    expect(a.warnings).toEqual(['ui_name is longer than 128 characters; it is cut']);
  });
});

describe('parseLabels: description', () => {
  it('is empty and silent when absent', () => {
    const { description, ...rest } = complete;
    void description;
    const a = parse(rest);
    expect(a.description).toBe('');
    expect(a.warnings).toEqual([]);
  });

  it('is cut at 4096 characters with a warning', () => {
    const a = parse({ ...complete, description: 'd'.repeat(5000) });
    expect(a.description).toHaveLength(4096);
    expect(a.warnings).toEqual(['description is longer than 4096 characters; it is cut']);
  });
});

describe('parseLabels: type', () => {
  it('is null with a legacy warning when absent', () => {
    const { type, ...rest } = complete;
    void type;
    const a = parse(rest);
    expect(a.type).toBeNull();
    expect(a.warnings).toEqual(['no type label: a legacy image, served as a web app']);
  });

  it.each(['VNCAPP', 'desktop', '', 'web app'])('is null with a warning for %j', (value) => {
    const a = parse({ ...complete, type: value });
    expect(a.type).toBeNull();
    expect(a.warnings).toEqual([
      `type "${value.trim()}" is neither vncapp nor webapp; served as a web app`,
    ]);
  });
});

describe('parseLabels: icon_128', () => {
  const b64 = PNG.toString('base64');

  it('is null and silent when absent', () => {
    const { icon_128, ...rest } = complete;
    void icon_128;
    const a = parse(rest);
    expect(a.icon).toBeNull();
    expect(a.warnings).toEqual([]);
  });

  it('accepts base64 broken over lines (as Dockerfile LABELs often are)', () => {
    const wrapped = b64.replace(/(.{60})/g, '$1\n ');
    expect(parse({ ...complete, icon_128: wrapped }).icon?.equals(PNG)).toBe(true);
  });

  it('accepts a data: URI', () => {
    const a = parse({ ...complete, icon_128: `data:image/png;base64,${b64}` });
    expect(a.icon?.equals(PNG)).toBe(true);
  });

  it('accepts the default icon (a real 128x128 PNG)', () => {
    const a = parse({ ...complete, icon_128: DEFAULT_ICON.toString('base64') });
    expect(a.icon?.equals(DEFAULT_ICON)).toBe(true);
  });

  const bad: Array<[string, string, string]> = [
    ['empty', '', 'icon_128 is empty; the default icon is shown'],
    [
      'not base64',
      'this is not base64!',
      'icon_128 is not valid base64; the default icon is shown',
    ],
    [
      'base64url',
      b64.replace(/\+/g, '-').replace(/\//g, '_') + '-_',
      'icon_128 is not valid base64; the default icon is shown',
    ],
    [
      'bad padding',
      b64.replace(/=+$/, '') + '=',
      'icon_128 is not valid base64; the default icon is shown',
    ],
    [
      'a JPEG',
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...Array(60).fill(0)]).toString('base64'),
      'icon_128 is not a complete PNG image; the default icon is shown',
    ],
    [
      'a truncated PNG',
      PNG.subarray(0, PNG.length - 5).toString('base64'),
      'icon_128 is not a complete PNG image; the default icon is shown',
    ],
    [
      'only the PNG signature',
      PNG.subarray(0, 8).toString('base64'),
      'icon_128 is not a complete PNG image; the default icon is shown',
    ],
    [
      'plain text',
      Buffer.from('hello world, no image here at all, sorry about that').toString('base64'),
      'icon_128 is not a complete PNG image; the default icon is shown',
    ],
  ];
  it.each(bad)('is null with a warning when %s', (_what, value, warning) => {
    const a = parse({ ...complete, icon_128: value });
    expect(a.icon).toBeNull();
    expect(a.warnings).toEqual([warning]);
    expect(a.ui_name).toBe('ParaView');
  });

  it('is null with a warning when larger than icon_max_bytes, and accepted at the limit', () => {
    const big = encodePng(8, 8, () => [0, 0, 0, 255], 2000);
    const tooSmallLimit = { iconMaxBytes: big.length - 1 };
    const a = parse({ ...complete, icon_128: big.toString('base64') }, IMAGE, tooSmallLimit);
    expect(a.icon).toBeNull();
    expect(a.warnings).toEqual([
      `icon_128 is larger than ${big.length - 1} bytes (catalog.icon_max_bytes); the default icon is shown`,
    ]);
    const b = parse({ ...complete, icon_128: big.toString('base64') }, IMAGE, {
      iconMaxBytes: big.length,
    });
    expect(b.icon?.equals(big)).toBe(true);
  });

  it('rejects a huge label by its length without decoding it', () => {
    const a = parse({ ...complete, icon_128: 'A'.repeat(10_000_000) });
    expect(a.icon).toBeNull();
    expect(a.warnings[0]).toMatch(/larger than 65536 bytes/);
  });
});

describe('parseLabels: env', () => {
  it('turns env.<kebab-name> into sorted MACRO_CASE names; the label value is unused', () => {
    const a = parse({
      ...complete,
      'env.x11-width': '',
      'env.x11-height': 'whatever',
      'env.startupdata': '',
      'env.my-long-name-2': '',
      'env.a': '',
    });
    expect(a.env).toEqual(['A', 'MY_LONG_NAME_2', 'STARTUPDATA', 'X11_HEIGHT', 'X11_WIDTH']);
    expect(a.warnings).toEqual([]);
  });

  it.each([
    ['X11-WIDTH', 'upper case'],
    ['x11_width', 'underscore'],
    ['x11.width', 'dot'],
    ['1abc', 'leading digit'],
    ['-abc', 'leading dash'],
    ['', 'empty'],
    ['a b', 'space'],
    ['ü', 'non-ASCII'],
    ['a'.repeat(129), 'too long'],
  ])('ignores env.%s (%s) with a warning and keeps the rest', (name) => {
    const a = parse({ ...complete, [`env.${name}`]: '', 'env.ok': '' });
    expect(a.env).toEqual(['OK']);
    expect(a.warnings).toHaveLength(1);
    expect(a.warnings[0]).toMatch(/^label env\..* is ignored: env names are/);
  });

  it('accepts a 128-character name', () => {
    expect(parse({ ...complete, [`env.${'a'.repeat(128)}`]: '' }).env).toEqual(['A'.repeat(128)]);
  });

  it('toMacroCase upper-cases and turns - into _', () => {
    expect(toMacroCase('x11-width')).toBe('X11_WIDTH');
    expect(toMacroCase('a-b-c')).toBe('A_B_C');
    expect(toMacroCase('plain')).toBe('PLAIN');
  });
});

describe('parseLabels: other keys', () => {
  it('warns about unknown keys in the namespace', () => {
    const a = parse({ ...complete, 'ui-name': 'typo' });
    expect(a.warnings).toEqual(['unknown label ui-name is ignored']);
  });

  it('is silent about the container labels the hub itself writes', () => {
    const a = parse({ ...complete, user: 'u', mapping_id: 'm', url_id: 'x', realm: 'hub' });
    expect(a.warnings).toEqual([]);
  });
});

describe('parseLabels: configurables', () => {
  it('offers resolution for X11_WIDTH + X11_HEIGHT', () => {
    const a = parse({ ...complete, 'env.x11-width': '', 'env.x11-height': '' });
    expect(a.configurables).toEqual([
      expect.objectContaining({
        name: 'resolution',
        env: ['X11_WIDTH', 'X11_HEIGHT'],
        presets: expect.arrayContaining(['1024x768', '1280x800', '1920x1080']),
        default: '1024x768',
        min_width: 320,
        max_width: 7680,
        min_height: 240,
        max_height: 4320,
        depths: [],
      }),
    ]);
  });

  it('adds the depth when X11_DEPTH is declared too', () => {
    const a = parse({
      'env.x11-width': '',
      'env.x11-height': '',
      'env.x11-depth': '',
      ui_name: 'x',
      type: 'vncapp',
    });
    expect(a.configurables[0]).toMatchObject({
      env: ['X11_WIDTH', 'X11_HEIGHT', 'X11_DEPTH'],
      depths: [16, 24, 32],
    });
  });

  it.each([
    [{ 'env.x11-width': '' }],
    [{ 'env.x11-height': '' }],
    [{ 'env.x11-depth': '' }],
    [{ 'env.x11-width': '', 'env.x11-depth': '' }],
  ])('warns and offers no resolution for half a declaration %j', (env) => {
    const a = parse({ ...complete, ...env });
    expect(a.configurables).toEqual([]);
    expect(a.warnings).toEqual([
      'env.x11-width and env.x11-height must both be declared for a resolution setting; no resolution is offered',
    ]);
  });

  it('offers startupdata for STARTUPDATA', () => {
    const a = parse({ ...complete, 'env.startupdata': '' });
    expect(a.configurables).toEqual([
      expect.objectContaining({ name: 'startupdata', env: ['STARTUPDATA'], max_length: 1024 }),
    ]);
  });

  it('offers both, resolution first', () => {
    const a = parse({
      ...complete,
      'env.startupdata': '',
      'env.x11-width': '',
      'env.x11-height': '',
    });
    expect(a.configurables.map((c) => c.name)).toEqual(['resolution', 'startupdata']);
  });

  it('offers none for other env names', () => {
    expect(parse({ ...complete, 'env.foo': '' }).configurables).toEqual([]);
  });
});

describe('hasAppLabels', () => {
  it('is true with any key of the namespace, false otherwise', () => {
    expect(hasAppLabels({ [`${LABEL_NAMESPACE}env.x`]: '' })).toBe(true);
    expect(hasAppLabels({ 'org.opencontainers.image.title': 'x' })).toBe(false);
    expect(hasAppLabels(null)).toBe(false);
    expect(hasAppLabels(undefined)).toBe(false);
  });
});

describe('several bad labels at once', () => {
  it('each gets its fallback and warning; the good ones are kept', () => {
    const a = parse(
      {
        ui_name: '',
        type: 'nope',
        icon_128: '!!!',
        'env.BAD': '',
        'env.startupdata': '',
        description: 'ok',
      },
      'sim/thing:1',
    );
    expect(a).toMatchObject({
      ui_name: 'sim/thing',
      type: null,
      icon: null,
      description: 'ok',
      env: ['STARTUPDATA'],
    });
    expect(a.configurables.map((c) => c.name)).toEqual(['startupdata']);
    expect(a.warnings).toHaveLength(4);
  });
});
