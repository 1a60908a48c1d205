import type { AddressInfo } from 'node:net';
import bodyParser from '@koa/bodyparser';
import Koa from 'koa';
import type { UserRow } from '../../../server/db/entities';
import { authenticatePassword, passwordPassport } from '../../../server/auth/local-strategy';

/**
 * The password sign-in runs through passport-local: its verify gets the body's credentials
 * only (never the query string passport-local would fall back to), and its answer (user and
 * the authenticator that knew them, no user, or an error) reaches the route unchanged.
 */

const seen: Array<[string, string]> = [];
const USER = { id: 7, name: 'olga' } as UserRow;
const hubPassport = passwordPassport(async (username, password) => {
  seen.push([username, password]);
  if (password === 'boom') throw new Error('directory unreachable');
  return username === 'olga' && password === 'right' ? { user: USER, via: 'ldap' } : null;
});

const app = new Koa();
app.use(bodyParser());
app.use(async (ctx) => {
  try {
    const found = await authenticatePassword(hubPassport, ctx);
    ctx.body = found ? { name: found.user.name, via: found.via } : { name: null };
  } catch (err) {
    ctx.body = { error: (err as Error).message };
  }
});
const server = app.listen(0, '127.0.0.1');
beforeAll(() => new Promise((resolve) => server.once('listening', resolve)));
const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => (seen.length = 0));

const post = async (query: string, body: unknown) =>
  (
    await fetch(`${url()}/login${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  ).json();

it('signs in with the body credentials and says which authenticator knew them', async () => {
  expect(await post('', { username: 'olga', password: 'right' })).toEqual({
    name: 'olga',
    via: 'ldap',
  });
  expect(seen).toEqual([['olga', 'right']]);
});

it('answers no user for wrong credentials', async () => {
  expect(await post('', { username: 'olga', password: 'wrong' })).toEqual({ name: null });
});

it('never reads credentials from the query string', async () => {
  expect(await post('?username=olga&password=right', {})).toEqual({ name: null });
  expect(await post('?password=right', { username: 'olga' })).toEqual({ name: null });
  expect(seen).toEqual([]);
});

it('passes a failing authenticator’s error on', async () => {
  expect(await post('', { username: 'olga', password: 'boom' })).toEqual({
    error: 'directory unreachable',
  });
});
