import path from 'node:path';
import type { DataSource } from 'typeorm';
import { type AuditEvent, createAudit } from './audit';
import type { Authenticators } from './auth/authenticator';
import { buildAuthenticators } from './auth/authenticators';
import { createIdentify, type Identify } from './auth/identify';
import { LoginLimiter } from './auth/login-limiter';
import { SessionStore } from './auth/sessions';
import { TokenStore } from './auth/tokens';
import { UserService } from './auth/users';
import { loadConfig } from './config/load';
import type { HubConfig } from './config/schema';
import { openDatabase } from './db/data-source';
import { createDockerClient, type HubDocker } from './docker/client';
import { type CoreHooks, createHooks } from './hooks';
import { logger, type Logger } from './log';
import { createMetrics, type HubMetrics } from './metrics';
import { loadSecrets } from './secrets';

/**
 * The hub's state without anything running: config, database (migrated), secrets and the
 * account services. The server (server/compose.ts) builds its parts on it and the CLI uses it
 * alone, so both enforce the same rules and leave the same audit trail.
 */
export interface Core {
  config: HubConfig;
  db: DataSource;
  /** The one Docker client (server/docker/client.ts), with the one deadline. */
  docker: HubDocker;
  registry: HubMetrics['registry'];
  metrics: HubMetrics;
  log: Logger;
  keys: string[];
  users: UserService;
  /** The ways to sign in that auth.* turns on (server/auth/authenticators.ts). */
  authenticators: Authenticators;
  sessions: SessionStore;
  tokens: TokenStore;
  limiter: LoginLimiter;
  identify: Identify;
  audit(e: AuditEvent): Promise<void>;
  /** Subscribers to account and grant changes; empty in the CLI, where nothing runs. */
  hooks: CoreHooks;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Where the configuration comes from: `env` (default process.env), code overrides, `cwd`. */
export interface CoreOptions {
  env?: NodeJS.ProcessEnv;
  overrides?: DeepPartial<HubConfig>;
  cwd?: string;
}

function merge<T>(base: T, over: DeepPartial<T> | undefined): T {
  if (!over) return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object'
        ? merge(b, v as never)
        : v;
  }
  return out as T;
}

/** Opens the core; `hooks` are the lists the composition root fills once its parts exist. */
export async function openCore(
  opts: CoreOptions = {},
  hooks: CoreHooks = createHooks(),
): Promise<Core> {
  const env = opts.env ?? process.env;
  const config = merge(loadConfig(env, opts.cwd), opts.overrides);
  config.data_dir = path.resolve(opts.cwd ?? process.cwd(), config.data_dir);
  const db = await openDatabase(config.data_dir);
  const secrets = loadSecrets(config.data_dir);
  const metrics = createMetrics();
  const sessions = new SessionStore(db, config.session_max_age_hours * 3600_000);
  const tokens = new TokenStore(db);
  const users = new UserService(db);
  return {
    config,
    db,
    docker: createDockerClient(
      config.docker.socket,
      config.spawner.docker_timeout_seconds * 1000,
      env,
    ),
    registry: metrics.registry,
    metrics,
    log: logger('hub'),
    keys: secrets.cookieKeys,
    users,
    authenticators: buildAuthenticators(config, env, users),
    sessions,
    tokens,
    limiter: new LoginLimiter({
      maxFailuresPerUser: config.login.max_failures_per_user,
      maxFailuresPerAddress: config.login.max_failures_per_address,
      maxFailuresPerUserTotal: config.login.max_failures_per_user_total,
      windowSeconds: config.login.window_seconds,
      lockoutSeconds: config.login.lockout_seconds,
      maxLockoutSeconds: config.login.max_lockout_seconds,
      knownAddressSeconds: config.login.known_device_days * 24 * 3600,
    }),
    identify: createIdentify({
      sessions,
      tokens,
      keys: secrets.cookieKeys,
      cookies: { cookieSecure: config.cookie_secure, trustProxy: config.trust_proxy },
    }),
    audit: createAudit(db),
    hooks,
  };
}
