import type { Context } from 'koa';
import passport from 'koa-passport';
import { Strategy as PassportLocalStrategy } from 'passport-local';
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
 * so a name read from anywhere else could dodge a lock.
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

/** Who a password sign-in found, and through which authenticator (`local`, `ldap`). */
export interface PasswordLogin {
  user: UserRow;
  via: string;
}

/**
 * passport-local, shown only the body's credentials: passport-local falls back to the query
 * string, and the login limiter keys on the body, so a name read from the URL could dodge a
 * lock. A missing field fails without asking anyone (passport-local's own check); the route
 * counts it as a failed attempt like any other.
 */
class BodyOnlyLocalStrategy extends PassportLocalStrategy {
  override authenticate(
    req: Parameters<PassportLocalStrategy['authenticate']>[0],
    options?: object,
  ): void {
    const view = { body: bodyCredentials(req.body), query: {} };
    super.authenticate(view as typeof req, options);
  }
}

/**
 * The hub's passport: one local strategy whose verify asks the password authenticators
 * (LocalAuthenticator, then LDAP when configured). Sessions are the hub's own cookies
 * (server/auth/sessions.ts), so passport keeps none (`session: false`).
 */
export function passwordPassport(
  verify: (username: string, password: string) => Promise<PasswordLogin | null>,
): InstanceType<typeof passport.KoaPassport> {
  const hubPassport = new passport.KoaPassport();
  hubPassport.use(
    'local',
    new BodyOnlyLocalStrategy((username, password, done) => {
      verify(username, password).then(
        (found) => (found ? done(null, found.user, { message: found.via }) : done(null, false)),
        (err: unknown) => done(err),
      );
    }),
  );
  return hubPassport;
}

/** Runs the local strategy on a login request: who signed in, null on wrong credentials. */
export async function authenticatePassword(
  hubPassport: InstanceType<typeof passport.KoaPassport>,
  ctx: Context,
): Promise<PasswordLogin | null> {
  let outcome: { err: unknown; found: PasswordLogin | null } | undefined;
  await hubPassport.authenticate(
    'local',
    { session: false },
    (err: unknown, user: UserRow | false, info?: { message?: string }) => {
      // The authenticator's kind travels as passport's `info.message`.
      outcome = { err, found: user ? { user, via: info?.message ?? 'local' } : null };
    },
  )(ctx, async () => undefined);
  if (!outcome) throw new Error('passport-local answered neither success nor failure');
  if (outcome.err) throw outcome.err;
  return outcome.found;
}
