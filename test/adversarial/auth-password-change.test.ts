import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { refusalOf } from './auth-attacker';

/**
 * Class 7: a password change must be able to end everything the old password opened. Whoever
 * stole the password may have made an API token with it; the owner changing the password asks
 * for all tokens to go (the portal's default), an admin or CLI reset always ends them.
 */
describe('adversarial: API tokens after a password change (class 7)', () => {
  let th: TestHub;
  beforeAll(async () => {
    th = await bootHub();
  });
  afterAll(() => th.close());

  async function tokenOf(owner: Client): Promise<Client> {
    const made = await owner.json<{ token: string }>('/api/v1/tokens', {
      method: 'POST',
      json: {},
    });
    expect(made.status).toBe(201);
    const api = th.client();
    api.bearer = made.body.token;
    return api;
  }
  const status = async (c: Client) => (await c.json('/api/v1/me')).status;

  it('refused changes change nothing: wrong current password, bad revoke_tokens', async () => {
    const browser = await th.userClient('rita', 'rita-password-1');
    const api = await tokenOf(browser);
    for (const [body, reason] of [
      [
        { current_password: 'not-it-at-all', new_password: 'rita-password-2', revoke_tokens: true },
        /current_password/,
      ],
      [
        {
          current_password: 'rita-password-1',
          new_password: 'rita-password-2',
          revoke_tokens: 'yes',
        },
        /revoke_tokens/,
      ],
      [
        { current_password: 'rita-password-1', new_password: 'short', revoke_tokens: true },
        /at least 8/,
      ],
      [
        { current_password: 'rita-password-1', new_password: 'rita-password-2', extra: 1 },
        /extra|unrecognized/i,
      ],
    ] as const) {
      const res = await browser.fetch('/api/v1/me/password', { method: 'POST', json: body });
      expect(res.status).toBe(400);
      expect((await refusalOf(res)).message).toMatch(reason);
    }
    expect(await status(browser)).toBe(200);
    expect(await status(api)).toBe(200);
    expect((await th.client().login('rita', 'rita-password-1')).status).toBe(200);
  });

  it('a forged cross-site change is refused and changes nothing', async () => {
    const browser = await th.userClient('walt', 'walt-password-1');
    const api = await tokenOf(browser);
    const body = {
      current_password: 'walt-password-1',
      new_password: 'walt-password-2',
      revoke_tokens: true,
    };
    const form = new URLSearchParams({
      current_password: body.current_password,
      new_password: body.new_password,
      _csrf: 'guessed',
    }).toString();
    const forged: Array<[string, RequestInit & { json?: unknown }]> = [
      ['no CSRF token', { headers: { 'x-csrf-token': '' }, json: body }],
      ['wrong CSRF token', { headers: { 'x-csrf-token': 'x'.repeat(43) }, json: body }],
      ['cross-site fetch', { headers: { 'sec-fetch-site': 'cross-site' }, json: body }],
      ['same-site (an app origin)', { headers: { 'sec-fetch-site': 'same-site' }, json: body }],
      ['foreign Origin', { headers: { origin: 'https://evil.example' }, json: body }],
      ['opaque Origin', { headers: { origin: 'null' }, json: body }],
      [
        'cross-site form',
        {
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-csrf-token': '',
            'sec-fetch-site': 'cross-site',
          },
          body: form,
        },
      ],
    ];
    for (const [what, init] of forged) {
      const res = await browser.fetch('/api/v1/me/password', { method: 'POST', ...init });
      expect({ what, status: res.status }).toEqual({ what, status: 403 });
      await refusalOf(res);
    }
    expect([await status(browser), await status(api)]).toEqual([200, 200]);
    expect((await th.client().login('walt', 'walt-password-1')).status).toBe(200);
  });

  it('the owner chooses: tokens live on by default in the API, and go with revoke_tokens', async () => {
    const browser = await th.userClient('sam', 'sam-password-1');
    const other = await th.loginAs('sam', 'sam-password-1');
    const api = await tokenOf(browser);
    const keep = await browser.fetch('/api/v1/me/password', {
      method: 'POST',
      json: { current_password: 'sam-password-1', new_password: 'sam-password-2' },
    });
    expect(keep.status).toBe(204);
    expect(await status(browser)).toBe(401);
    expect(await status(other)).toBe(401);
    expect(await status(api)).toBe(200);

    const again = await th.loginAs('sam', 'sam-password-2');
    const second = await tokenOf(again);
    const revoke = await again.fetch('/api/v1/me/password', {
      method: 'POST',
      json: {
        current_password: 'sam-password-2',
        new_password: 'sam-password-3',
        revoke_tokens: true,
      },
    });
    expect(revoke.status).toBe(204);
    expect([await status(api), await status(second), await status(again)]).toEqual([401, 401, 401]);
    expect((await again.json<unknown[]>('/api/v1/tokens')).status).toBe(401);
  });

  it('a stolen token cannot outlive the owner’s change made with that very token', async () => {
    const browser = await th.userClient('tom', 'tom-password-1');
    const api = await tokenOf(browser);
    const res = await api.fetch('/api/v1/me/password', {
      method: 'POST',
      json: {
        current_password: 'tom-password-1',
        new_password: 'tom-password-2',
        revoke_tokens: true,
      },
    });
    expect(res.status).toBe(204);
    expect(await status(api)).toBe(401);
  });

  it('an admin reset ends every session and token of the user', async () => {
    const browser = await th.userClient('uma', 'uma-password-1');
    const api = await tokenOf(browser);
    const admin = await th.loginAs(ADMIN.name, ADMIN.password);
    const reset = await admin.json('/api/v1/admin/users/uma', {
      method: 'PATCH',
      json: { password: 'uma-password-2' },
    });
    expect(reset.status).toBe(200);
    expect([await status(browser), await status(api)]).toEqual([401, 401]);
    expect(await status(admin)).toBe(200);
  });

  it('a CLI reset-password ends every session and token of the user', async () => {
    const browser = await th.userClient('vic', 'vic-password-1');
    const api = await tokenOf(browser);
    const run = spawnSync(
      path.join(__dirname, '..', '..', 'bin', 'hub'),
      ['user', 'reset-password', 'vic'],
      {
        input: 'vic-password-2\n',
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HUB_DATA_DIR: th.dataDir },
      },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/1 API token\(s\) revoked/);
    // The running hub caches a verified credential for 5 s; past that the reset applies.
    await new Promise((r) => setTimeout(r, 5500));
    expect([await status(browser), await status(api)]).toEqual([401, 401]);
  });
});
