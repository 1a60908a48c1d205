import { HUB_COOKIE_NAMES } from '../auth/cookies';
import { PARTS } from '../parts';
import { createUserProxy } from './proxy';
import { routesOf } from './route-store';

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
  if (hub.config.proxy.engine !== undefined)
    hub.log.warn('proxy.engine is obsolete and ignored (the hub has one proxy engine): remove it');
  hub.services.proxy = proxy;
  return {
    name: 'proxy',
    stop: async () => proxy.close(),
  };
});
