import { createHash } from 'node:crypto';

/**
 * User names appear in URLs (/user/<name>/...), container names and Docker labels, so they are
 * limited to lower-case ASCII letters, digits, '.', '_' and '-', 1 to 32 characters, starting
 * with a letter or digit. Upper case is refused rather than folded, so a name reads the same
 * everywhere it is shown.
 */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,31}$/;
export const USERNAME_RULE =
  'user names are 1-32 characters: lower-case letters, digits, ".", "_" and "-", starting with a letter or digit';

export function isValidUsername(name: unknown): name is string {
  return typeof name === 'string' && USERNAME_PATTERN.test(name);
}

/**
 * A unix-safe account name for $USER inside containers: at most 32 characters, starting with a
 * letter. Dots become underscores; names that do not start with a letter get a 'u' prefix.
 * Not unique across users (a.b and a_b map to the same), which is fine: it only names the
 * account inside the user's own container.
 */
export function unixUserName(name: string): string {
  let n = name.replace(/\./g, '_');
  if (!/^[a-z_]/.test(n)) n = `u${n}`;
  if (n.length > 32)
    n = n.slice(0, 23) + '_' + createHash('sha256').update(name).digest('hex').slice(0, 8);
  return n;
}
