import { HUB_COOKIE_NAMES } from '../auth/cookies';
import type { Core } from '../core';
import type { HubPart } from '../parts';
import { createUserProxy, type UserProxy } from './proxy';
import type { RouteStore } from './route-store';

/** The user-container proxy, reading the routes the spawner keeps; the raw server dispatches to it. */
export function proxyPart(
  core: Pick<Core, 'identify' | 'config' | 'registry' | 'log'>,
  routes: RouteStore,
): HubPart & { proxy: UserProxy } {
  const proxy = createUserProxy({
    routes,
    identify: core.identify,
    hubCookieNames: HUB_COOKIE_NAMES,
    timeoutSeconds: core.config.proxy.timeout_seconds,
    wsPingSeconds: core.config.proxy.websocket_ping_seconds,
    registry: core.registry,
    loginPath: '/login',
    log: core.log.child({ ns: 'proxy' }),
    trustProxy: core.config.trust_proxy,
    engine: core.config.proxy.engine,
  });
  return {
    name: 'proxy',
    proxy,
    stop: async () => proxy.close(),
  };
}
