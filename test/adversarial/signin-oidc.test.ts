import { bootHub, type TestHub } from '../helpers/hub';
import { finish, providerCallbackUrl } from '../helpers/oidc/flow';
import { type Lie, type LyingIssuer, startLyingIssuer } from '../helpers/oidc/lying-issuer';
import { CLIENT, reserveIssuer, startProvider, type TestProvider } from '../helpers/oidc/provider';

/**
 * Class: forged, replayed and lying answers at the OpenID Connect callback. An attacker who
 * gets a browser to open a callback URL, replays a code, or controls what a provider signs
 * must never obtain a session; every refusal is a page with the reason, never a 5xx.
 */

const ACCOUNTS = { bob: { password: 'bob-oidc-pw', groups: ['staff'] } };

// Generous limits: these tests fail on purpose many times from one address.
const LIMITS = {
  HUB_LOGIN__MAX_FAILURES_PER_USER: '1000',
  HUB_LOGIN__MAX_FAILURES_PER_ADDRESS: '1000',
  HUB_LOGIN__MAX_FAILURES_PER_USER_TOTAL: '1000',
};

function env(issuer: string): NodeJS.ProcessEnv {
  return {
    HUB_AUTH__OIDC__ISSUER: issuer,
    HUB_AUTH__OIDC__CLIENT_ID: CLIENT.id,
    HUB_OIDC_CLIENT_SECRET: CLIENT.secret,
    ...LIMITS,
  };
}

async function loggedIn(hub: TestHub, client: ReturnType<TestHub['client']>): Promise<boolean> {
  return (await client.json('/api/v1/me')).status === 200;
}

describe('against a real provider', () => {
  let hub: TestHub;
  let provider: TestProvider;
  beforeAll(async () => {
    const { port, issuer } = await reserveIssuer();
    hub = await bootHub({}, { env: env(issuer) });
    provider = await startProvider(port, hub.url, ACCOUNTS);
  });
  afterAll(async () => {
    await hub?.close();
    await provider?.stop();
  });

  it('refuses a callback whose state is not the one this browser started with', async () => {
    const client = hub.client();
    const cb = new URL(await providerCallbackUrl(client, 'bob', ACCOUNTS.bob.password));
    cb.searchParams.set('state', 'forged-state');
    const r = await finish(client, cb.toString());
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/belongs to another sign-in/);
    expect(await loggedIn(hub, client)).toBe(false);
  });

  it("refuses a victim's callback opened in the attacker's browser (no flow cookie there)", async () => {
    const victim = hub.client();
    const cb = await providerCallbackUrl(victim, 'bob', ACCOUNTS.bob.password);
    const attacker = hub.client();
    const r = await finish(attacker, cb);
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/not started in this browser/);
    expect(await loggedIn(hub, attacker)).toBe(false);
  });

  it('refuses a replayed code: once in the same flow, and again under a fresh flow', async () => {
    const client = hub.client();
    const cb = await providerCallbackUrl(client, 'bob', ACCOUNTS.bob.password);
    expect((await finish(client, cb)).status).toBe(302);

    const again = await finish(client, cb);
    expect(again.status).toBe(400);

    // A fresh flow gives the attacker a valid state; the old code still must not redeem.
    const replayer = hub.client();
    const fresh = new URL(await providerCallbackUrl(replayer, 'bob', ACCOUNTS.bob.password));
    const old = new URL(cb);
    fresh.searchParams.set('code', old.searchParams.get('code')!);
    const r = await finish(replayer, fresh.toString());
    expect(r.status).toBe(403);
    expect(r.text).toMatch(/refused this sign-in \(invalid_grant\)/);
    expect(await loggedIn(hub, replayer)).toBe(false);
  });

  it('passes an error the provider returns on as a page, not a 500', async () => {
    const client = hub.client();
    const cb = new URL(await providerCallbackUrl(client, 'bob', ACCOUNTS.bob.password));
    const denied = new URL('/login/oidc/callback', hub.url);
    denied.searchParams.set('error', 'access_denied');
    denied.searchParams.set('error_description', '<script>alert(1)</script>');
    denied.searchParams.set('state', cb.searchParams.get('state')!);
    const r = await finish(client, denied.toString());
    expect(r.status).toBe(403);
    expect(r.text).toMatch(/access_denied/);
    expect(r.text).not.toContain('<script>alert(1)</script>');
  });

  it('locks an address out after repeated failed callbacks', async () => {
    const strict = await bootHub({}, { env: { ...env(provider.issuer), ...LIMITS_STRICT } });
    try {
      const client = strict.client();
      let status = 0;
      for (let i = 0; i < 4; i++)
        status = (await finish(client, `${strict.url}/login/oidc/callback?code=x&state=y`)).status;
      expect(status).toBe(429);
      const start = await client.fetch('/login/oidc');
      expect(start.status).toBe(429);
      expect(start.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await strict.close();
    }
  });
});

const LIMITS_STRICT = { HUB_LOGIN__MAX_FAILURES_PER_USER: '3' };

describe('against a provider that lies in its ID token', () => {
  let hub: TestHub;
  let liar: LyingIssuer;
  beforeAll(async () => {
    liar = await startLyingIssuer(CLIENT.id);
    hub = await bootHub({}, { env: env(liar.issuer) });
  });
  afterAll(async () => {
    await hub?.close();
    await liar?.close();
  });

  async function attempt(lie: Lie) {
    liar.lie = lie;
    const client = hub.client();
    const r = await finish(client, await providerCallbackUrl(client, 'eve', 'unused'));
    return { ...r, signedIn: await loggedIn(hub, client) };
  }

  it('signs in when the token is honest (the liar is a working provider)', async () => {
    const r = await attempt('none');
    expect(r.status).toBe(302);
    expect(r.signedIn).toBe(true);
  });

  it.each<[Lie, RegExp]>([
    ['audience', /aud/],
    ['expired', /expired/],
    ['nonce', /nonce/],
    ['foreign-key', /signature|key/i],
  ])('refuses an ID token that lies (%s)', async (lie, reason) => {
    const r = await attempt(lie);
    expect(r.status).toBe(403);
    expect(r.text).toMatch(/failed the hub&#39;s checks|failed the hub's checks/);
    expect(r.text).toMatch(reason);
    expect(r.signedIn).toBe(false);
  });
});
