import { safeNext as portalSafeNext } from '../../frontend/src/data/urls';
import { DEFAULT_NEXT, safeNext } from '../../server/auth/safe-next';
import { bootHub, type TestHub } from '../helpers/hub';
import { Attacker } from './auth-attacker';

/**
 * Class 1: `next` after login. An attacker crafts a login link whose `next` looks like a path
 * but becomes another origin once a browser resolves it (dot segments, encoded dots, extra
 * slashes, backslashes, tabs and newlines, encoded slashes, look-alike characters). What they
 * observe is the Location of the 302 and where a browser goes with it.
 */
const HUB = 'https://hub.example';

/** Where a browser on the hub's login page goes with `Location: <location>`. */
const landing = (location: string) => new URL(location, `${HUB}/login`);

/** Payload builder: every way we know to spell "go to //evil.example" and its neighbours. */
function payloads(): string[] {
  const hosts = ['evil.example', 'evil.example/x?y=1#z', '@evil.example', 'evil.example:443'];
  const slashes = ['//', '\\\\', '/\\', '\\/', '/%2f', '/%5c', '%2f%2f', '/\t/', '/\n/', '/\r/'];
  const detours = [
    '',
    '/.',
    '/./',
    '/..',
    '/../',
    '/%2e',
    '/%2e/',
    '/%2E%2E/',
    '/.%2e/',
    '/a/..',
    '/a/../',
    '/a/%2e%2e/',
    '/hub/../..',
    '/%2e%2e%2f',
    '/.%00/',
    '/\u3002/',
    '/\uff0f',
    '/\u2215',
  ];
  const out = new Set<string>();
  for (const d of detours)
    for (const s of slashes) for (const h of hosts) out.add(`${d}${s}${h}`.replace(/^\/\//, '//'));
  for (const h of hosts) {
    out.add(`https://${h}`);
    out.add(`http:${h}`);
    out.add(`//${h}`);
    out.add(` /${h}`);
    out.add(`javascript:alert(1)//${h}`);
    out.add(`data:text/html,${h}`);
  }
  return [...out];
}

describe('adversarial: open redirect through next (class 1)', () => {
  const all = payloads();

  it(`no payload of ${all.length} leaves the hub, on the server rule or the portal's`, () => {
    const escaped: string[] = [];
    for (const p of all) {
      for (const [rule, out] of [
        ['server', safeNext(p)],
        ['portal', portalSafeNext(p)],
      ] as const) {
        const target = landing(out);
        if (target.origin !== HUB || !/^\/(?![/\\])/.test(out))
          escaped.push(`${rule}: ${JSON.stringify(p)} -> ${out}`);
      }
    }
    expect(escaped).toEqual([]);
  });

  describe('through the real login form', () => {
    let th: TestHub;
    beforeAll(async () => {
      th = await bootHub({ trust_proxy: true });
      await th.hub.users.create('victim', { password: 'victim-password-1' });
    });
    afterAll(() => th.close());

    // One form login per payload costs an argon2 verification: a sample of each family.
    const sample = [
      '/.//evil.example',
      '/./\\evil.example',
      '/%2e//evil.example',
      '/%2E%2E//evil.example',
      '/.%2e//evil.example',
      '/a/..//evil.example',
      '/a/%2e%2e//evil.example',
      '/hub/../..//evil.example',
      '/a/..\\evil.example',
      '/.\t//evil.example',
      '/./\n/evil.example',
      '/%2f%2fevil.example',
      '/\uff0f/evil.example',
      '//evil.example',
      '/\\evil.example',
      'https://evil.example',
    ];

    it.each(sample)('%j: 302 to a path on the hub, never off it', async (next) => {
      const res = await new Attacker(th.url, '198.51.100.1').formLogin(
        'victim',
        'victim-password-1',
        next,
      );
      expect(res.status).toBe(302);
      const location = res.headers.get('location')!;
      expect(new URL(location, th.url).origin).toBe(new URL(th.url).origin);
      expect(location).toMatch(/^\/(?![/\\])/);
      expect(location).toBe(safeNext(next));
    });

    it('keeps an honest next, normalised', async () => {
      const res = await new Attacker(th.url, '198.51.100.2').formLogin(
        'victim',
        'victim-password-1',
        '/hub/../hub/account?tab=tokens',
      );
      expect(res.headers.get('location')).toBe('/hub/account?tab=tokens');
      expect(safeNext('/hub/%2e%2e//x')).toBe(DEFAULT_NEXT);
    });
  });
});
