/**
 * Escaping for values put into LDAP filters and DNs, so a user name is only ever a value:
 * `*)(uid=*` must not widen a search, and `admin,ou=x` must not pick another entry.
 */

/**
 * A filter assertion value (RFC 4515 §3): every octet outside a small safe set is written as
 * `\xx`, which covers the required `*`, `(`, `)`, `\` and NUL, and any non-ASCII byte.
 */
export function escapeFilterValue(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out +=
      /[A-Za-z0-9 ._@+-]/.test(c) && byte < 0x80 ? c : `\\${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/**
 * An attribute value inside a DN (RFC 4514 §2.4): the special characters get a backslash, a
 * leading space or '#' and a trailing space too, and control characters become `\xx`.
 */
export function escapeDnValue(value: string): string {
  let out = value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  out = out.replace(
    // eslint-disable-next-line no-control-regex
    /[\x00-\x1f\x7f]/g,
    (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}
