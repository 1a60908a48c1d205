import type { IncomingMessage } from 'node:http';
import Cookies from 'cookies';
import Keygrip from 'keygrip';
import {
  cookieValue,
  HUB_COOKIE_NAMES,
  SESSION_COOKIE,
  sessionCookieReader,
} from '../../../server/auth/cookies';

const KEYS = ['current-key', 'older-key'];

const request = (cookie?: string) =>
  ({ headers: { cookie }, socket: { encrypted: false } }) as unknown as IncomingMessage;
const signed = (value: string, key = KEYS[0]) =>
  `${SESSION_COOKIE}=${value}; ${SESSION_COOKIE}.sig=${new Keygrip([key]).sign(`${SESSION_COOKIE}=${value}`)}`;

describe('sessionCookieReader', () => {
  const readSessionCookie = (req: IncomingMessage, keys: string[]) =>
    sessionCookieReader(keys)(req);

  it('accepts what Koa’s cookies signs, under the current or an older key', () => {
    expect(readSessionCookie(request(signed('abc_-123')), KEYS)).toBe('abc_-123');
    expect(readSessionCookie(request(signed('abc_-123', 'older-key')), KEYS)).toBe('abc_-123');
  });

  it('agrees with the cookies package on every case', () => {
    const headers = [
      signed('v1'),
      `other=1; ${signed('v2')}; last=2`,
      signed('v3', 'unknown-key'),
      `${SESSION_COOKIE}=tampered; ${signed('v4').split('; ')[1]}`,
      `${SESSION_COOKIE}=v5`,
      `x${signed('v6')}`,
      '',
    ];
    for (const cookie of headers) {
      // A response is needed: cookies re-signs or clears the signature when it reads a stale one.
      const response = { getHeader: () => undefined, setHeader: () => undefined };
      const jar = new Cookies(request(cookie), response as never, { keys: KEYS });
      expect({ cookie, ours: readSessionCookie(request(cookie), KEYS) }).toEqual({
        cookie,
        ours: jar.get(SESSION_COOKIE, { signed: true }),
      });
    }
  });

  it('takes no session from a header with two, whichever is valid (a tossed cookie)', () => {
    // A page on a sibling host sets its own valid session with Domain= and a longer Path, so
    // the browser sends it first; the owner's follows. Neither is taken (not the first, as the
    // cookies package would).
    const read = sessionCookieReader(KEYS);
    expect(read(request(`${signed('mallory')}; ${signed('alice')}`))).toBeUndefined();
    expect(read(request(`${signed('alice')}; ${signed('mallory')}`))).toBeUndefined();
    expect(read(request(`${signed('alice')}; ${SESSION_COOKIE}=junk`))).toBeUndefined();
    expect(read(request(`${signed('alice')}; ${SESSION_COOKIE}.sig=junk`))).toBeUndefined();
    // The owner's alone, next to unrelated cookies of similar names, is still read.
    expect(read(request(`${SESSION_COOKIE}x=1; ${signed('alice')}; x${SESSION_COOKIE}=2`))).toBe(
      'alice',
    );
  });

  it('remembers a verified pair without ever accepting a different value under it', () => {
    const read = sessionCookieReader(KEYS);
    const good = signed('remembered');
    expect(read(request(good))).toBe('remembered');
    expect(read(request(good))).toBe('remembered');
    const swapped = good.replace('=remembered;', '=other;');
    expect(read(request(swapped))).toBeUndefined();
  });

  it('is undefined without a Cookie header', () => {
    expect(readSessionCookie(request(undefined), KEYS)).toBeUndefined();
  });
});

describe('the __Host- session cookie over https', () => {
  const hostSigned = (value: string) => {
    const name = `__Host-${SESSION_COOKIE}`;
    return `${name}=${value}; ${name}.sig=${new Keygrip([KEYS[0]]).sign(`${name}=${value}`)}`;
  };
  const tls = (cookie: string, headers: Record<string, string> = {}) =>
    ({
      headers: { cookie, ...headers },
      socket: { encrypted: true },
    }) as unknown as IncomingMessage;

  it('is the only name read over https, so a plain hub-session set by a sibling host is ignored', () => {
    const read = sessionCookieReader(KEYS);
    expect(read(tls(hostSigned('good')))).toBe('good');
    expect(read(tls(signed('planted')))).toBeUndefined();
    expect(read(tls(`${signed('planted')}; ${hostSigned('good')}`))).toBe('good');
    // Over plain http the browser never sends a __Host- cookie: the plain name is read.
    expect(read(request(signed('plain')))).toBe('plain');
    expect(read(request(hostSigned('x')))).toBeUndefined();
  });

  it('follows X-Forwarded-Proto only when the proxy is trusted, as Koa does', () => {
    const viaProxy = (cookie: string) =>
      ({
        headers: { cookie, 'x-forwarded-proto': 'https, http' },
        socket: { encrypted: false },
      }) as unknown as IncomingMessage;
    const trusted = sessionCookieReader(KEYS, { cookieSecure: 'auto', trustProxy: true });
    const untrusted = sessionCookieReader(KEYS, { cookieSecure: 'auto', trustProxy: false });
    expect(trusted(viaProxy(hostSigned('a')))).toBe('a');
    expect(untrusted(viaProxy(signed('b')))).toBe('b');
    const always = sessionCookieReader(KEYS, { cookieSecure: 'always', trustProxy: false });
    expect(always(request(hostSigned('c')))).toBe('c');
  });

  it('lists every spelling of every hub cookie for the proxy to strip', () => {
    for (const base of ['hub-session', 'hub-device'])
      for (const name of [base, `__Host-${base}`])
        expect(HUB_COOKIE_NAMES).toEqual(expect.arrayContaining([name, `${name}.sig`]));
  });
});

describe('cookieValue', () => {
  it('matches whole names only and keeps the first of duplicates', () => {
    expect(cookieValue('ahub=1; hub=2; hub=3', 'hub')).toBe('2');
    expect(cookieValue('a=1;b = 2 ', 'b')).toBe('2');
    expect(cookieValue('a=1', 'b')).toBeUndefined();
  });
});
