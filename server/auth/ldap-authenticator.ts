import { Client, InvalidCredentialsError, NoSuchObjectError } from 'ldapts';
import type { HubConfig } from '../config/schema';
import type { UserRow } from '../db/entities';
import { logger } from '../log';
import { LoginUnavailable, type PasswordAuthenticator } from './authenticator';
import { escapeDnValue, escapeFilterValue } from './ldap-escape';
import type { UserService } from './users';

export type LdapConfig = NonNullable<HubConfig['auth']['ldap']>;

const log = logger('ldap');

/** Network failures, in words an operator can act on. */
function unreachable(url: string, err: unknown): LoginUnavailable {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new LoginUnavailable(
    `the LDAP server ${url} cannot be reached (${String(code).slice(0, 80)}): check auth.ldap.url and that the server runs`,
  );
}

/**
 * LDAP through the login form (JupyterHub's LDAPAuthenticator): bind as the user, either at a
 * DN made from `user_dn_template` or at the entry a search finds (bound as `bind_dn`), and read
 * admin rights from `admin_group_dn` at every login. The user name only ever enters a DN or a
 * filter escaped (RFC 4514, RFC 4515).
 */
export class LdapAuthenticator implements PasswordAuthenticator {
  readonly kind = 'ldap';

  constructor(
    private readonly cfg: LdapConfig,
    private readonly bindPassword: string | undefined,
    private readonly users: UserService,
  ) {}

  private client(): Client {
    const ms = this.cfg.timeout_seconds * 1000;
    return new Client({ url: this.cfg.url, timeout: ms, connectTimeout: ms });
  }

  async login(username: string, password: string): Promise<UserRow | null> {
    // An empty password is an "unauthenticated bind" that servers answer with success.
    if (!username || !password || username.length > 256) return null;
    const client = this.client();
    try {
      const dn = await this.userDn(client, username);
      if (!dn) return null;
      try {
        await client.bind(dn, password);
      } catch (err) {
        if (err instanceof InvalidCredentialsError) return null;
        throw err;
      }
      const name = await this.canonicalName(client, dn, username);
      // Group entries are often readable by the service account only.
      if (this.cfg.bind_dn) await client.bind(this.cfg.bind_dn, this.bindPassword ?? '');
      const admin = this.cfg.admin_group_dn ? await this.isAdmin(client, dn, name) : null;
      const { user } = await this.users.signInFromProvider(name, admin);
      return user;
    } catch (err) {
      if (err instanceof LoginUnavailable || (err as { status?: number }).status) throw err;
      if (err instanceof InvalidCredentialsError)
        throw new LoginUnavailable(
          'the LDAP server refused auth.ldap.bind_dn: check it and HUB_LDAP_BIND_PASSWORD',
        );
      if (err instanceof NoSuchObjectError)
        throw new LoginUnavailable(
          'the LDAP server has no entry at auth.ldap.search_base: check the setting',
        );
      throw unreachable(this.cfg.url, err);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  /** Whether the server answers a bind with this configuration (at start). */
  async check(): Promise<void> {
    const client = this.client();
    try {
      if (this.cfg.bind_dn) await client.bind(this.cfg.bind_dn, this.bindPassword ?? '');
      else await client.bind('', '');
    } catch (err) {
      if (err instanceof InvalidCredentialsError)
        throw new LoginUnavailable(
          'the LDAP server refused auth.ldap.bind_dn: check it and HUB_LDAP_BIND_PASSWORD',
        );
      throw unreachable(this.cfg.url, err);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  /** The user's DN from the template, or by search; null when no single entry matches. */
  private async userDn(client: Client, username: string): Promise<string | null> {
    const { user_dn_template, search_base, search_filter, bind_dn } = this.cfg;
    if (user_dn_template) return user_dn_template.split('{username}').join(escapeDnValue(username));
    if (bind_dn) await client.bind(bind_dn, this.bindPassword ?? '');
    const filter = search_filter.split('{username}').join(escapeFilterValue(username));
    const { searchEntries } = await client.search(search_base!, {
      scope: 'sub',
      filter,
      attributes: ['dn'],
      sizeLimit: 2,
    });
    if (searchEntries.length !== 1) {
      if (searchEntries.length > 1)
        log.warn({ filter: search_filter }, 'LDAP search found several entries for one name');
      return null;
    }
    return searchEntries[0].dn;
  }

  /** The name attribute of the entry, so case and spacing variants are one account. */
  private async canonicalName(client: Client, dn: string, typed: string): Promise<string> {
    const attr = this.cfg.username_attribute;
    try {
      const { searchEntries } = await client.search(dn, { scope: 'base', attributes: [attr] });
      const value = searchEntries[0]?.[attr];
      const first = Array.isArray(value) ? value[0] : value;
      if (typeof first === 'string' && first) return first;
    } catch (err) {
      log.warn({ err, attr }, 'could not read the user name attribute; using the typed name');
    }
    return typed.trim().toLowerCase();
  }

  private async isAdmin(client: Client, dn: string, name: string): Promise<boolean> {
    const d = escapeFilterValue(dn);
    const filter = `(|(member=${d})(uniqueMember=${d})(memberUid=${escapeFilterValue(name)}))`;
    try {
      const { searchEntries } = await client.search(this.cfg.admin_group_dn!, {
        scope: 'base',
        filter,
        attributes: ['dn'],
      });
      return searchEntries.length > 0;
    } catch (err) {
      if (err instanceof NoSuchObjectError) {
        log.warn('auth.ldap.admin_group_dn names no entry: nobody is admin through LDAP');
        return false;
      }
      throw err;
    }
  }
}
