import { DEFAULT_NEXT, safeNext } from '../../../server/auth/safe-next';

/** Where a browser at https://hub.example/login goes with `Location: <value>`. */
function browserTarget(location: string): URL {
  return new URL(location, 'https://hub.example/login');
}

describe('safeNext', () => {
  it.each([
    ['/hub/launcher', '/hub/launcher'],
    ['/user/alice/containers/abc/?a=1#x', '/user/alice/containers/abc/?a=1#x'],
    ['/hub/../hub/launcher', '/hub/launcher'],
    ['/hub/%2e%2e/hub/admin', '/hub/admin'],
    ['/hub/launcher?next=//evil.example', '/hub/launcher?next=//evil.example'],
  ])('keeps the same-origin path %s as its normalised value', (input, out) =>
    expect(safeNext(input)).toBe(out),
  );

  it.each([
    '//evil.example',
    '///evil.example',
    '\\\\evil.example',
    '/\\evil.example',
    '\\/evil.example',
    'https://evil.example',
    'http:evil.example',
    'javascript:alert(1)',
    '/\t/evil.example',
    '/\n/evil.example',
    ' /evil',
    '/%2F/evil.example',
    '/%5Cevil.example',
    // Each of these becomes //evil.example once dot segments are removed.
    '/.//evil.example',
    '/./%2f/evil.example',
    '/%2e//evil.example',
    '/%2E//evil.example',
    '/%2e%2e//evil.example',
    '/.%2e//evil.example',
    '/a/..//evil.example',
    '/a/b/../..//evil.example',
    '/a/%2e%2e//evil.example',
    '/hub/../..//evil.example',
    '',
    'x'.repeat(3000),
  ])('refuses %j', (input) => expect(safeNext(input)).toBe(DEFAULT_NEXT));

  it('refuses non-strings', () => {
    expect(safeNext(undefined)).toBe(DEFAULT_NEXT);
    expect(safeNext(['/a'])).toBe(DEFAULT_NEXT);
    expect(safeNext({ toString: () => '//evil' })).toBe(DEFAULT_NEXT);
  });

  it('never answers a value a browser resolves off the hub, over thousands of combinations', () => {
    const starts = [
      '/',
      '\\',
      '//',
      '/\\',
      '\\/',
      '',
      '/./',
      '/../',
      '/a/../',
      '/%2e/',
      '/%2e%2e/',
    ];
    const pieces = [
      '.',
      '..',
      '%2e',
      '%2E%2e',
      '.%2e',
      '/',
      '//',
      '\\',
      '%2f',
      '%5c',
      '\t',
      '\n',
      '\r',
      ' ',
      '%09',
      '\u3002',
      '\uff0f',
      '\u2215',
      '@',
      ':',
      ';',
      '?',
      '#',
      'evil.example',
      'hub',
    ];
    let checked = 0;
    const escaped: string[] = [];
    for (const s of starts)
      for (const a of pieces)
        for (const b of pieces)
          for (const c of ['evil.example', '/evil.example', '@evil.example', '']) {
            const input = `${s}${a}${b}${c}`;
            const out = safeNext(input);
            const offSite = browserTarget(out).host !== 'hub.example' || !/^\/(?![/\\])/.test(out);
            // What we send resolves to itself: a second normalisation changes nothing.
            const unstable = out !== DEFAULT_NEXT && safeNext(out) !== out;
            if (offSite || unstable) escaped.push(`${JSON.stringify(input)} -> ${out}`);
            checked++;
          }
    expect(escaped).toEqual([]);
    expect(checked).toBe(starts.length * pieces.length * pieces.length * 4);
  });
});
