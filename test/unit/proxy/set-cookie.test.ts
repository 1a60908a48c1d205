import { cookieNameSet, rewriteSetCookie, stripCookies } from '../../../server/proxy/set-cookie';

const PREFIX = '/user/alice/containers/abc/';
const HUB = cookieNameSet(['hub-session', 'hub-session.sig']);
const rewrite = (...values: string[]) => rewriteSetCookie(values, PREFIX, HUB);

describe('rewriteSetCookie', () => {
  it('adds the container prefix as Path when none is given', () => {
    expect(rewrite('a=1')).toEqual([`a=1; Path=${PREFIX}`]);
  });

  it('keeps a Path inside the prefix', () => {
    expect(rewrite(`a=1; Path=${PREFIX}lab; HttpOnly`)).toEqual([
      `a=1; Path=${PREFIX}lab; HttpOnly`,
    ]);
    expect(rewrite(`a=1; path=/user/alice/containers/abc`)).toEqual([
      'a=1; Path=/user/alice/containers/abc',
    ]);
  });

  it.each([
    'a=1; Path=/',
    'a=1; Path=/user/alice/',
    'a=1; Path=/user/alice/containers/abcd/',
    'a=1; Path=/user/bob/containers/abc/',
    'a=1; Path=',
    'a=1; Path',
    `a=1; Path=${PREFIX}; Path=/`,
  ])('forces a Path outside the prefix back into it: %s', (value) => {
    expect(rewrite(value)).toEqual([`a=1; Path=${PREFIX}`]);
  });

  it('drops every Domain attribute and keeps the other attributes', () => {
    expect(
      rewrite('a=1; Domain=example.org; Secure; domain=.evil.test; SameSite=Lax; Max-Age=60'),
    ).toEqual([`a=1; Path=${PREFIX}; Secure; SameSite=Lax; Max-Age=60`]);
  });

  it.each([
    'hub-session=x',
    'HUB-SESSION=x; Path=/',
    ' hub-session.sig =y',
    '__Host-hub-session=x; Path=/; Secure',
    '__SECURE-Hub-Session.sig=x; Secure',
    'x',
    '=x',
    ' = x',
  ])('never lets a container set a hub cookie or a nameless one: %s', (value) => {
    expect(rewrite(value)).toEqual([]);
  });

  it('takes a lone Set-Cookie given as a string, not as its characters', () => {
    expect(rewriteSetCookie('a=1; Path=/; Domain=x.test', PREFIX, HUB)).toEqual([
      `a=1; Path=${PREFIX}`,
    ]);
    expect(rewriteSetCookie('hub-session=evil', PREFIX, HUB)).toEqual([]);
  });

  it('handles several cookies independently', () => {
    expect(rewrite('a=1', 'hub-session=evil', 'b=2; Path=/')).toEqual([
      `a=1; Path=${PREFIX}`,
      `b=2; Path=${PREFIX}`,
    ]);
  });
});

describe('stripCookies', () => {
  it('removes hub cookies and keeps the app cookies', () => {
    expect(stripCookies('a=1; hub-session=s; hub-session.sig=t; b=2', HUB)).toBe('a=1; b=2');
    expect(stripCookies('Hub-Session=s;b=2', HUB)).toBe('b=2');
    expect(stripCookies('__Host-hub-session=s; a=1', HUB)).toBe('a=1');
  });

  it('returns undefined when nothing is left', () => {
    expect(stripCookies('hub-session=s; hub-session.sig=t', HUB)).toBeUndefined();
    expect(stripCookies('', HUB)).toBeUndefined();
  });
});
