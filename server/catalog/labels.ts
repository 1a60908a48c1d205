import { clip } from '../log';
import { configurablesFor, type Configurable } from './configurables';
import { repositoryOf } from './image-ref';
import { pngSize } from './png';

export { validateConfigurables } from './configurables';
export type { Configurable } from './configurables';

/** Every label the hub reads or writes lives under this prefix (shared/DESIGN.md, Labels). */
export const LABEL_NAMESPACE = 'eu.simphony-project.docker.';

/** The full label key for a namespace-relative name: `label('ui_name')`. */
export function label(name: string): string {
  return LABEL_NAMESPACE + name;
}

/** Keys the hub puts on the containers it starts; an image committed from one may carry them. */
const CONTAINER_KEYS = new Set(['user', 'mapping_id', 'url_id', 'realm']);
const APP_KEYS = new Set(['ui_name', 'icon_128', 'description', 'type']);

export type AppType = 'vncapp' | 'webapp';

/**
 * What an image declares about itself. Parsing never fails: each bad label gets a defined
 * fallback and a sentence in `warnings` that the admin sees on that image.
 *
 * Legacy images (no `type` label, as older SimPhoNy-Remote images are) have `type: null`. They
 * are listed and can be registered like any other; the proxy and spawner treat them as web apps
 * (an HTTP server on the container port under the full path prefix), which is what every
 * SimPhoNy-Remote image serves, VNC ones included through their noVNC page.
 */
export interface ParsedApp {
  ui_name: string;
  description: string;
  type: AppType | null;
  /** The decoded PNG of `icon_128`, or null when absent or unusable. */
  icon: Buffer | null;
  /** Declared env variable names, MACRO_CASE, sorted. */
  env: string[];
  configurables: Configurable[];
  warnings: string[];
}

export interface ParseOptions {
  /** Largest decoded icon accepted (config `catalog.icon_max_bytes`). */
  iconMaxBytes: number;
}

export const UI_NAME_MAX_LENGTH = 128;
export const DESCRIPTION_MAX_LENGTH = 4096;
const ENV_NAME = /^[a-z][a-z0-9-]{0,127}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATA_URI_PREFIX = 'data:image/png;base64,';

/** `x11-width` → `X11_WIDTH`. The caller has checked the name against [a-z0-9-]. */
export function toMacroCase(kebab: string): string {
  return kebab.toUpperCase().replace(/-/g, '_');
}

function parseIcon(raw: string | undefined, maxBytes: number, warnings: string[]): Buffer | null {
  if (raw === undefined) return null;
  let text = raw.replace(/\s+/g, '');
  if (text.startsWith(DATA_URI_PREFIX)) text = text.slice(DATA_URI_PREFIX.length);
  if (text === '') {
    warnings.push('icon_128 is empty; the default icon is shown');
    return null;
  }
  // Judge the size from the text length before decoding, so a huge label costs nothing.
  const decodedLength = Math.floor((text.length * 3) / 4);
  if (decodedLength - 2 > maxBytes) {
    warnings.push(
      `icon_128 is larger than ${maxBytes} bytes (catalog.icon_max_bytes); the default icon is shown`,
    );
    return null;
  }
  if (!BASE64.test(text)) {
    warnings.push('icon_128 is not valid base64; the default icon is shown');
    return null;
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length > maxBytes) {
    warnings.push(
      `icon_128 is larger than ${maxBytes} bytes (catalog.icon_max_bytes); the default icon is shown`,
    );
    return null;
  }
  if (!pngSize(bytes)) {
    warnings.push('icon_128 is not a complete PNG image; the default icon is shown');
    return null;
  }
  return bytes;
}

function parseType(raw: string | undefined, warnings: string[]): AppType | null {
  if (raw === undefined) {
    warnings.push('no type label: a legacy image, served as a web app');
    return null;
  }
  const value = raw.trim();
  if (value === 'vncapp' || value === 'webapp') return value;
  warnings.push(`type "${clip(value, 40)}" is neither vncapp nor webapp; served as a web app`);
  return null;
}

function parseUiName(raw: string | undefined, imageRef: string, warnings: string[]): string {
  const value = (raw ?? '').trim();
  if (value === '') {
    const fallback = repositoryOf(imageRef);
    warnings.push(
      raw === undefined
        ? `no ui_name label; shown as "${fallback}"`
        : `ui_name is empty; shown as "${fallback}"`,
    );
    return fallback;
  }
  if (value.length > UI_NAME_MAX_LENGTH) {
    warnings.push(`ui_name is longer than ${UI_NAME_MAX_LENGTH} characters; it is cut`);
    return value.slice(0, UI_NAME_MAX_LENGTH);
  }
  return value;
}

function parseDescription(raw: string | undefined, warnings: string[]): string {
  const value = (raw ?? '').trim();
  if (value.length > DESCRIPTION_MAX_LENGTH) {
    warnings.push(`description is longer than ${DESCRIPTION_MAX_LENGTH} characters; it is cut`);
    return value.slice(0, DESCRIPTION_MAX_LENGTH);
  }
  return value;
}

/** True when the image carries at least one label of the namespace. */
export function hasAppLabels(labels: Record<string, string> | null | undefined): boolean {
  return Object.keys(labels ?? {}).some((k) => k.startsWith(LABEL_NAMESPACE));
}

/**
 * Reads an image's labels into a ParsedApp. Pure: no Docker, no clock. `imageRef` names the
 * image for the ui_name fallback. Labels outside the namespace are ignored.
 */
export function parseLabels(
  labels: Record<string, string> | null | undefined,
  imageRef: string,
  options: ParseOptions,
): ParsedApp {
  const warnings: string[] = [];
  const own = new Map<string, string>();
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (key.startsWith(LABEL_NAMESPACE)) own.set(key.slice(LABEL_NAMESPACE.length), String(value));
  }
  const env = new Set<string>();
  for (const key of [...own.keys()].sort()) {
    if (key.startsWith('env.')) {
      const name = key.slice('env.'.length);
      if (ENV_NAME.test(name)) env.add(toMacroCase(name));
      else {
        warnings.push(
          `label env.${clip(name, 40)} is ignored: env names are a lower-case letter followed by ` +
            'lower-case letters, digits and "-" (at most 128)',
        );
      }
    } else if (!APP_KEYS.has(key) && !CONTAINER_KEYS.has(key)) {
      warnings.push(`unknown label ${clip(key, 60)} is ignored`);
    }
  }
  const envNames = [...env].sort();
  const derived = configurablesFor(envNames);
  const app: ParsedApp = {
    ui_name: parseUiName(own.get('ui_name'), imageRef, warnings),
    description: parseDescription(own.get('description'), warnings),
    type: parseType(own.get('type'), warnings),
    icon: parseIcon(own.get('icon_128'), options.iconMaxBytes, warnings),
    env: envNames,
    configurables: derived.configurables,
    warnings,
  };
  warnings.push(...derived.warnings);
  return app;
}
