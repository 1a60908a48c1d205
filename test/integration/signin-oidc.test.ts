import { AuditEventEntity } from '../../server/db/entities';
import { ADMIN, bootHub, type TestHub } from '../helpers/hub';
import { finish, providerCallbackUrl } from '../helpers/oidc/flow';
import {
  CLIENT,
  reserveIssuer,
  startProvider,
  type TestAccount,
  type TestProvider,
} from '../helpers/oidc/provider';

/**
 * OpenID Connect sign-in against a real provider (oidc-provider, certified) on loopback: the
 * code flow with PKCE, first login, groups at every login, names that are e-mail addresses,
 * and what an operator sees when the provider is down or the hub's secret is wrong.
 */

const ACCOUNTS: Record<string, TestAccount> = {
  alice: { password: 'alice-oidc-pw', groups: ['staff', 'hub-admins'] },
  bob: { password: 'bob-oidc-pw', groups: ['staff'] },
  eve: { password: 'eve-oidc-pw', groups: ['visitors'] },
  jane: { password: 'jane-oidc-pw', groups: ['staff'], preferred_username: 'Jane.Doe@example.org' },
  ab1: { password: 'ab1-oidc-pw', groups: ['staff'], preferred_username: 'a@b.org' },
  ab2: { password: 'ab2-oidc-pw', groups: ['staff'], preferred_username: 'a+b.org' },
};

function oidcEnv(issuer: string, secret = CLIENT.secret): NodeJS.ProcessEnv {
  return {
    HUB_AUTH__OIDC__ISSUER: issuer,
    HUB_AUTH__OIDC__CLIENT_ID: CLIENT.id,
    HUB_AUTH__OIDC__DISPLAY_NAME: 'Example SSO',
    HUB_AUTH__OIDC__ADMIN_GROUPS: '["hub-admins"]',
    HUB_AUTH__OIDC__ALLOWED_GROUPS: '["staff"]',
    HUB_AUTH__OIDC__TIMEOUT_SECONDS: '3',
    HUB_OIDC_CLIENT_SECRET: secret,
  };
}

async function signIn(hub: TestHub, login: string, next?: string) {
  const client = hub.client();
  const cb = await providerCallbackUrl(client, login, ACCOUNTS[login].password, next);
  const result = await finish(client, cb);
  return { client, ...result };
}

describe('OpenID Connect sign-in', () => {
  let hub: TestHub;
  let provider: TestProvider;
  beforeAll(async () => {
    const { port, issuer } = await reserveIssuer();
    hub = await bootHub({}, { env: oidcEnv(issuer) });
    provider = await startProvider(port, hub.url, ACCOUNTS);
  });
  afterAll(async () => {
    await hub?.close();
    await provider?.stop();
  });

  it('tells the login page about the provider', async () => {
    const r = await hub.client().json('/api/v1/login-options');
    expect(r.body).toEqual({
      form: true,
      providers: [{ kind: 'oidc', display_name: 'Example SSO', url: '/login/oidc' }],
    });
  });

  it('creates the user at the first login, lands on next and audits the login', async () => {
    expect(await hub.hub.users.find('bob')).toBeNull();
    const r = await signIn(hub, 'bob', '/hub/account');
    expect(r.status).toBe(302);
    expect(r.location).toBe('/hub/account');
    const me = await r.client.json<{ name: string; admin: boolean }>('/api/v1/me');
    expect(me.body).toMatchObject({ name: 'bob', admin: false });
    expect((await hub.hub.users.find('bob'))?.password_hash).toBeNull();
    const audit = await hub.hub.db
      .getRepository(AuditEventEntity)
      .findOne({ where: { actor: 'bob', action: 'login' } });
    expect(JSON.parse(audit!.details!)).toEqual({ via: 'oidc' });
  });

  it('applies admin_groups at every login: leaving the group ends admin rights', async () => {
    let r = await signIn(hub, 'alice');
    expect((await r.client.json<{ admin: boolean }>('/api/v1/me')).body.admin).toBe(true);
    provider.setAccounts({ ...ACCOUNTS, alice: { ...ACCOUNTS.alice, groups: ['staff'] } });
    try {
      r = await signIn(hub, 'alice');
      expect(r.status).toBe(302);
      expect((await r.client.json<{ admin: boolean }>('/api/v1/me')).body.admin).toBe(false);
    } finally {
      provider.setAccounts(ACCOUNTS);
    }
  });

  it('refuses someone outside allowed_groups with a page that says why, and creates nobody', async () => {
    const r = await signIn(hub, 'eve');
    expect(r.status).toBe(403);
    expect(r.text).toMatch(/not in a group allowed to use this hub/);
    expect(await hub.hub.users.find('eve')).toBeNull();
    expect((await r.client.json('/api/v1/me')).status).toBe(401);
  });

  it('gives e-mail names an escaped hub name, and keeps names that escape alike apart', async () => {
    const jane = await signIn(hub, 'jane');
    const me = await jane.client.json<{ name: string }>('/api/v1/me');
    expect(me.body.name).toMatch(/^jane.doe-example.org-[0-9a-f]{9}$/);
    expect((await hub.hub.users.find(me.body.name))?.full_name).toBe('Jane.Doe@example.org');
    const a1 = await (await signIn(hub, 'ab1')).client.json<{ name: string }>('/api/v1/me');
    const a2 = await (await signIn(hub, 'ab2')).client.json<{ name: string }>('/api/v1/me');
    expect(a1.body.name).not.toBe(a2.body.name);
    const again = await (await signIn(hub, 'ab1')).client.json<{ name: string }>('/api/v1/me');
    expect(again.body.name).toBe(a1.body.name);
  });
});

describe('OpenID Connect misconfigured or down', () => {
  it('answers a clear 503 page, not a 500, while the provider is down, and signs in once it is up', async () => {
    const { port, issuer } = await reserveIssuer();
    const hub = await bootHub({}, { env: oidcEnv(issuer) });
    let provider: TestProvider | undefined;
    try {
      const res = await hub.client().fetch('/login/oidc', { headers: { accept: 'text/html' } });
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(text).toMatch(/cannot be reached/);
      expect(text).toMatch(/auth\.oidc\.issuer/);
      provider = await startProvider(port, hub.url, ACCOUNTS);
      expect((await signIn(hub, 'bob')).status).toBe(302);
      // Down between the start and the provider's answer: the same page.
      const client = hub.client();
      const cb = await providerCallbackUrl(client, 'bob', ACCOUNTS.bob.password);
      await provider.stop();
      provider = undefined;
      const r = await finish(client, cb);
      expect(r.status).toBe(503);
      expect(r.text).toMatch(/cannot be reached/);
    } finally {
      await provider?.stop();
      await hub.close();
    }
  });

  it('names the setting to check when the provider refuses the client secret, and never shows it', async () => {
    const { port, issuer } = await reserveIssuer();
    const wrong = 'wrong-client-secret-value';
    const hub = await bootHub({}, { env: oidcEnv(issuer, wrong) });
    const provider = await startProvider(port, hub.url, ACCOUNTS);
    try {
      const r = await signIn(hub, 'bob');
      expect(r.status).toBe(503);
      expect(r.text).toMatch(/HUB_OIDC_CLIENT_SECRET/);
      expect(r.text).not.toContain(wrong);
    } finally {
      await provider.stop();
      await hub.close();
    }
  });

  it('with auth.local off, answers POST /login with a 400 that points to the provider', async () => {
    const { issuer } = await reserveIssuer();
    const hub = await bootHub({}, { env: { ...oidcEnv(issuer), HUB_AUTH__LOCAL: 'false' } });
    try {
      const r = await hub.client().json<{ error: { message: string } }>('/login', {
        method: 'POST',
        json: { username: ADMIN.name, password: ADMIN.password },
      });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(/no login form.*\/login\/oidc/);
      const options = await hub.client().json('/api/v1/login-options');
      expect(options.body).toMatchObject({ form: false });
    } finally {
      await hub.close();
    }
  });

  it('refuses to start with auth.local off and no provider, naming the keys', async () => {
    await expect(bootHub({}, { env: { HUB_AUTH__LOCAL: 'false' } })).rejects.toThrow(
      /auth\.oidc or auth\.ldap/,
    );
  });
});
