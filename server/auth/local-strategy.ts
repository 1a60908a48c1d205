import type { UserRow } from '../db/entities';
import type { PasswordAuthenticator } from './authenticator';
import { verifyPassword } from './passwords';
import type { UserService } from './users';

/** The credentials of a login request, from its parsed body only ('' when absent). */
export function bodyCredentials(body: unknown): { username: string; password: string } {
  const b = (body ?? {}) as Record<string, unknown>;
  return {
    username: typeof b.username === 'string' ? b.username : '',
    password: typeof b.password === 'string' ? b.password : '',
  };
}

/**
 * Local accounts: the argon2id hash kept by the hub. Unknown, disabled and password-less users
 * (those of identity providers) cost a full verification too, and all failures say the same.
 * Credentials come from the body only (bodyCredentials): the login limiter keys on the body,
 * so a name read from anywhere else (passport-local falls back to the query string) could
 * dodge a lock.
 */
export class LocalAuthenticator implements PasswordAuthenticator {
  readonly kind = 'local';

  constructor(private readonly users: UserService) {}

  async login(username: string, password: string): Promise<UserRow | null> {
    if (!username || !password) {
      await verifyPassword(null, password);
      return null;
    }
    const user = username.length <= 64 ? await this.users.find(username) : null;
    const ok = await verifyPassword(user?.password_hash ?? null, password);
    return user && ok && !user.disabled ? user : null;
  }
}
