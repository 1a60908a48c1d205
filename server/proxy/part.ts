import { HUB_COOKIE_NAMES } from '../auth/cookies';
import type { Core } from '../core';
import type { HubPart } from '../parts';
import { APP_COOKIE_NAMES, AppAccess } from './app-access';
import { AppOrigins, type AppOriginServices } from './app-origins';
import { createUserProxy, type UserProxy } from './proxy';
import type { RouteStore } from './route-store';
import { SHARE_COOKIE_NAMES } from '../shares/share-access';
import { Shares } from '../shares/shares';

/**
 * The user-container proxy, reading the routes the spawner keeps; the raw server dispatches to
 * it. It serves each app on its own origin (app-origins.ts) and closes the WebSockets of a
 * login when that login ends.
 */
export function proxyPart(
  core: Pick<
    Core,
    'identify' | 'config' | 'registry' | 'log' | 'keys' | 'sessions' | 'tokens' | 'db' | 'audit'
  >,
  routes: RouteStore,
): HubPart & { proxy: UserProxy; apps: AppOriginServices; shares: Shares } {
  const { config, sessions, tokens } = core;
  const origins = new AppOrigins({
    appsDomain: config.apps_domain,
    publicUrl: config.public_url,
    trustProxy: config.trust_proxy,
  });
  const access = new AppAccess(core.keys[0]);
  const shares = new Shares(
    core.db,
    (e) => core.audit(e),
    { anonymous: config.shares.anonymous, maxExpiresHours: config.shares.max_expires_hours },
    core.keys[0],
  );
  const proxy = createUserProxy({
    routes,
    identify: core.identify,
    hubCookieNames: [...HUB_COOKIE_NAMES, ...APP_COOKIE_NAMES, ...SHARE_COOKIE_NAMES],
    timeoutSeconds: config.proxy.timeout_seconds,
    wsPingSeconds: config.proxy.websocket_ping_seconds,
    registry: core.registry,
    loginPath: '/login',
    log: core.log.child({ ns: 'proxy' }),
    trustProxy: config.trust_proxy,
    origins,
    isolation: {
      origins,
      access,
      lookupSession: (hash) => sessions.lookupHash(hash),
      cookieSecure: config.cookie_secure,
    },
    credentialAlive: async (hash) =>
      !!((await sessions.lookupHash(hash)) ?? (await tokens.lookupHash(hash))),
    shares,
  });
  sessions.onEnded((e) => proxy.endCredentials(e));
  tokens.onEnded((e) => proxy.endCredentials(e));
  if (config.proxy.engine !== undefined)
    core.log.warn('proxy.engine is obsolete and ignored (the hub has one proxy engine): remove it');
  return {
    name: 'proxy',
    proxy,
    apps: { origins, access },
    shares,
    stop: async () => {
      shares.close();
      await proxy.close();
    },
  };
}
