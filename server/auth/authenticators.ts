import type { HubConfig } from '../config/schema';
import type { Logger } from '../log';
import type { Authenticators } from './authenticator';
import type * as Ldap from './ldap-authenticator';
import { LocalAuthenticator } from './local-strategy';
import type * as Oidc from './oidc-authenticator';
import type { UserService } from './users';

/**
 * The one place that turns `auth.*` into authenticators. Password authenticators are asked in
 * this order (local accounts first, so an admin can always log in while LDAP is down); each
 * redirect authenticator gets a button on the login page. Secrets come from the environment
 * only (HUB_OIDC_CLIENT_SECRET, HUB_LDAP_BIND_PASSWORD), never from config files.
 */
export function buildAuthenticators(
  config: HubConfig,
  env: NodeJS.ProcessEnv,
  users: UserService,
): Authenticators {
  const { auth } = config;
  const password = [];
  if (auth.local) password.push(new LocalAuthenticator(users));
  if (auth.ldap) {
    // Loaded only when configured: ldapts (with its URL parser) and openid-client (with jose)
    // are about 10 MB of RSS in a hub that uses neither (measured with bench/scale.ts).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { LdapAuthenticator } = require('./ldap-authenticator') as typeof Ldap;
    password.push(new LdapAuthenticator(auth.ldap, env.HUB_LDAP_BIND_PASSWORD || undefined, users));
  }
  const redirect = [];
  if (auth.oidc) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { OidcAuthenticator } = require('./oidc-authenticator') as typeof Oidc;
    redirect.push(
      new OidcAuthenticator(
        auth.oidc,
        env.HUB_OIDC_CLIENT_SECRET || undefined,
        users,
        { cookieSecure: config.cookie_secure, trustProxy: config.trust_proxy },
        config.public_url,
      ),
    );
  }
  return { password, redirect, form: password.length > 0 };
}

/**
 * Asks every provider once at start and logs what an operator must fix; the hub starts anyway
 * (local admins can still log in) and the login page says the same while it lasts.
 */
export async function checkAuthenticators(auth: Authenticators, log: Logger): Promise<void> {
  const all = [...auth.password, ...auth.redirect];
  await Promise.all(
    all.map(async (a) => {
      if (!a.check) return;
      try {
        await a.check();
        log.info({ authenticator: a.kind }, 'identity provider answers');
      } catch (err) {
        log.warn({ authenticator: a.kind, problem: (err as Error).message }, 'sign-in problem');
      }
    }),
  );
}
