import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';

/**
 * argon2id: memory-hard, the OWASP first choice. 64 MiB, 3 passes, 1 lane keeps a login at
 * tens of milliseconds here while making GPU guessing expensive. Parameters live in the hash,
 * so raising them later still verifies old hashes.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 64 * 1024, timeCost: 3, parallelism: 1 };

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

let dummyHash: Promise<string> | null = null;

/**
 * Verifies `password` against `hash`. With no hash (unknown user, or a user without password)
 * it still spends one full verification on a dummy hash, so unknown and known names take the
 * same time to refuse and the answer leaks nothing about which names exist.
 */
export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  if (!hash) {
    dummyHash ??= hashPassword('dummy password that never matches');
    await argon2.verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** A random password for generated accounts (the first admin, users created without one). */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}
