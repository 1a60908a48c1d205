import { Strategy as LocalStrategy } from 'passport-local';
import type { UserRow } from '../db/entities';
import { verifyPassword } from './passwords';
import type { UserService } from './users';

/**
 * passport-local checking the argon2id hash. Unknown, disabled and password-less users cost a
 * full verification too, and all failures say the same thing.
 */
export function localStrategy(users: UserService): LocalStrategy {
  return new LocalStrategy({ session: false }, (username, password, done) => {
    void (async () => {
      const user: UserRow | null = username.length <= 64 ? await users.find(username) : null;
      const ok = await verifyPassword(user?.password_hash ?? null, password);
      if (!user || !ok || user.disabled) return done(null, false);
      return done(null, user);
    })().catch((err) => done(err));
  });
}
