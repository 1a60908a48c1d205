import { DEFAULT_NEXT, safeNext } from '../../../server/auth/safe-next';

describe('safeNext', () => {
  it.each([
    ['/hub/launcher', '/hub/launcher'],
    ['/user/alice/containers/abc/?a=1#x', '/user/alice/containers/abc/?a=1#x'],
  ])('keeps the same-origin path %s', (input, out) => expect(safeNext(input)).toBe(out));

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
    '',
    'x'.repeat(3000),
  ])('refuses %j', (input) => expect(safeNext(input)).toBe(DEFAULT_NEXT));

  it('refuses non-strings', () => {
    expect(safeNext(undefined)).toBe(DEFAULT_NEXT);
    expect(safeNext(['/a'])).toBe(DEFAULT_NEXT);
  });
});
