import type { DataSource } from 'typeorm';
import { UserEntity, type UserRow } from '../db/entities';
import { BadRequest, Conflict, NotFound } from '../errors';
import {
  generatePassword,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
} from './passwords';
import { LoginRefused } from './authenticator';
import { hubNameFor, isValidUsername, USERNAME_RULE } from './usernames';

/** What the API and CLI show of a user: never the hash. */
export interface UserView {
  name: string;
  admin: boolean;
  disabled: boolean;
  created_at: string;
  last_login_at: string | null;
}

export function viewUser(u: UserRow): UserView {
  return {
    name: u.name,
    admin: u.admin,
    disabled: u.disabled,
    created_at: u.created_at.toISOString(),
    last_login_at: u.last_login_at?.toISOString() ?? null,
  };
}

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new BadRequest(`password: use at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH)
    throw new BadRequest(`password: use at most ${MAX_PASSWORD_LENGTH} characters`);
}

/**
 * Account management shared by the REST API and the CLI, so both enforce the same rules.
 * Callers decide who may call what (admin checks live at the routes).
 */
export class UserService {
  constructor(private readonly db: DataSource) {}

  private get repo() {
    return this.db.getRepository(UserEntity);
  }

  async list(): Promise<UserRow[]> {
    return this.repo.find({ order: { name: 'ASC' } });
  }

  async find(name: string): Promise<UserRow | null> {
    if (!isValidUsername(name)) return null;
    return this.repo.findOne({ where: { name } });
  }

  async get(name: string): Promise<UserRow> {
    const u = await this.find(name);
    if (!u) throw new NotFound(`no user named "${name.slice(0, 64)}"`);
    return u;
  }

  /** Creates a user; with no password, one is generated and returned once. */
  async create(
    name: string,
    opts: { password?: string; admin?: boolean } = {},
  ): Promise<{ user: UserRow; generatedPassword?: string }> {
    if (!isValidUsername(name)) throw new BadRequest(`name: ${USERNAME_RULE}`);
    const generatedPassword = opts.password === undefined ? generatePassword() : undefined;
    const password = opts.password ?? generatedPassword!;
    checkPassword(password);
    const password_hash = await hashPassword(password);
    if (await this.repo.exist({ where: { name } }))
      throw new Conflict(`a user named "${name}" already exists`);
    try {
      const user = await this.repo.save({
        name,
        password_hash,
        admin: opts.admin ?? false,
        disabled: false,
        created_at: new Date(),
        last_login_at: null,
      });
      return { user, generatedPassword };
    } catch (err) {
      if (String(err).includes('UNIQUE'))
        throw new Conflict(`a user named "${name}" already exists`);
      throw err;
    }
  }

  async setPassword(name: string, password: string): Promise<UserRow> {
    checkPassword(password);
    const u = await this.get(name);
    u.password_hash = await hashPassword(password);
    return this.repo.save(u);
  }

  async update(name: string, changes: { admin?: boolean; disabled?: boolean }): Promise<UserRow> {
    const u = await this.get(name);
    if (changes.admin !== undefined) u.admin = changes.admin;
    if (changes.disabled !== undefined) u.disabled = changes.disabled;
    if ((u.disabled || !u.admin) && (await this.isLastAdmin(u)))
      throw new BadRequest(`"${name}" is the last admin: make someone else admin first`);
    return this.repo.save(u);
  }

  async remove(name: string): Promise<UserRow> {
    const u = await this.get(name);
    if (await this.isLastAdmin(u))
      throw new BadRequest(`"${name}" is the last admin: make someone else admin first`);
    await this.repo.delete({ id: u.id });
    return u;
  }

  async recordLogin(id: number): Promise<void> {
    await this.repo.update({ id }, { last_login_at: new Date() });
  }

  /**
   * The account of someone an identity provider vouches for: found by the provider's name
   * (users.full_name), else by the hub name it maps to (hubNameFor), else created without a
   * password. `admin` (null: the provider does not decide) is applied at every login, so
   * leaving the admin group ends admin rights at the next login.
   */
  async signInFromProvider(
    providerName: string,
    admin: boolean | null,
  ): Promise<{ user: UserRow; created: boolean }> {
    const name = hubNameFor(providerName);
    let user = await this.repo.findOne({ where: { full_name: providerName } });
    let created = false;
    if (!user) {
      const byName = await this.repo.findOne({ where: { name } });
      // A same-named local account is that person (JupyterHub's rule); an escaped name already
      // held under another provider name is a collision, never a shared account.
      if (byName && (byName.full_name || name !== providerName))
        throw new LoginRefused(
          `the hub name "${name}" already belongs to another account: ask an admin to rename or remove it`,
        );
      if (byName) {
        byName.full_name = providerName;
        user = await this.repo.save(byName);
      } else {
        try {
          user = await this.repo.save({
            name,
            full_name: providerName,
            password_hash: null,
            admin: admin ?? false,
            disabled: false,
            created_at: new Date(),
            last_login_at: null,
          });
          created = true;
        } catch (err) {
          if (String(err).includes('UNIQUE'))
            throw new LoginRefused('this account is being created by another login: try again');
          throw err;
        }
      }
    }
    if (user.disabled) throw new LoginRefused('this account is disabled: ask an admin');
    if (admin !== null && user.admin !== admin) {
      user.admin = admin;
      await this.repo.update({ id: user.id }, { admin });
    }
    return { user, created };
  }

  private async isLastAdmin(u: UserRow): Promise<boolean> {
    const original = await this.repo.findOne({ where: { id: u.id } });
    if (!original?.admin) return false;
    const admins = await this.repo.count({ where: { admin: true, disabled: false } });
    return admins <= 1;
  }

  /**
   * Makes sure an admin exists: creates `name` as admin when the database has none. Returns the
   * generated password (to print once) when none was given.
   */
  async ensureFirstAdmin(
    name: string,
    password: string | undefined,
  ): Promise<{ created: boolean; generatedPassword?: string }> {
    if (await this.repo.exist({ where: { admin: true } })) return { created: false };
    const existing = await this.find(name);
    if (existing) {
      existing.admin = true;
      if (password) existing.password_hash = await hashPassword(password);
      await this.repo.save(existing);
      return { created: false };
    }
    const { generatedPassword } = await this.create(name, { password, admin: true });
    return { created: true, generatedPassword };
  }
}
