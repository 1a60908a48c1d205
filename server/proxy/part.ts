import { HUB_COOKIE_NAMES } from '../auth/cookies';
import { PARTS } from '../parts';
import { APP_COOKIE_NAMES, AppAccess } from './app-access';
import { AppOrigins } from './app-origins';
import { createUserProxy } from './proxy';
import { routesOf } from './route-store';

/** The proxy part: registers itself as `hub.services.proxy`, which the http server consults. */
PARTS.push((hub) => {
  const origins = new AppOrigins({
    appsDomain: hub.config.apps_domain,
    publicUrl: hub.config.public_url,
    trustProxy: hub.config.trust_proxy,
  });
  const access = new AppAccess(hub.keys[0]);
  hub.services.appOrigins = { origins, access };
  const proxy = createUserProxy({
    routes: routesOf(hub),
    identify: hub.identify,
    hubCookieNames: [...HUB_COOKIE_NAMES, ...APP_COOKIE_NAMES],
    timeoutSeconds: hub.config.proxy.timeout_seconds,
    wsPingSeconds: hub.config.proxy.websocket_ping_seconds,
    registry: hub.registry,
    loginPath: '/login',
    log: hub.log.child({ ns: 'proxy' }),
    trustProxy: hub.config.trust_proxy,
    engine: hub.config.proxy.engine,
    origins,
    isolation: {
      origins,
      access,
      lookupSession: (hash) => hub.sessions.lookupHash(hash),
      cookieSecure: hub.config.cookie_secure,
    },
    credentialAlive: async (hash) =>
      !!((await hub.sessions.lookupHash(hash)) ?? (await hub.tokens.lookupHash(hash))),
  });
  hub.sessions.onEnded((e) => proxy.endCredentials(e));
  hub.tokens.onEnded((e) => proxy.endCredentials(e));
  hub.services.proxy = proxy;
  return {
    name: 'proxy',
    stop: async () => proxy.close(),
  };
});
