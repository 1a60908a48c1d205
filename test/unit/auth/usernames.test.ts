import { isValidUsername, unixUserName } from '../../../server/auth/usernames';

describe('user names', () => {
  it.each(['alice', 'a', 'bob.smith', 'c_d-e', '0day', 'a'.repeat(32)])('accepts %s', (n) =>
    expect(isValidUsername(n)).toBe(true),
  );
  it.each([
    '',
    'Alice',
    'a b',
    '-a',
    '.a',
    'a/b',
    '../x',
    'a%2f',
    '<script>',
    'é',
    'a'.repeat(33),
    5,
  ])('refuses %j', (n) => expect(isValidUsername(n)).toBe(false));
  it('derives unix-safe names', () => {
    expect(unixUserName('alice')).toBe('alice');
    expect(unixUserName('bob.smith')).toBe('bob_smith');
    expect(unixUserName('0day')).toBe('u0day');
    expect(unixUserName('a'.repeat(32))).toHaveLength(32);
    expect(unixUserName('a'.repeat(32))).toMatch(/^[a-z_][a-z0-9_-]*$/);
  });
});
