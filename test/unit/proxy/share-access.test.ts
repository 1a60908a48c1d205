import type { IncomingMessage } from 'node:http';
import { ShareAccess } from '../../../server/shares/share-access';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const SHARE = '0123456789abcdef0123456789abcdef';
const reqWith = (cookie: string) => ({ headers: { cookie } }) as unknown as IncomingMessage;
const pair = (setCookie: string) => setCookie.split(';')[0];

describe('ShareAccess cookies', () => {
  const access = new ShareAccess('k'.repeat(64));

  it('reads back what it set, for that app origin only', () => {
    const c = pair(access.setCookie(A, { shareId: SHARE, sessionHash: 'h1' }, false));
    expect(access.read(reqWith(c), A)).toEqual({ shareId: SHARE, sessionHash: 'h1' });
    expect(access.read(reqWith(c), B)).toBeNull();
  });

  it('keeps an anonymous viewer anonymous', () => {
    const c = pair(access.setCookie(A, { shareId: SHARE, sessionHash: null }, true));
    expect(c.startsWith('__Host-hub-share=')).toBe(true);
    expect(access.read(reqWith(c), A)).toEqual({ shareId: SHARE, sessionHash: null });
  });

  it.each([
    ['another share id', (v: string) => v.replace(SHARE, 'f'.repeat(32))],
    ['another session', (v: string) => v.replace('.h1.', '.h2.')],
    ['an anonymous binding', (v: string) => v.replace('.h1.', '.-.')],
    ['a cut MAC', (v: string) => v.slice(0, -2)],
    ['an extra part', (v: string) => `${v}.x`],
  ])('refuses a cookie edited to %s', (_what, edit) => {
    const c = pair(access.setCookie(A, { shareId: SHARE, sessionHash: 'h1' }, false));
    expect(access.read(reqWith(edit(c)), A)).toBeNull();
  });

  it('refuses a cookie made with another key', () => {
    const other = new ShareAccess('z'.repeat(64));
    const c = pair(other.setCookie(A, { shareId: SHARE, sessionHash: 'h1' }, false));
    expect(access.read(reqWith(c), A)).toBeNull();
  });
});

describe('ShareAccess tickets', () => {
  it('redeem once, on their app origin, within a minute', () => {
    let now = 1_000;
    const access = new ShareAccess('k'.repeat(64), () => now);
    const t = { shareId: SHARE, urlId: A, sessionHash: null, next: '/x' };
    const one = access.issue(t);
    expect(access.redeem(one, B)).toBeNull();
    expect(access.redeem(one, A)).toBeNull();
    const two = access.issue(t);
    expect(access.redeem(two, A)).toEqual(t);
    expect(access.redeem(two, A)).toBeNull();
    const three = access.issue(t);
    now += 60_000;
    expect(access.redeem(three, A)).toBeNull();
  });
});
