import { HUB_COOKIE_NAMES } from '../auth/cookies';
import type { Hub } from '../hub';
import { PARTS } from '../parts';
import { createUserProxy } from './proxy';
import { RouteStore } from './route-store';

/**
 * The proxy's route store on `hub.services.routes`, created by whichever part asks first: the
 * spawner fills it while reconciling (before the port opens), the proxy reads it.
 */
export function routesOf(hub: Hub): RouteStore {
  const existing = hub.services.routes;
  if (existing instanceof RouteStore) return existing;
  const routes = new RouteStore();
  hub.services.routes = routes;
  return routes;
}

/** The proxy part: registers itself as `hub.services.proxy`, which the http server consults. */
PARTS.push((hub) => {
  const proxy = createUserProxy({
    routes: routesOf(hub),
    identify: hub.identify,
    hubCookieNames: HUB_COOKIE_NAMES,
    timeoutSeconds: hub.config.proxy.timeout_seconds,
    wsPingSeconds: hub.config.proxy.websocket_ping_seconds,
    registry: hub.registry,
    loginPath: '/login',
    log: hub.log.child({ ns: 'proxy' }),
    trustProxy: hub.config.trust_proxy,
  });
  hub.services.proxy = proxy;
  return {
    name: 'proxy',
    stop: async () => proxy.close(),
  };
});
