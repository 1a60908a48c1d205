import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { catalogPart } from './catalog/part';
import { offerExamples } from './catalog/examples';
import { runSignedInHooks } from './auth/account-hooks';
import { checkAuthenticators } from './auth/authenticators';
import { type Core, type CoreOptions, openCore } from './core';
import { createHooks } from './hooks';
import type { Hub } from './hub';
import { StartedParts } from './parts';
import { proxyPart } from './proxy/part';
import { RouteStore } from './proxy/route-store';
import { containersPart } from './spawner/part';
import { createHubServer } from './web/dispatch';

/**
 * The composition root: the one place that knows every part of the hub and builds them, in
 * order, with what each needs. Nothing registers itself by being imported.
 *
 *   core (config, database, accounts, audit, metrics)  — openCore(), shared with the CLI
 *   → first run (first admin, example images)
 *   → catalogue → containers (reconciled with Docker, routes rebuilt) → proxy
 *   → Koa app (routers) → HTTP server → listen
 */

export interface RunningHub {
  hub: Hub;
  url: string;
  port: number;
  /** Printed once when the first admin was created with a generated password. */
  generatedAdminPassword?: string;
  close(): Promise<void>;
}

/** A new install gets its first admin (and the example images); old sessions are dropped. */
async function prepareState(core: Core, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { config, users } = core;
  const first = await users.ensureFirstAdmin(
    config.admin_user,
    env.HUB_ADMIN_PASSWORD || undefined,
  );
  if (first.created) {
    await core.audit({
      actor: null,
      action: 'user.create',
      target: config.admin_user,
      details: { admin: true, first_admin: true },
    });
    await offerExamples(core, config.admin_user);
  }
  await core.sessions.purgeExpired();
  return first.generatedPassword;
}

function listen(server: http.Server, port: number, bind: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bind, () => {
      const actual = (server.address() as AddressInfo).port;
      const host = bind.includes(':') ? `[${bind}]` : bind;
      resolve(`http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actual}`);
    });
  });
}

/**
 * Boots the hub. The port opens only when routes of running containers are known again; a
 * part that fails to start stops those started before it and closes the database.
 */
export async function startHub(opts: CoreOptions = {}): Promise<RunningHub> {
  const env = opts.env ?? process.env;
  const hooks = createHooks();
  const core = await openCore(opts, hooks);
  const parts = new StartedParts(core.log);
  try {
    const generatedAdminPassword = await prepareState(core, env);
    void checkAuthenticators(core.authenticators, core.log);

    const { catalog, updates } = await parts.start(catalogPart(core));
    const routes = new RouteStore();
    const { containers } = await parts.start(containersPart({ ...core, catalog, routes }));
    hooks.accountClosed.push((name) => containers.stopForUser(name, null));
    hooks.grantsRemoved.push(async (ids) => {
      for (const id of ids) await containers.stopForGrant(id, null);
    });
    hooks.signedIn.push((name) => containers.signedIn(name));
    // A user back at a session after a pause is about to start an app, as after a sign-in.
    const returnAfter = core.config.spawner.warm_start.return_after_minutes;
    if (returnAfter > 0)
      core.sessions.onResumed(returnAfter * 60_000, (name) => runSignedInHooks(core, name));
    const { proxy, apps, shares } = await parts.start(proxyPart(core, routes));

    const hub: Hub = { ...core, catalog, updates, containers, routes, apps, shares };
    const server = createHubServer(proxy, createApp(hub).callback());
    const url = await listen(server, core.config.port, core.config.bind);

    let closing: Promise<void> | null = null;
    const close = () => {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        });
        await parts.stopAll();
        await core.db.destroy();
      })();
      return closing;
    };
    const port = (server.address() as AddressInfo).port;
    return { hub, url, port, generatedAdminPassword, close };
  } catch (err) {
    await parts.stopAll();
    await core.db.destroy();
    throw err;
  }
}
