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

/**
 * The hub name for a name an identity provider vouches for. A valid hub name is kept as it
 * is, so a provider account and a local account of the same name are one user (as in
 * JupyterHub). Any other name (an e-mail address, upper case, too long) becomes a readable
 * prefix plus a hash of the whole name: `Jane.Doe@example.org` → `jane.doe-example.org-1a2b3c4d5`.
 * The prefix alone would let `a@b` and `a+b` meet; the hash keeps them apart, and the caller
 * also checks the full name stored with the account (users.full_name), so even a hash
 * collision never hands one person's account to another.
 */
export function hubNameFor(providerName: string): string {
  if (USERNAME_PATTERN.test(providerName)) return providerName;
  const hash = createHash('sha256').update(providerName, 'utf8').digest('hex').slice(0, 9);
  const prefix =
    providerName
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .slice(0, 22)
      .replace(/[^a-z0-9]+$/, '') || 'u';
  return `${prefix}-${hash}`;
}
