import fs from 'node:fs';
import path from 'node:path';
import { ZodError } from 'zod';
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
  HUB_METRICS_TOKEN: 'metrics.token',
};

/** Env values arrive as strings: numbers and booleans are parsed, the rest kept as text. */
function parseEnvValue(raw: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (raw.startsWith('[')) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
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
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(raw, key, parseEnvValue(v));
  }
  for (const [name, v] of Object.entries(env)) {
    const m = /^HUB_([A-Z]+)__([A-Z0-9_]+)$/.exec(name);
    if (m && v !== undefined)
      setPath(raw, `${m[1].toLowerCase()}.${m[2].toLowerCase()}`, parseEnvValue(v));
  }
  try {
    return configSchema.parse(raw);
  } catch (err) {
    if (err instanceof ZodError) {
      const lines = err.issues.map((i) => {
        const key = i.path.join('.') || '(root)';
        const envName = Object.entries(ENV_KEYS).find(([, k]) => k === key)?.[0];
        return `  ${key}${envName ? ` (${envName})` : ''}: ${i.message}`;
      });
      throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
    }
    throw err;
  }
}
