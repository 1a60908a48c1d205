import { bootHub, type TestHub } from '../helpers/hub';
import { Attacker, refusalOf } from './auth-attacker';

/**
 * Class 2: credentials from anywhere but the body. passport-local reads the query string for a
 * field the body lacks, while the limiter counts the body's name: a locked account used to log
 * in through `POST /login?username=..&password=..`. Every such shape must be refused with a
 * reason, set no cookie, and leave the account as it was.
 */
describe('adversarial: credentials outside the body (class 2)', () => {
  let th: TestHub;
  const PASSWORD = 'victim-password-2';
  beforeAll(async () => {
    th = await bootHub({
      trust_proxy: true,
      login: { max_failures_per_user: 3, max_failures_per_address: 50, lockout_seconds: 600 },
    });
    await th.hub.users.create('victim', { password: PASSWORD });
  });
  afterAll(() => th.close());

  const q = (fields: Record<string, string>) => `?${new URLSearchParams(fields).toString()}`;
  const shapes: Array<[string, (a: Attacker) => Promise<Response>]> = [
    [
      'JSON {} + query',
      (a) =>
        a.fetch(`/login${q({ username: 'victim', password: PASSWORD })}`, {
          method: 'POST',
          json: {},
        }),
    ],
    [
      'JSON name + query password',
      (a) =>
        a.fetch(`/login${q({ password: PASSWORD })}`, {
          method: 'POST',
          json: { username: 'victim' },
        }),
    ],
    [
      'JSON empty fields + query',
      (a) =>
        a.fetch(`/login${q({ username: 'victim', password: PASSWORD })}`, {
          method: 'POST',
          json: { username: '', password: '' },
        }),
    ],
    [
      'form empty + query',
      (a) => a.formLogin('', '', undefined, q({ username: 'victim', password: PASSWORD })),
    ],
    [
      'form name + query password',
      (a) => a.formLogin('victim', '', undefined, q({ password: PASSWORD })),
    ],
    [
      'no body + query',
      (a) => a.fetch(`/login${q({ username: 'victim', password: PASSWORD })}`, { method: 'POST' }),
    ],
    [
      'text body + query',
      (a) =>
        a.fetch(`/login${q({ username: 'victim', password: PASSWORD })}`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'x',
        }),
    ],
  ];

  it.each(shapes)('%s: 400 with a reason, no session, nothing changed', async (_, send) => {
    const before = await th.hub.users.get('victim');
    const a = new Attacker(th.url, '203.0.113.9');
    const res = await send(a);
    expect(res.status).toBe(400);
    expect((await refusalOf(res)).message).toMatch(/request body/);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect((await a.json('/api/v1/me')).status).toBe(401);
    expect((await th.hub.users.get('victim')).last_login_at).toEqual(before.last_login_at);
  });

  it('a locked account stays locked: the query string is no way around the limiter', async () => {
    const a = new Attacker(th.url, '203.0.113.10');
    for (let i = 0; i < 3; i++)
      expect((await a.login('victim', 'wrong-password')).status).toBe(401);
    expect((await a.login('victim', PASSWORD)).status).toBe(429);
    for (const [, send] of shapes) {
      const res = await send(a);
      expect(res.status).toBe(400);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    expect((await a.login('victim', PASSWORD)).status).toBe(429);
    expect((await a.json('/api/v1/me')).status).toBe(401);
  });

  it.each([
    ['arrays', { username: ['victim'], password: [PASSWORD] }],
    ['objects', { username: { $ne: null }, password: { $gt: '' } }],
    ['numbers', { username: 1, password: 12345678 }],
    ['null', { username: null, password: null }],
  ])('non-string fields (%s) are wrong credentials, never a 5xx', async (kind, body) => {
    const a = new Attacker(th.url, `203.0.113.${20 + kind.length}`);
    const res = await a.fetch('/login', { method: 'POST', json: body });
    expect(res.status).toBe(401);
    expect((await refusalOf(res)).code).toBe('invalid_credentials');
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('a repeated form field is not a way in either', async () => {
    const a = new Attacker(th.url, '203.0.113.12');
    const res = await a.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `username=victim&username=victim&password=${PASSWORD}&password=${PASSWORD}`,
    });
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie()).toEqual([]);
  });
});
