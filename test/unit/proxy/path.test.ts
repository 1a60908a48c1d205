import {
  canonicalize,
  encodeSegment,
  isProxyUrl,
  MalformedPath,
  parseProxyPath,
} from '../../../server/proxy/path';

const ID = '0123456789abcdef0123456789abcdef';
const ALICE = `/user/alice/containers/${ID}/`;

describe('parseProxyPath', () => {
  it('parses the prefix, the rest and keeps the raw query', () => {
    const p = parseProxyPath(`${ALICE}lab/tree?a=1&b=%20`);
    expect(p).toEqual({
      user: 'alice',
      urlId: ID,
      prefix: ALICE,
      rest: 'lab/tree',
      url: `${ALICE}lab/tree?a=1&b=%20`,
      query: '?a=1&b=%20',
      bare: false,
    });
  });

  it('marks the prefix without its trailing slash as bare', () => {
    expect(parseProxyPath(`/user/alice/containers/${ID}`)).toMatchObject({ bare: true, rest: '' });
    expect(parseProxyPath(ALICE)).toMatchObject({ bare: false, rest: '' });
  });

  it('returns null outside /user/<name>/containers/<url_id>', () => {
    for (const url of [
      '/',
      '/user/',
      '/user/alice',
      '/user/alice/containers',
      '/user/alice/x/id/',
      '/hub/',
      'user/alice/containers/x/',
      `http://h/user/alice/containers/${ID}/`,
    ])
      expect(parseProxyPath(url)).toBeNull();
  });

  // Each vector tries to reach bob's container while looking like alice's, or the reverse.
  it.each([
    [`${ALICE}../../../bob/containers/${ID}/`, 'bob'],
    [`${ALICE}%2e%2e/%2E%2E/%2e%2E/bob/containers/${ID}/x`, 'bob'],
    [`${ALICE}.%2e/.%2E/.%2e/bob/containers/${ID}/`, 'bob'],
    [`/user/bob/../alice/containers/${ID}/`, 'alice'],
    [`/user/bob/./../alice/containers/${ID}/`, 'alice'],
    [`${ALICE}..\\..\\..\\bob\\containers\\${ID}\\`, 'bob'],
    [`//user//alice///containers/${ID}//x`, 'alice'],
    [`/user/../../../user/alice/containers/${ID}/`, 'alice'],
  ])('resolves %s to one canonical owner', (url, owner) => {
    const p = parseProxyPath(url);
    expect(p?.user).toBe(owner);
    // What is forwarded is exactly the canonical form: no dot segments, no empty segments.
    expect(p?.url).not.toMatch(/\/\.\.?(\/|$)|\/\/|\\/);
    expect(p?.url.startsWith(p!.prefix)).toBe(true);
  });

  it('keeps an encoded slash inside its segment, so it cannot form a prefix', () => {
    expect(parseProxyPath(`/user/alice%2fcontainers%2f${ID}/x`)).toBeNull();
    const p = parseProxyPath(`/user/bob%2F..%2Falice/containers/${ID}/`);
    expect(p?.user).toBe('bob/../alice');
    expect(p?.prefix).toBe(`/user/bob%2F..%2Falice/containers/${ID}/`);
    expect(parseProxyPath(`${ALICE}a%2Fb`)?.rest).toBe('a%2Fb');
    expect(parseProxyPath(`${ALICE}a%5Cb`)?.rest).toBe('a%5Cb');
  });

  it('decodes exactly once', () => {
    // %252e%252e is the text "%2e%2e", not a dot segment.
    const p = parseProxyPath(`${ALICE}%252e%252e/x`);
    expect(p?.rest).toBe('%252e%252e/x');
    expect(parseProxyPath(`/user/%61lice/containers/${ID}/`)?.user).toBe('alice');
  });

  it.each(['%', '%zz', '%4', `%c0%af`, '%e2%82', '%ff', '%ed%a0%80'])(
    'rejects the malformed escape %s',
    (bad) => {
      expect(() => parseProxyPath(`${ALICE}${bad}/x`)).toThrow(MalformedPath);
      expect(() => parseProxyPath(`/user/${bad}/containers/${ID}/`)).toThrow(MalformedPath);
    },
  );

  it('round-trips unusual but valid characters', () => {
    const p = parseProxyPath(`${ALICE}caf%C3%A9/a%20b/%23x/%3Fy/%25/%F0%9F%98%80`);
    expect(p?.rest).toBe('caf%C3%A9/a%20b/%23x/%3Fy/%25/%F0%9F%98%80');
  });
});

describe('canonicalize', () => {
  it('keeps trailing slashes and resolves a final dot segment to a directory', () => {
    expect(canonicalize('/a/b/').path).toBe('/a/b/');
    expect(canonicalize('/a/b/.').path).toBe('/a/b/');
    expect(canonicalize('/a/b/..').path).toBe('/a/');
    expect(canonicalize('/..').path).toBe('/');
    expect(canonicalize('/a/b').path).toBe('/a/b');
  });
});

describe('encodeSegment', () => {
  it('escapes separators, the escape char and the path percent-encode set only', () => {
    expect(encodeSegment('a/b\\c%d?e#f g')).toBe('a%2Fb%5Cc%25d%3Fe%23f%20g');
    expect(encodeSegment("a:b@c!$&'()*+,;=~._-")).toBe("a:b@c!$&'()*+,;=~._-");
  });
});

describe('isProxyUrl', () => {
  it('claims every spelling of /user/ and nothing else', () => {
    expect(isProxyUrl('/user/alice/')).toBe(true);
    expect(isProxyUrl('//user/alice/')).toBe(true);
    expect(isProxyUrl('/%75ser/alice/')).toBe(true);
    expect(isProxyUrl('/hub/../user/alice/')).toBe(true);
    expect(isProxyUrl('\\user\\alice')).toBe(false); // not origin-form
    expect(isProxyUrl('/hub/')).toBe(false);
    expect(isProxyUrl('/api/v1/me')).toBe(false);
    expect(isProxyUrl('/user')).toBe(false);
    expect(isProxyUrl('/users/x')).toBe(false);
    expect(isProxyUrl('/%zz/user/')).toBe(false);
    expect(isProxyUrl(undefined)).toBe(false);
  });
});

describe('canonicalize on already-canonical paths', () => {
  it.each([
    ['/', []],
    ['/a', ['a']],
    ['/a/', ['a']],
    ['/a/b.c/d~e/', ['a', 'b.c', 'd~e']],
    ["/a/b!$&'()*+,;=:@/", ['a', "b!$&'()*+,;=:@"]],
    ['/a/.../b', ['a', '...', 'b']],
  ])('returns %s unchanged', (p, segments) => {
    expect(canonicalize(`${p}?q=1`)).toEqual({ path: p, segments, query: '?q=1' });
  });

  it('still resolves dot segments made of plain characters', () => {
    expect(canonicalize('/a/./b/../c').path).toBe('/a/c');
  });
});
