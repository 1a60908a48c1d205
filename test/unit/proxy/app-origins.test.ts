import type { IncomingMessage } from 'node:http';
import { AppAccess } from '../../../server/proxy/app-access';
import { AppOrigins, isLoopbackName, parseHost } from '../../../server/proxy/app-origins';

const ID = 'a'.repeat(32);
const req = (host: string | undefined, headers: Record<string, string> = {}) =>
  ({ headers: { host, ...headers }, socket: {} }) as unknown as IncomingMessage;

describe('AppOrigins', () => {
  const loopback = new AppOrigins({ trustProxy: false });
  const named = new AppOrigins({
    appsDomain: 'apps.example.org',
    publicUrl: 'https://hub.example.org',
    trustProxy: false,
  });

  it('parses Host headers and refuses what is not one', () => {
    expect(parseHost('Hub.Example.org:8000')).toEqual({
      hostname: 'hub.example.org',
      port: '8000',
    });
    expect(parseHost('[::1]:80')).toEqual({ hostname: '[::1]', port: '80' });
    for (const bad of [undefined, '', 'a b', 'x:y', 'host:123456', 'user@host', 'host/path'])
      expect(parseHost(bad)).toBeNull();
  });

  it('knows which names only ever reach this machine', () => {
    for (const n of ['localhost', 'x.localhost', '127.0.0.1', '127.9.8.7', '[::1]'])
      expect(isLoopbackName(n)).toBe(true);
    for (const n of ['localhost.example.org', '128.0.0.1', '10.0.0.1', 'hub', '127.0.0.1.nip.io'])
      expect(isLoopbackName(n)).toBe(false);
  });

  it('isolates on apps.localhost when reached on loopback, and not otherwise', () => {
    expect(loopback.appsDomainFor(req('127.0.0.1:8000'))).toBe('apps.localhost');
    expect(loopback.appsDomainFor(req('localhost'))).toBe('apps.localhost');
    expect(loopback.appsDomainFor(req('hub.example.org'))).toBeNull();
    expect(loopback.appsDomainFor(req(undefined))).toBeNull();
    expect(named.appsDomainFor(req('anything'))).toBe('apps.example.org');
  });

  it('builds app origins with the hub scheme and port', () => {
    expect(loopback.appOrigin(req('127.0.0.1:8000'), ID, 'apps.localhost')).toBe(
      `http://${ID}.apps.localhost:8000`,
    );
    expect(named.appOrigin(req('127.0.0.1:8000'), ID, 'apps.example.org')).toBe(
      `https://${ID}.apps.example.org`,
    );
    expect(named.hubOrigin(req('evil.example'))).toBe('https://hub.example.org');
  });

  it('reads the url_id of an app host, exactly one hex label deep', () => {
    expect(named.urlIdOfHost(`${ID}.apps.example.org`)).toBe(ID);
    expect(named.urlIdOfHost(`${ID}.apps.localhost:8000`)).toBe(ID);
    for (const host of [
      'apps.example.org',
      `x.${ID}.apps.example.org`,
      `${ID}.apps.example.org.evil.com`,
      `${ID}xapps.example.org`,
      'zz.apps.example.org',
      `${'a'.repeat(31)}.apps.example.org`,
    ])
      expect(named.urlIdOfHost(host)).toBeNull();
    expect(named.isAppsHost('zz.apps.example.org')).toBe(true);
    expect(named.isAppsHost('hub.example.org')).toBe(false);
  });

  it('works out the hub origin from an app host in one place, never from the url_id', () => {
    const port = loopback.appHost(`${ID}.apps.localhost:8000`);
    expect(port).toEqual({ apps: true, urlId: ID, loopbackHub: 'http://localhost:8000' });
    // Remembered for the same header, and the same answer.
    expect(loopback.appHost(`${ID}.apps.localhost:8000`)).toBe(port);
    // Any hex label gives the same link, existing app or not.
    expect(
      loopback.hubOriginFromApp(loopback.appHost('abc.apps.localhost:8000'), undefined, true),
    ).toBe('http://localhost:8000');
    expect(loopback.hubOriginFromApp(port, 'http://127.0.0.1:8000', true)).toBe(
      'http://127.0.0.1:8000',
    );
    // Without a guess (the login redirect) only what the hub knows for sure counts.
    expect(loopback.hubOriginFromApp(port, undefined, false)).toBeNull();
    expect(
      loopback.hubOriginFromApp(loopback.appHost('zz.apps.localhost'), undefined, true),
    ).toBeNull();
    // public_url wins over anything a request says.
    expect(named.hubOriginFromApp(named.appHost(`${ID}.apps.example.org`), 'http://x', true)).toBe(
      'https://hub.example.org',
    );
    expect(loopback.appHost(undefined).apps).toBe(false);
    expect(loopback.appHost('127.0.0.1:8000').apps).toBe(false);
  });

  it('trusts X-Forwarded-* only when told to', () => {
    const behind = new AppOrigins({ trustProxy: true });
    const r = req('127.0.0.1:8000', {
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'hub.example.org',
    });
    expect(behind.hubOrigin(r)).toBe('https://hub.example.org');
    expect(loopback.hubOrigin(r)).toBe('http://127.0.0.1:8000');
  });
});

describe('AppAccess', () => {
  const grant = { sessionHash: 'h'.repeat(64), urlId: ID, next: '/x', hubOrigin: 'http://hub' };

  it('redeems a ticket once, before it expires, for its app only', () => {
    let now = 1_000;
    const access = new AppAccess('key', () => now);
    const t = access.issue(grant);
    expect(access.redeem(t, 'b'.repeat(32))).toBeNull();
    expect(access.redeem(t, ID)).toBeNull();
    const t2 = access.issue(grant);
    expect(access.redeem(t2, ID)).toEqual(grant);
    expect(access.redeem(t2, ID)).toBeNull();
    const t3 = access.issue(grant);
    now += 61_000;
    expect(access.redeem(t3, ID)).toBeNull();
  });

  it("keeps other sessions' tickets when one session floods the table", () => {
    const access = new AppAccess('key');
    const victim = { ...grant, sessionHash: 'v'.repeat(64) };
    const kept = access.issue(victim);
    const flood = Array.from({ length: 20_000 }, () => access.issue(grant));
    expect(access.redeem(kept, ID)).toEqual(victim);
    // The flooder keeps only its own 50 newest tickets; its older ones are gone.
    const live = (ts: string[]) => ts.filter((t) => access.redeem(t, ID) !== null).length;
    expect(live(flood.slice(-60, -50))).toBe(0);
    expect(live(flood.slice(-50))).toBe(50);
    expect(access.redeem(flood[0], ID)).toBeNull();
  });

  it('still drops the oldest tickets when many sessions fill the table together', () => {
    const access = new AppAccess('key');
    const first = access.issue({ ...grant, sessionHash: 's-first' });
    for (let i = 0; i < 10_000; i++) access.issue({ ...grant, sessionHash: `s-${i}` });
    expect(access.redeem(first, ID)).toBeNull();
    const last = access.issue({ ...grant, sessionHash: 's-last' });
    expect(access.redeem(last, ID)).not.toBeNull();
  });

  it('binds the cookie to its app and to the key', () => {
    const access = new AppAccess('key');
    const value = access.cookieValue(ID, grant.sessionHash);
    const with_ = (v: string) => ({ headers: { cookie: `hub-app=${v}` } }) as IncomingMessage;
    expect(access.sessionOf(with_(value), ID)).toBe(grant.sessionHash);
    expect(access.sessionOf(with_(value), 'b'.repeat(32))).toBeNull();
    expect(new AppAccess('other').sessionOf(with_(value), ID)).toBeNull();
    expect(access.sessionOf(with_(`${'x'.repeat(64)}.${value.split('.')[1]}`), ID)).toBeNull();
    expect(access.sessionOf(with_('garbage'), ID)).toBeNull();
  });
});
