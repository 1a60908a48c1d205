import type { Context } from 'koa';
import type { UserRow } from '../db/entities';
import { HubError, ServiceUnavailable } from '../errors';

/**
 * The sign-in seam, in the spirit of JupyterHub's Authenticator: each way of signing in is one
 * object built from config (server/auth/authenticators.ts), and the login routes only speak to
 * these two contracts, so a new provider is one new file and one line in the registry.
 *
 * An authenticator answers "who is this?" and nothing more: the login routes own throttling,
 * the audit trail, sessions and cookies, so every authenticator gets them alike.
 */

/** Checks a user name and password typed into the login form (local accounts, LDAP). */
export interface PasswordAuthenticator {
  /** Short name for logs, audit and metrics (`local`, `ldap`). */
  readonly kind: string;
  /**
   * The hub user for these credentials, created or updated from the provider as needed, or
   * null when they are wrong (or unknown to this authenticator): the next one is asked then.
   * Throws LoginUnavailable when the backend cannot be asked, LoginRefused when it says who
   * the user is but the hub will not let them in (disabled, name taken).
   */
  login(username: string, password: string): Promise<UserRow | null>;
  /** Whether the backend answers with this configuration (at start); throws LoginUnavailable. */
  check?(): Promise<void>;
}

/** Sends the browser to a provider and takes it back (OpenID Connect). */
export interface RedirectAuthenticator {
  readonly kind: string;
  /** The button's words: "Log in with <displayName>". */
  readonly displayName: string;
  /** Where the button points; the callback is `<path>/callback`. */
  readonly path: string;
  /** Answers with a redirect to the provider; `next` is where to land after the login. */
  start(ctx: Context, next: string): Promise<void>;
  /** Checks the provider's answer; resolves with the user and the `next` given to start(). */
  finish(ctx: Context): Promise<{ user: UserRow; next: string }>;
  /** Whether the provider can be reached with this configuration; throws a LoginUnavailable. */
  check(): Promise<void>;
}

export interface Authenticators {
  password: PasswordAuthenticator[];
  redirect: RedirectAuthenticator[];
  /** Whether the login form is shown (local accounts or LDAP). */
  form: boolean;
}

/** The provider said who the user is, but the hub refuses them (403, shown to the user). */
export class LoginRefused extends HubError {
  constructor(message: string) {
    super(403, 'login_refused', message);
  }
}

/** The identity provider cannot be asked (down, misconfigured): 503 with a message for operators. */
export class LoginUnavailable extends ServiceUnavailable {
  constructor(message: string) {
    super(message, 'login_unavailable');
  }
}
