import { BadRequest } from '../errors';
import { clip } from '../log';

/**
 * Configurables are the few settings a user may choose when starting an app. They exist only
 * because the image declares the env variables behind them (shared/DESIGN.md, Labels), and they
 * are sent as `{"configurables": {"resolution": "1280x800", "startupdata": "/home/u/a.txt"}}`,
 * or nested the way SimPhoNy-Remote's clients send them, each value in an object keyed by the
 * configurable's own name: `{"resolution": {"resolution": "1280x800"}}`.
 * The JSON shapes below are what GET /api/v1/applications shows the frontend.
 */

/** Screen size for VNC apps: X11_WIDTH + X11_HEIGHT (and X11_DEPTH when declared). */
export interface ResolutionConfigurable {
  name: 'resolution';
  description: string;
  /** The env variables this configurable sets. */
  env: string[];
  /** Sizes offered as a list; "fit to window" is the frontend's choice of a concrete size. */
  presets: string[];
  default: string;
  min_width: number;
  max_width: number;
  min_height: number;
  max_height: number;
  /** Colour depths accepted as the third `WxHxD` part; empty when X11_DEPTH is not declared. */
  depths: number[];
}

/** A file the app opens at start: STARTUPDATA, an absolute path inside the container. */
export interface StartupDataConfigurable {
  name: 'startupdata';
  description: string;
  env: string[];
  max_length: number;
}

export type Configurable = ResolutionConfigurable | StartupDataConfigurable;

export const RESOLUTION_PRESETS = ['1024x768', '1280x800', '1280x1024', '1600x900', '1920x1080'];
export const RESOLUTION_BOUNDS = {
  min_width: 320,
  max_width: 7680,
  min_height: 240,
  max_height: 4320,
};
export const X11_DEPTHS = [16, 24, 32];
const DEFAULT_DEPTH = 24;
export const STARTUPDATA_MAX_LENGTH = 1024;

/**
 * Derives the configurables from the declared env names. Returns them and the warnings an admin
 * should see (half a resolution declared is a packaging mistake worth pointing out).
 */
export function configurablesFor(env: readonly string[]): {
  configurables: Configurable[];
  warnings: string[];
} {
  const has = new Set(env);
  const configurables: Configurable[] = [];
  const warnings: string[] = [];
  if (has.has('X11_WIDTH') && has.has('X11_HEIGHT')) {
    const depth = has.has('X11_DEPTH');
    configurables.push({
      name: 'resolution',
      description: 'Screen size of the remote desktop, as WIDTHxHEIGHT in pixels.',
      env: depth ? ['X11_WIDTH', 'X11_HEIGHT', 'X11_DEPTH'] : ['X11_WIDTH', 'X11_HEIGHT'],
      presets: [...RESOLUTION_PRESETS],
      default: RESOLUTION_PRESETS[0],
      ...RESOLUTION_BOUNDS,
      depths: depth ? [...X11_DEPTHS] : [],
    });
  } else if (has.has('X11_WIDTH') || has.has('X11_HEIGHT') || has.has('X11_DEPTH')) {
    warnings.push(
      'env.x11-width and env.x11-height must both be declared for a resolution setting; ' +
        'no resolution is offered',
    );
  }
  if (has.has('STARTUPDATA')) {
    configurables.push({
      name: 'startupdata',
      description: 'Absolute path of a file the application opens when it starts.',
      env: ['STARTUPDATA'],
      max_length: STARTUPDATA_MAX_LENGTH,
    });
  }
  return { configurables, warnings };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * SimPhoNy-Remote wraps each value in an object keyed by the configurable's name
 * (`{"startupdata": {"startupdata": "/a.txt"}}`); that wrapper is taken off here, once, so both
 * spellings are judged by the same rules.
 */
function unwrapSimphony(name: Configurable['name'], value: unknown): unknown {
  if (isPlainObject(value) && Object.hasOwn(value, name)) {
    const extra = Object.keys(value).filter((k) => k !== name);
    if (extra.length) {
      throw new BadRequest(
        `configurable "${name}": send {"${name}": VALUE} alone, without ` +
          extra.map((k) => `"${clip(k, 40)}"`).join(', '),
      );
    }
    return value[name];
  }
  return value;
}

const RESOLUTION_KEYS = new Set(['width', 'height', 'depth']);

function resolutionEnv(c: ResolutionConfigurable, value: unknown): Record<string, string> {
  let width: unknown, height: unknown, depth: unknown;
  if (typeof value === 'string') {
    const m = /^(\d{1,5})x(\d{1,5})(?:x(\d{1,2}))?$/.exec(value.trim());
    if (!m) {
      throw new BadRequest(
        `configurable "resolution": "${clip(value, 40)}" is not a size; send WIDTHxHEIGHT ` +
          `such as ${c.default}${c.depths.length ? ' (or WIDTHxHEIGHTxDEPTH)' : ''}`,
      );
    }
    [width, height, depth] = [
      Number(m[1]),
      Number(m[2]),
      m[3] === undefined ? undefined : Number(m[3]),
    ];
  } else if (isPlainObject(value)) {
    const unknown = Object.keys(value).filter((k) => !RESOLUTION_KEYS.has(k));
    if (unknown.length) {
      throw new BadRequest(
        `configurable "resolution": unknown field "${clip(unknown[0], 40)}"; send ` +
          `"${c.default}", {"width": W, "height": H} or {"resolution": "${c.default}"}`,
      );
    }
    ({ width, height, depth } = value);
  } else {
    throw new BadRequest(
      `configurable "resolution" must be a string like "${c.default}", {width, height} ` +
        `or {"resolution": "${c.default}"}`,
    );
  }
  const inRange = (n: unknown, lo: number, hi: number) =>
    typeof n === 'number' && Number.isInteger(n) && n >= lo && n <= hi;
  if (!inRange(width, c.min_width, c.max_width) || !inRange(height, c.min_height, c.max_height)) {
    throw new BadRequest(
      `configurable "resolution": width must be ${c.min_width}..${c.max_width} and height ` +
        `${c.min_height}..${c.max_height} pixels`,
    );
  }
  const env: Record<string, string> = { X11_WIDTH: String(width), X11_HEIGHT: String(height) };
  if (c.depths.length) {
    const d = depth ?? DEFAULT_DEPTH;
    if (typeof d !== 'number' || !c.depths.includes(d)) {
      throw new BadRequest(
        `configurable "resolution": depth must be one of ${c.depths.join(', ')}`,
      );
    }
    env.X11_DEPTH = String(d);
  } else if (depth !== undefined) {
    throw new BadRequest(
      'configurable "resolution": this application does not take a colour depth; send WIDTHxHEIGHT',
    );
  }
  return env;
}

function startupDataEnv(c: StartupDataConfigurable, value: unknown): Record<string, string> {
  if (typeof value !== 'string') {
    throw new BadRequest('configurable "startupdata" must be a string: an absolute file path');
  }
  if (value.length === 0 || value.length > c.max_length) {
    throw new BadRequest(`configurable "startupdata" must be 1..${c.max_length} characters long`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new BadRequest('configurable "startupdata" must not contain control characters');
  }
  if (!value.startsWith('/')) {
    throw new BadRequest(
      `configurable "startupdata": "${clip(value, 40)}" is not an absolute path (start it with /)`,
    );
  }
  if (value.split('/').includes('..')) {
    throw new BadRequest('configurable "startupdata" must not contain ".." path segments');
  }
  return { STARTUPDATA: value };
}

/**
 * Checks what a user asked for against what the image offers and returns the env variables to
 * set. Absent or null input means "none"; a configurable given as null is skipped. Throws
 * BadRequest naming the configurable on anything else. Whether the user's policy allows startup
 * data is the spawner's check, not this one: this only judges the values.
 */
export function validateConfigurables(
  parsed: { configurables: readonly Configurable[] },
  input: unknown,
): Record<string, string> {
  if (input === undefined || input === null) return {};
  if (!isPlainObject(input)) {
    throw new BadRequest('configurables must be an object such as {"resolution": "1280x800"}');
  }
  const offered = new Map(parsed.configurables.map((c) => [c.name, c] as const));
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) {
    const c = offered.get(name as Configurable['name']);
    if (!c) {
      const names = [...offered.keys()];
      throw new BadRequest(
        `unknown configurable "${clip(name, 40)}": this application accepts ` +
          (names.length ? names.join(', ') : 'none'),
      );
    }
    const given = unwrapSimphony(c.name, value);
    if (given === null || given === undefined) continue;
    Object.assign(
      env,
      c.name === 'resolution' ? resolutionEnv(c, given) : startupDataEnv(c, given),
    );
  }
  return env;
}
