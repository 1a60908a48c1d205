import type { IncomingMessage } from 'node:http';
import Cookies from 'cookies';
import Keygrip from 'keygrip';
import { cookieValue, SESSION_COOKIE, sessionCookieReader } from '../../../server/auth/cookies';

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
      `${signed('first')}; ${signed('second')}`,
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

describe('cookieValue', () => {
  it('matches whole names only and keeps the first of duplicates', () => {
    expect(cookieValue('ahub=1; hub=2; hub=3', 'hub')).toBe('2');
    expect(cookieValue('a=1;b = 2 ', 'b')).toBe('2');
    expect(cookieValue('a=1', 'b')).toBeUndefined();
  });
});
