import { Strategy as LocalStrategy } from 'passport-local';
import type { UserRow } from '../db/entities';
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
 * passport-local checking the argon2id hash. Unknown, disabled and password-less users cost a
 * full verification too, and all failures say the same thing.
 *
 * passport-local falls back to the query string for a field the body lacks, while the login
 * limiter keys on the body: a locked name could log in through `?username=&password=`. So the
 * verify callback ignores what passport-local found and reads the body itself.
 */
export function localStrategy(users: UserService): LocalStrategy {
  return new LocalStrategy({ session: false, passReqToCallback: true }, (req, _u, _p, done) => {
    const { username, password } = bodyCredentials(req.body);
    void (async () => {
      if (!username || !password) {
        await verifyPassword(null, password);
        return done(null, false);
      }
      const user: UserRow | null = username.length <= 64 ? await users.find(username) : null;
      const ok = await verifyPassword(user?.password_hash ?? null, password);
      if (!user || !ok || user.disabled) return done(null, false);
      return done(null, user);
    })().catch((err) => done(err));
  });
}
