import { LitElement, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { ifDefined } from 'lit/directives/if-defined.js';
import { loadedOr } from '../components/load-state';
import '../components/notice-banner';
import {
  createUser,
  deleteUser,
  deleteUserWithWorkspace,
  formatBytes,
  listUsers,
  updateUser,
  userWorkspace,
} from '../data/admin';
import { messageOf } from '../data/api';
import { fieldErrorOf } from '../data/field-errors';
import { matchesSearch, queryParam, setQueryParam } from '../data/search';
import { formatAgo, formatDateTime } from '../data/time';
import type { User, Me } from '../data/types';
import { askPassword, confirmAction, confirmWithChoice } from '../dialogs/open';
import { pageStyles } from '../styles/page';
import { theme } from '../styles/theme';

/** The server's rules (server/auth/usernames.ts, users.ts), checked before sending. */
const USERNAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;
const MIN_PASSWORD = 8;

/** Users: create, disable or enable, make or remove admin, reset password, delete. */
@customElement('hub-admin-users-page')
export class HubAdminUsersPage extends LitElement {
  static override styles = [theme, pageStyles];

  /** The admin using the page: they may not demote, disable or delete themselves. */
  @property({ attribute: false }) me: Me | null = null;

  @state() private users: User[] | null = null;
  @state() private loadError = '';
  @state() private notice: { tone: 'ok' | 'error'; text: string } | null = null;
  @state() private busy = '';
  /** Words to find in names, kept in the URL as `?q=` (other pages link here with it). */
  @state() private query = queryParam('q');
  @state() private newName = '';
  @state() private newPassword = '';
  @state() private newAdmin = false;
  /** A problem with a field of the new-user form, shown under that field. */
  @state() private fieldError: { field: 'name' | 'password'; text: string } | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    this.loadError = '';
    try {
      this.users = await listUsers();
    } catch (err) {
      this.loadError = messageOf(err);
    }
  }

  /** Runs one action, reports its outcome in the notice, and reloads the list. */
  private async run(key: string, action: () => Promise<string>): Promise<void> {
    this.busy = key;
    this.notice = null;
    try {
      this.notice = { tone: 'ok', text: await action() };
    } catch (err) {
      this.notice = { tone: 'error', text: messageOf(err) };
    } finally {
      this.busy = '';
      await this.load();
    }
  }

  /** The first problem of the new-user form, judged as the server would. */
  private checkNewUser(name: string): { field: 'name' | 'password'; text: string } | null {
    if (!name) return { field: 'name', text: 'Type a user name for the new user.' };
    if (!USERNAME.test(name))
      return {
        field: 'name',
        text: 'Use 1 to 32 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit.',
      };
    if (this.newPassword && this.newPassword.length < MIN_PASSWORD)
      return {
        field: 'password',
        text: `Use at least ${MIN_PASSWORD} characters, or leave it empty.`,
      };
    return null;
  }

  private async showFieldError(problem: { field: 'name' | 'password'; text: string }) {
    this.fieldError = problem;
    await this.updateComplete;
    this.renderRoot
      .querySelector<HTMLElement>(`#nu-${problem.field === 'name' ? 'name' : 'pw'}`)
      ?.focus();
  }

  private async create(e: Event): Promise<void> {
    e.preventDefault();
    const name = this.newName.trim();
    this.notice = null;
    const problem = this.checkNewUser(name);
    if (problem) return this.showFieldError(problem);
    this.fieldError = null;
    this.busy = 'create';
    try {
      const made = await createUser({
        name,
        admin: this.newAdmin,
        ...(this.newPassword ? { password: this.newPassword } : {}),
      });
      this.newName = '';
      this.newPassword = '';
      this.newAdmin = false;
      this.notice = {
        tone: 'ok',
        text: made.password
          ? `Created ${made.name}. Their generated password is: ${made.password} (shown only now).`
          : `Created ${made.name ?? name}.`,
      };
    } catch (err) {
      const { field, message } = fieldErrorOf(err);
      if (field === 'name' || field === 'password')
        await this.showFieldError({ field, text: message });
      else this.notice = { tone: 'error', text: `Could not create ${name}: ${message}` };
    } finally {
      this.busy = '';
      await this.load();
    }
  }

  private fieldErrorFor(field: 'name' | 'password') {
    const text = this.fieldError?.field === field ? this.fieldError.text : '';
    return text ? html`<span class="field-error" id="nu-${field}-error">${text}</span>` : null;
  }

  private async resetPassword(u: User): Promise<void> {
    const password = await askPassword(u.name);
    if (password === null) return;
    await this.run(`pw:${u.name}`, async () => {
      await updateUser(u.name, { password });
      return `Set a new password for ${u.name}.`;
    });
  }

  private async removeUser(u: User): Promise<void> {
    // The preview first, so the box says what would go; a failed look keeps the plain delete.
    const ws = await userWorkspace(u.name).catch(() => null);
    const message = `${u.name} loses access and their running apps are stopped. This cannot be undone.`;
    if (!ws?.exists) {
      const ok = await confirmAction({
        title: `Delete ${u.name}?`,
        message: ws ? `${message} They have no workspace folder.` : message,
        confirmLabel: 'Delete user',
        danger: true,
      });
      if (!ok) return;
      await this.run(`del:${u.name}`, async () => {
        await deleteUser(u.name);
        return `Deleted ${u.name}.`;
      });
      return;
    }
    const more = ws.files - ws.sample.length;
    const { ok, checked } = await confirmWithChoice({
      title: `Delete ${u.name}?`,
      message: `${message} Their workspace ${ws.path} holds ${ws.files} file${ws.files === 1 ? '' : 's'} (${formatBytes(ws.bytes)}); it is kept unless you tick the box.`,
      confirmLabel: 'Delete user',
      danger: true,
      choice: `Also delete the workspace and its ${ws.files} file${ws.files === 1 ? '' : 's'}`,
      items: more > 0 ? [...ws.sample, `… and ${more} more`] : ws.sample,
    });
    if (!ok) return;
    await this.run(`del:${u.name}`, async () => {
      if (!checked) {
        await deleteUser(u.name);
        return `Deleted ${u.name}; their workspace is kept.`;
      }
      const { workspace } = await deleteUserWithWorkspace(u.name);
      return workspace.deleted
        ? `Deleted ${u.name} and their workspace (${workspace.files} files, ${formatBytes(workspace.bytes)}).`
        : `Deleted ${u.name}, but the workspace stays: ${workspace.reason ?? 'unknown reason'}.`;
    });
  }

  private renderRow(u: User) {
    const self = this.me?.name === u.name;
    const busy = this.busy !== '';
    return html`<tr data-user=${u.name}>
      <th data-label="Name" scope="row">
        ${u.name}${self ? html` <span class="muted">(you)</span>` : null}
      </th>
      <td data-label="Status">
        ${u.admin ? html`<span class="badge info">Admin</span>` : null}
        ${
          u.disabled
            ? html`<span class="badge bad">Disabled</span>`
            : html`<span class="badge ok">Active</span>`
        }
      </td>
      <td data-label="Created" class="nowrap">${formatDateTime(u.created_at)}</td>
      <td data-label="Last login" class="nowrap">
        ${u.last_login_at ? formatAgo(u.last_login_at) : 'never'}
      </td>
      <td data-label="Apps" class="nowrap">
        <a
          href="/hub/admin/grants?user=${encodeURIComponent(u.name)}"
          aria-label="Grants of ${u.name}"
          >Grants</a
        >
        ·
        <a
          href="/hub/admin/containers?q=${encodeURIComponent(u.name)}"
          aria-label="Containers of ${u.name}"
          >Containers</a
        >
      </td>
      <td data-label="Actions" class="actions">
        <button
          class="btn small"
          type="button"
          ?disabled=${busy || self}
          title=${ifDefined(self ? 'You cannot change your own admin role' : undefined)}
          @click=${() =>
            this.run(`admin:${u.name}`, async () => {
              await updateUser(u.name, { admin: !u.admin });
              return u.admin ? `${u.name} is no longer an admin.` : `${u.name} is now an admin.`;
            })}
        >
          ${u.admin ? 'Remove admin' : 'Make admin'}
        </button>
        <button
          class="btn small"
          type="button"
          ?disabled=${busy || self}
          @click=${() =>
            this.run(`dis:${u.name}`, async () => {
              await updateUser(u.name, { disabled: !u.disabled });
              return u.disabled
                ? `Enabled ${u.name}.`
                : `Disabled ${u.name}: they can no longer log in.`;
            })}
        >
          ${u.disabled ? 'Enable' : 'Disable'}
        </button>
        <button
          class="btn small"
          type="button"
          ?disabled=${busy}
          @click=${() => this.resetPassword(u)}
        >
          Reset password
        </button>
        <button
          class="btn small danger"
          type="button"
          ?disabled=${busy || self}
          aria-label="Delete ${u.name}"
          @click=${() => this.removeUser(u)}
        >
          Delete
        </button>
      </td>
    </tr>`;
  }

  private renderList(users: User[]) {
    const shown = users.filter((u) =>
      matchesSearch(this.query, [
        u.name,
        u.admin ? 'admin' : '',
        u.disabled ? 'disabled' : 'active',
      ]),
    );
    const search = html`<div class="field" role="search" style="max-width:24rem">
      <label for="u-q">Search users</label>
      <input
        id="u-q"
        type="search"
        placeholder="Name, admin, disabled"
        .value=${this.query}
        @input=${(e: Event) => {
          this.query = (e.target as HTMLInputElement).value;
          setQueryParam('q', this.query.trim());
        }}
      />
    </div>`;
    if (!shown.length)
      return html`${search}
        <p class="muted" role="status">No user matches “${this.query}”.</p>`;
    return html`${search}
      <div class="table-wrap">
        <table class="stack">
          <caption class="sr-only">
            Users
          </caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              <th scope="col">Last login</th>
              <th scope="col">Apps</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            ${shown.map((u) => this.renderRow(u))}
          </tbody>
        </table>
      </div>`;
  }

  override render() {
    const list = loadedOr(
      this.users,
      this.users ? '' : this.loadError,
      { heading: 'Could not load the users', label: 'Loading users…', retry: this.load },
      (users) => this.renderList(users),
    );
    return html`<div class="head"><h1>Users</h1></div>
      ${
        this.notice
          ? html`<hub-notice .tone=${this.notice.tone} .text=${this.notice.text}></hub-notice>`
          : null
      }
      <section aria-labelledby="all-users">
        <h2 id="all-users">All users</h2>
        ${list}
      </section>
      <section aria-labelledby="new-user">
        <h2 id="new-user">New user</h2>
        <form class="card" @submit=${this.create}>
          <div class="form-grid">
            <div class="field">
              <label for="nu-name">User name</label>
              <input
                id="nu-name"
                type="text"
                autocomplete="off"
                autocapitalize="none"
                spellcheck="false"
                aria-invalid=${this.fieldError?.field === 'name' ? 'true' : 'false'}
                aria-describedby=${ifDefined(this.fieldError?.field === 'name' ? 'nu-name-error' : undefined)}
                .value=${this.newName}
                @input=${(e: Event) => {
                  this.newName = (e.target as HTMLInputElement).value;
                  if (this.fieldError?.field === 'name') this.fieldError = null;
                }}
              />
              ${this.fieldErrorFor('name')}
            </div>
            <div class="field">
              <label for="nu-pw">Password</label>
              <input
                id="nu-pw"
                type="password"
                autocomplete="new-password"
                aria-describedby=${this.fieldError?.field === 'password' ? 'nu-password-error nu-pw-hint' : 'nu-pw-hint'}
                aria-invalid=${this.fieldError?.field === 'password' ? 'true' : 'false'}
                .value=${this.newPassword}
                @input=${(e: Event) => {
                  this.newPassword = (e.target as HTMLInputElement).value;
                  if (this.fieldError?.field === 'password') this.fieldError = null;
                }}
              />
              ${this.fieldErrorFor('password')}
              <span id="nu-pw-hint" class="hint">Leave empty to have the hub generate one.</span>
            </div>
          </div>
          <label class="check">
            <input
              type="checkbox"
              .checked=${this.newAdmin}
              @change=${(e: Event) => (this.newAdmin = (e.target as HTMLInputElement).checked)}
            />
            Administrator
          </label>
          <div class="form-actions">
            <button class="btn primary" type="submit" ?disabled=${this.busy !== ''}>
              ${this.busy === 'create' ? 'Creating…' : 'Create user'}
            </button>
          </div>
        </form>
      </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-admin-users-page': HubAdminUsersPage;
  }
}
