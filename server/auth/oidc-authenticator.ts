import type { Context } from 'koa';
import { type BaseClient, custom, errors, generators, Issuer } from 'openid-client';
import type { HubConfig } from '../config/schema';
import type { UserRow } from '../db/entities';
import { HubError } from '../errors';
import { logger } from '../log';
import { LoginRefused, LoginUnavailable, type RedirectAuthenticator } from './authenticator';
import { cookieName, type CookiePolicy, OIDC_FLOW_COOKIE, secureCookies } from './cookies';
import type { UserService } from './users';

export type OidcConfig = NonNullable<HubConfig['auth']['oidc']>;

const log = logger('oidc');
const FLOW_SECONDS = 600;

/** What start() keeps in a signed cookie until the provider sends the browser back. */
interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  redirectUri: string;
}

/** A sign-in that cannot go on: answered 400 with the reason (a stale or forged callback). */
export class LoginStateError extends HubError {
  constructor(message: string) {
    super(400, 'login_state', message);
  }
}

function networkReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  return String(e.code ?? e.cause?.code ?? e.name ?? 'error').slice(0, 60);
}

/**
 * OpenID Connect with openid-client (certified): discovery, the authorization code flow with
 * PKCE (S256), state and nonce, and openid-client's ID token checks (signature, issuer,
 * audience, expiry, nonce). Groups decide who may log in and who is admin, at every login.
 *
 * Discovery happens at start (a warning when the provider cannot be reached) and again at the
 * next sign-in until it succeeds, so a provider that is down at boot does not need a restart.
 */
export class OidcAuthenticator implements RedirectAuthenticator {
  readonly kind = 'oidc';
  readonly path = '/login/oidc';
  readonly displayName: string;
  private client: Promise<BaseClient> | null = null;

  constructor(
    private readonly cfg: OidcConfig,
    private readonly secret: string | undefined,
    private readonly users: UserService,
    private readonly cookies: CookiePolicy,
    /** The hub's external origin when set (public_url), else the request's own. */
    private readonly publicUrl: string | undefined,
  ) {
    this.displayName = cfg.display_name;
  }

  async check(): Promise<void> {
    await this.discover();
  }

  private discover(): Promise<BaseClient> {
    this.client ??= (async () => {
      const timeout = this.cfg.timeout_seconds * 1000;
      Issuer[custom.http_options] = (_url, options) => ({ ...options, timeout });
      let issuer: Issuer<BaseClient>;
      try {
        issuer = await Issuer.discover(this.cfg.issuer);
      } catch (err) {
        throw new LoginUnavailable(
          `the OpenID provider ${this.cfg.issuer} cannot be reached or sent no valid discovery document (${networkReason(err)}): check auth.oidc.issuer and that the provider runs`,
        );
      }
      const client = new issuer.Client({
        client_id: this.cfg.client_id,
        ...(this.secret
          ? { client_secret: this.secret }
          : { token_endpoint_auth_method: 'none' as const }),
        response_types: ['code'],
      });
      client[custom.http_options] = (_url, options) => ({ ...options, timeout });
      return client;
    })();
    this.client.catch(() => {
      this.client = null;
    });
    return this.client;
  }

  private flowCookie(ctx: Context) {
    const secure = secureCookies(ctx.req, this.cookies);
    return {
      name: cookieName(OIDC_FLOW_COOKIE, secure),
      options: { signed: true, httpOnly: true, sameSite: 'lax' as const, path: '/', secure },
    };
  }

  async start(ctx: Context, next: string): Promise<void> {
    const client = await this.discover();
    const origin = this.publicUrl ? new URL(this.publicUrl).origin : ctx.origin;
    const flow: Flow = {
      state: generators.state(),
      nonce: generators.nonce(),
      verifier: generators.codeVerifier(),
      next,
      redirectUri: `${origin}${this.path}/callback`,
    };
    const cookie = this.flowCookie(ctx);
    ctx.cookies.set(cookie.name, Buffer.from(JSON.stringify(flow)).toString('base64url'), {
      ...cookie.options,
      maxAge: FLOW_SECONDS * 1000,
    });
    ctx.redirect(
      client.authorizationUrl({
        scope: this.cfg.scopes.join(' '),
        redirect_uri: flow.redirectUri,
        state: flow.state,
        nonce: flow.nonce,
        code_challenge: generators.codeChallenge(flow.verifier),
        code_challenge_method: 'S256',
      }),
    );
  }

  /** The flow of this browser, used once: the cookie is cleared whatever happens next. */
  private takeFlow(ctx: Context): Flow {
    const cookie = this.flowCookie(ctx);
    const raw = ctx.cookies.get(cookie.name, { signed: true });
    ctx.cookies.set(cookie.name, '', { ...cookie.options, maxAge: 0 });
    try {
      if (raw) return JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Flow;
    } catch {
      /* a cookie we did not write: same answer as none */
    }
    throw new LoginStateError(
      'this sign-in was not started in this browser, or took longer than 10 minutes: start again from the login page',
    );
  }

  async finish(ctx: Context): Promise<{ user: UserRow; next: string }> {
    const flow = this.takeFlow(ctx);
    const client = await this.discover();
    const params = client.callbackParams(ctx.req);
    if (params.state !== flow.state)
      throw new LoginStateError(
        'this answer from the provider belongs to another sign-in: start again from the login page',
      );
    if (params.error)
      throw new LoginRefused(
        `the provider did not sign you in (${String(params.error).slice(0, 60)}${params.error_description ? `: ${String(params.error_description).slice(0, 200)}` : ''})`,
      );
    const claims = await this.redeem(client, flow, params);
    return { user: await this.admit(claims), next: flow.next };
  }

  private async redeem(
    client: BaseClient,
    flow: Flow,
    params: ReturnType<BaseClient['callbackParams']>,
  ): Promise<Record<string, unknown>> {
    try {
      const tokens = await client.callback(flow.redirectUri, params, {
        state: flow.state,
        nonce: flow.nonce,
        code_verifier: flow.verifier,
      });
      const claims: Record<string, unknown> = { ...tokens.claims() };
      const missing = [this.cfg.username_claim, this.cfg.groups_claim].some(
        (c) => claims[c] === undefined,
      );
      if (missing && tokens.access_token && client.issuer.metadata.userinfo_endpoint) {
        const info = await client.userinfo(tokens);
        // The ID token's subject is checked by openid-client; other claims may be filled in.
        for (const [k, v] of Object.entries(info)) if (claims[k] === undefined) claims[k] = v;
      }
      return claims;
    } catch (err) {
      if (err instanceof errors.OPError) {
        if (err.error === 'invalid_client')
          throw new LoginUnavailable(
            'the OpenID provider refused the hub as a client: check auth.oidc.client_id and HUB_OIDC_CLIENT_SECRET',
          );
        log.warn({ error: err.error }, 'the provider refused the code');
        throw new LoginRefused(
          `the provider refused this sign-in (${err.error}): it may have been used already or be too old; start again from the login page`,
        );
      }
      if (err instanceof errors.RPError) {
        log.warn({ reason: err.message }, 'the ID token failed its checks');
        throw new LoginRefused(
          `the provider's answer failed the hub's checks (${err.message.slice(0, 160)}); start again, and tell an operator if it persists`,
        );
      }
      throw new LoginUnavailable(
        `the OpenID provider ${this.cfg.issuer} cannot be reached (${networkReason(err)}): try again later`,
      );
    }
  }

  /** Applies the username claim and the group rules. */
  private async admit(claims: Record<string, unknown>): Promise<UserRow> {
    const name = claims[this.cfg.username_claim];
    if (typeof name !== 'string' || !name.trim() || name.length > 256)
      throw new LoginRefused(
        `the provider sent no usable "${this.cfg.username_claim}" claim: an operator should set auth.oidc.username_claim to a claim it sends`,
      );
    const raw = claims[this.cfg.groups_claim];
    const groups = new Set(
      (Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : []).filter(
        (g): g is string => typeof g === 'string',
      ),
    );
    const { admin_groups, allowed_groups } = this.cfg;
    const admin = admin_groups.length ? admin_groups.some((g) => groups.has(g)) : null;
    if (allowed_groups.length && !admin && !allowed_groups.some((g) => groups.has(g)))
      throw new LoginRefused(
        'your account is not in a group allowed to use this hub: ask an admin to add you to one',
      );
    const { user } = await this.users.signInFromProvider(name, admin);
    return user;
  }
}
