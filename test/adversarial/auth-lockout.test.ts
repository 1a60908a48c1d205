import { bootHub, type TestHub } from '../helpers/hub';
import { Attacker, refusalOf } from './auth-attacker';

/**
 * Class 3: the lockout switch. Guessers on addresses of their own must not be able to make the
 * owner's right password answer 429 on the owner's browser or address, and must themselves stay
 * locked however they spread.
 */
describe('adversarial: lockout as a weapon (class 3)', () => {
  let th: TestHub;
  const pw = (name: string) => `${name}-password-3`;
  beforeAll(async () => {
    th = await bootHub({
      trust_proxy: true,
      login: {
        max_failures_per_user: 3,
        max_failures_per_address: 6,
        max_failures_per_user_total: 4,
        window_seconds: 600,
        lockout_seconds: 600,
      },
    });
    for (const name of ['owner1', 'owner2', 'owner3', 'mallory'])
      await th.hub.users.create(name, { password: pw(name) });
  });
  afterAll(() => th.close());

  /** The owner's browser, logged in once from their usual address. */
  async function ownerBrowser(name: string, address: string): Promise<Attacker> {
    const browser = new Attacker(th.url, address);
    expect((await browser.login(name, pw(name))).status).toBe(200);
    expect([...browser.cookies.keys()]).toEqual(expect.arrayContaining(['hub-device']));
    return browser;
  }

  /** Wrong passwords for `name`, one per fresh address; returns the statuses seen. */
  async function crowd(name: string, addresses: string[]): Promise<number[]> {
    const seen: number[] = [];
    for (const address of addresses)
      seen.push((await new Attacker(th.url, address).login(name, 'guess-guess')).status);
    return seen;
  }

  /** Only the known-browser cookie: a browser whose session has ended keeps it. */
  const deviceCookies = (c: Attacker) =>
    new Map([...c.cookies].filter(([k]) => k.startsWith('hub-device')));

  const range = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

  it('a crowd of addresses locks itself, not the owner on their browser or address', async () => {
    const browser = await ownerBrowser('owner1', '10.0.0.1');
    const statuses = await crowd('owner1', range('203.0.113.', 8));
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses.slice(4)).toEqual([429, 429, 429, 429]);

    // The guessers stay locked, even with the right password: a lock tells them nothing.
    const lucky = await new Attacker(th.url, '203.0.113.99').login('owner1', pw('owner1'));
    expect(lucky.status).toBe(429);
    expect(Number(lucky.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await refusalOf(lucky)).message).toMatch(/try again in \d+ seconds/);

    // The owner: their own browser from a new network, and their usual address without it.
    const travelling = new Attacker(th.url, '192.0.2.77');
    travelling.cookies = deviceCookies(browser);
    expect((await travelling.login('owner1', pw('owner1'))).status).toBe(200);
    expect((await new Attacker(th.url, '10.0.0.1').login('owner1', pw('owner1'))).status).toBe(200);
    // Nothing of theirs ended: the first session still works.
    expect((await browser.json('/api/v1/me')).status).toBe(200);
  });

  it('forged or borrowed known-browser cookies do not lift the lock', async () => {
    const mallory = await ownerBrowser('mallory', '203.0.113.60');
    expect(await crowd('owner2', range('198.51.100.', 4))).toEqual([401, 401, 401, 401]);
    const device = mallory.cookies.get('hub-device')!;
    const sig = mallory.cookies.get('hub-device.sig')!;
    const [id] = device.split('~');
    const tries: Array<[string, Map<string, string>]> = [
      ['mallory’s own browser', deviceCookies(mallory)],
      [
        'name swapped under her signature',
        new Map([
          ['hub-device', `${id}~owner2`],
          ['hub-device.sig', sig],
        ]),
      ],
      ['unsigned', new Map([['hub-device', `${id}~owner2`]])],
      [
        'signature of nothing',
        new Map([
          ['hub-device', `${id}~owner2`],
          ['hub-device.sig', 'x'],
        ]),
      ],
    ];
    for (const [what, cookies] of tries) {
      const a = new Attacker(th.url, '203.0.113.61');
      a.cookies = cookies;
      expect({ what, status: (await a.login('owner2', pw('owner2'))).status }).toEqual({
        what,
        status: 429,
      });
    }
  });

  it('one address guessing one name is locked; one address spraying names is locked', async () => {
    await ownerBrowser('owner3', '10.0.0.3');
    const single = new Attacker(th.url, '203.0.113.100');
    for (let i = 0; i < 3; i++)
      expect((await single.login('owner3', 'guess-guess')).status).toBe(401);
    const locked = await single.login('owner3', pw('owner3'));
    expect(locked.status).toBe(429);
    expect((await refusalOf(locked)).message).toMatch(/this name from your address/);
    // ... which does not touch the owner elsewhere.
    expect((await new Attacker(th.url, '10.0.0.3').login('owner3', pw('owner3'))).status).toBe(200);

    const sprayer = new Attacker(th.url, '203.0.113.101');
    for (let i = 0; i < 6; i++)
      expect((await sprayer.login(`nobody${i}`, 'guess-guess')).status).toBe(401);
    const spray = await sprayer.login('owner3', pw('owner3'));
    expect(spray.status).toBe(429);
    expect((await refusalOf(spray)).message).toMatch(/from your address/);
  });
});
