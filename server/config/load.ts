import fs from 'node:fs';
import path from 'node:path';
import { z, ZodError } from 'zod';
import { configSchema, type HubConfig } from './schema';

export class ConfigError extends Error {}

/** The environment variables of shared/DESIGN.md, mapped to their keys. */
const ENV_KEYS: Record<string, string> = {
  HUB_PORT: 'port',
  HUB_BIND: 'bind',
  HUB_DATA_DIR: 'data_dir',
  HUB_REALM: 'realm',
  HUB_ADMIN_USER: 'admin_user',
  HUB_PUBLIC_URL: 'public_url',
  HUB_TRUST_PROXY: 'trust_proxy',
  HUB_APPS_DOMAIN: 'apps_domain',
  HUB_METRICS_TOKEN: 'metrics.token',
};

/** The schema of a dotted key without its default/optional wrappers; undefined if unknown. */
function schemaAt(dotted: string): z.ZodTypeAny | undefined {
  let node: z.ZodTypeAny | undefined = configSchema;
  for (const part of dotted.split('.')) {
    node = node && unwrap(node);
    node =
      node instanceof z.ZodObject ? (node.shape as Record<string, z.ZodTypeAny>)[part] : undefined;
  }
  return node && unwrap(node);
}

function unwrap(t: z.ZodTypeAny): z.ZodTypeAny {
  for (;;) {
    if (t instanceof z.ZodDefault) t = t.removeDefault();
    else if (t instanceof z.ZodOptional || t instanceof z.ZodNullable) t = t.unwrap();
    else if (t instanceof z.ZodEffects) t = t.innerType();
    else return t;
  }
}

/**
 * Env values arrive as strings and are typed by the schema, not by their look (shared/DESIGN.md):
 * `HUB_REALM=2024` stays the string "2024". Numbers and booleans are parsed, lists and objects
 * are JSON. A value that does not parse is passed on as text, so validation names the key.
 */
function parseEnvValue(varName: string, key: string, raw: string): unknown {
  const type = schemaAt(key);
  if (type instanceof z.ZodNumber) {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
  }
  if (type instanceof z.ZodBoolean) return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (type instanceof z.ZodArray || type instanceof z.ZodObject || type instanceof z.ZodRecord) {
    try {
      return JSON.parse(raw);
    } catch {
      const example = type instanceof z.ZodArray ? `'["first", "second"]'` : `'{"key": "value"}'`;
      throw new ConfigError(
        `invalid configuration:\n  ${key} (${varName}): write it as JSON, e.g. ${varName}=${example}`,
      );
    }
  }
  return raw;
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) {
    if (typeof node[p] !== 'object' || node[p] === null) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

/**
 * defaults ← file ← env. Besides the named variables, `HUB_<SECTION>__<KEY>` sets a nested key
 * (HUB_SPAWNER__HTTP_TIMEOUT_SECONDS=120). Secrets (the admin password) are read by the caller
 * from the environment and never live in the config object.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): HubConfig {
  const explicit = env.HUB_CONFIG;
  const file = explicit ?? path.join(cwd, 'config', 'hub.json');
  let raw: Record<string, unknown> = {};
  if (fs.existsSync(file)) {
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
    }
    delete raw.$comment;
  } else if (explicit) {
    throw new ConfigError(`HUB_CONFIG points to ${file}, which does not exist`);
  }
  // Which variable set which key, so a bad value is reported under the name the operator used.
  const fromEnv = new Map<string, string>();
  const set = (name: string, key: string, value: string) => {
    setPath(raw, key, parseEnvValue(name, key, value));
    fromEnv.set(key, name);
  };
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const v = env[name];
    if (v !== undefined && v !== '') set(name, key, v);
  }
  for (const [name, v] of Object.entries(env)) {
    if (v !== undefined && /^HUB_[A-Z0-9_]+__[A-Z0-9_]+$/.test(name))
      set(name, name.slice(4).toLowerCase().split('__').join('.'), v);
  }
  try {
    return configSchema.parse(raw);
  } catch (err) {
    if (err instanceof ZodError) {
      const lines = err.issues.map((i) => {
        const key = i.path.join('.') || '(root)';
        const envName = fromEnv.get(key) ?? fromEnv.get(i.path.slice(0, -1).join('.'));
        return `  ${key}${envName ? ` (${envName})` : ''}: ${i.message}`;
      });
      throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
    }
    throw err;
  }
}
