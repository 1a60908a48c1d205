import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type Dockerode from 'dockerode';
import type { DataSource } from 'typeorm';
import { createApp } from './app';
import { type AuditEvent, createAudit } from './audit';
import { createIdentify, type Identify } from './auth/identify';
import { LoginLimiter } from './auth/login-limiter';
import { SessionStore } from './auth/sessions';
import { TokenStore } from './auth/tokens';
import { UserService } from './auth/users';
import { loadConfig } from './config/load';
import type { HubConfig } from './config/schema';
import { offerExamples } from './catalog/examples';
import { openDatabase } from './db/data-source';
import { createDockerClient } from './docker/client';
import { logger, type Logger } from './log';
import { createMetrics, type HubMetrics } from './metrics';
import { type HubPart, PARTS } from './parts';
import { loadSecrets } from './secrets';

/**
 * What a part that handles raw HTTP before Koa (the user-container proxy) offers the server.
 */
export interface RawHandler {
  handles(req: http.IncomingMessage): boolean;
  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> | void;
  handleUpgrade(
    req: http.IncomingMessage,
    socket: import('node:stream').Duplex,
    head: Buffer,
  ): Promise<void> | void;
}

/**
 * Live services that parts register on the hub for each other, keyed by name. Typed loosely
 * on purpose: each part exports its own accessor that narrows the type.
 */
export type HubServices = Record<string, unknown> & { proxy?: RawHandler };

/** The running hub's shared state; parts and routers receive this. */
export interface Hub {
  config: HubConfig;
  db: DataSource;
  docker: Dockerode;
  registry: HubMetrics['registry'];
  metrics: HubMetrics;
  log: Logger;
  keys: string[];
  users: UserService;
  sessions: SessionStore;
  tokens: TokenStore;
  limiter: LoginLimiter;
  identify: Identify;
  audit(e: AuditEvent): Promise<void>;
  services: HubServices;
}

export interface RunningHub {
  hub: Hub;
  url: string;
  port: number;
  /** Printed once when the first admin was created with a generated password. */
  generatedAdminPassword?: string;
  close(): Promise<void>;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

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

/**
 * Opens the hub's state without serving: config, database (migrated), secrets and the account
 * services. The server and the CLI both stand on this, so they enforce the same rules.
 */
export async function openHub(
  opts: { env?: NodeJS.ProcessEnv; overrides?: DeepPartial<HubConfig>; cwd?: string } = {},
): Promise<Hub> {
  const env = opts.env ?? process.env;
  const config = merge(loadConfig(env, opts.cwd), opts.overrides);
  config.data_dir = path.resolve(opts.cwd ?? process.cwd(), config.data_dir);
  const db = await openDatabase(config.data_dir);
  const secrets = loadSecrets(config.data_dir);
  const metrics = createMetrics();
  const sessions = new SessionStore(db, config.session_max_age_hours * 3600_000);
  const tokens = new TokenStore(db);
  return {
    config,
    db,
    docker: createDockerClient(config.docker.socket, env),
    registry: metrics.registry,
    metrics,
    log: logger('hub'),
    keys: secrets.cookieKeys,
    users: new UserService(db),
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
    services: {},
  };
}

/**
 * Boots the hub: config → database (migrations) → first admin → parts (reconcile) → listen.
 * The port opens only when routes of running containers are known again.
 */
export async function startHub(
  opts: { env?: NodeJS.ProcessEnv; overrides?: DeepPartial<HubConfig>; cwd?: string } = {},
): Promise<RunningHub> {
  const env = opts.env ?? process.env;
  const hub = await openHub(opts);
  const { config, db, users, sessions, log } = hub;

  const first = await users.ensureFirstAdmin(
    config.admin_user,
    env.HUB_ADMIN_PASSWORD || undefined,
  );
  if (first.created)
    await hub.audit({
      actor: null,
      action: 'user.create',
      target: config.admin_user,
      details: { admin: true, first_admin: true },
    });
  if (first.created) await offerExamples(hub, config.admin_user);
  await sessions.purgeExpired();

  const parts: HubPart[] = [];
  const stopParts = async () => {
    for (const p of parts.reverse())
      await p.stop?.().catch((err) => log.error({ err, part: p.name }, 'part stop failed'));
  };
  try {
    for (const factory of PARTS) {
      const part = factory(hub);
      await part.start?.();
      parts.push(part);
    }
  } catch (err) {
    await stopParts();
    await db.destroy();
    throw err;
  }

  const app = createApp(hub);
  const koa = app.callback();
  const server = http.createServer((req, res) => {
    const proxy = hub.services.proxy;
    if (proxy?.handles(req)) void proxy.handleRequest(req, res);
    else void koa(req, res);
  });
  server.on('upgrade', (req, socket, head) => {
    const proxy = hub.services.proxy;
    if (proxy?.handles(req)) void proxy.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  // Long-lived VNC WebSockets and SSE progress streams must not be cut by Node's defaults.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.bind, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.bind.includes(':') ? `[${config.bind}]` : config.bind;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
      await stopParts();
      await db.destroy();
    })();
    return closing;
  };
  return { hub, url, port, generatedAdminPassword: first.generatedPassword, close };
}
