import crypto from 'node:crypto';
import type { ContainerFilter } from './spawner';

/**
 * Names derived from user names. A user name is whatever an admin typed (any Unicode, `-`, `.`,
 * upper case), so nothing here trusts it: every derived name is either an injective escape or
 * carries a hash of the original.
 */

/** The label namespace of shared/DESIGN.md. */
export const LABEL_PREFIX = 'eu.simphony-project.docker.';
export const LABELS = {
  user: `${LABEL_PREFIX}user`,
  mappingId: `${LABEL_PREFIX}mapping_id`,
  urlId: `${LABEL_PREFIX}url_id`,
  realm: `${LABEL_PREFIX}realm`,
  /** The hub installation that created the container (install-id.ts); not in DESIGN.md's set. */
  install: `${LABEL_PREFIX}install`,
  /**
   * "1" on a container made ahead of a predicted start (warm-pool.ts); Docker labels cannot
   * change, so a claimed one keeps it and the audit log tells claimed from unclaimed.
   */
  warm: `${LABEL_PREFIX}warm`,
} as const;

/** Docker label filters for the containers of a realm, narrowed as `filter` asks. */
export function labelFilter(realm: string, filter: ContainerFilter = {}): string[] {
  const labels = [`${LABELS.realm}=${realm}`];
  if (filter.user !== undefined) labels.push(`${LABELS.user}=${filter.user}`);
  if (filter.mappingId !== undefined) labels.push(`${LABELS.mappingId}=${filter.mappingId}`);
  if (filter.urlId !== undefined) labels.push(`${LABELS.urlId}=${filter.urlId}`);
  return labels;
}

/** 16 random bytes as lower-case hex: never derived from names (DESIGN.md "url_id"). */
export function newUrlId(): string {
  return crypto.randomBytes(16).toString('hex');
}

/** True for a string shaped like a url_id; anything else cannot name a container. */
export function isUrlId(s: string): boolean {
  return /^[0-9a-f]{32}$/.test(s);
}

/**
 * Escapes every character outside [a-z0-9] as `-` + its UTF-8 bytes in hex (escapism-style,
 * as DockerSpawner does). Because `-` itself is escaped, the mapping is injective: `a-b`
 * becomes `a-2db`, which no other name produces.
 */
export function escapeName(name: string): string {
  let out = '';
  for (const ch of name) {
    if (/[a-z0-9]/.test(ch)) out += ch;
    else
      out += [...Buffer.from(ch, 'utf8')]
        .map((b) => `-${b.toString(16).padStart(2, '0')}`)
        .join('');
  }
  return out;
}

function shortHash(...parts: string[]): string {
  // JSON keeps the parts apart: ('a-b','c') and ('a','b-c') hash differently.
  return crypto.createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 12);
}

/** Longest escaped user part kept in a container name; longer names are cut (the hash still differs). */
const MAX_ESCAPED = 40;

/**
 * `hub-<realm>-<escaped user>-<hash of (user, mapping_id, install id)>`: deterministic per user
 * and grant, so two starts of one grant race for one name and Docker itself refuses the second.
 * The install id is hashed in so that names never meet across installations: a hub that finds
 * its name taken removes the holder only when it made it (docker-spawner.ts). The
 * escaped user part is for people reading `docker ps`; uniqueness comes from the escape plus the
 * fixed-length hash (and from the hash alone when a very long name was cut).
 */
export function containerName(
  realm: string,
  user: string,
  mappingId: string,
  installId: string,
): string {
  const escaped = escapeName(user).slice(0, MAX_ESCAPED) || 'x';
  return `hub-${realm}-${escaped}-${shortHash(user, mappingId, installId)}`;
}

/**
 * A name a unix tool accepts as a user (`USER` in the container): lower case, starts with a
 * letter, only [a-z0-9_-], at most 32 characters. Collisions do not matter here: each container
 * has one user.
 */
export function unixUserName(name: string): string {
  let s = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^[^a-z]+/, '');
  if (!s) s = `u${shortHash(name).slice(0, 8)}`;
  return s.slice(0, 32);
}

/** Folder name of a user's workspace under `<data_dir>/workspaces/`: never `..` or a path. */
export function workspaceFolderName(user: string): string {
  return escapeName(user) || `-${shortHash(user)}`;
}
