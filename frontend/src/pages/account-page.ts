import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { loadedOr } from '../components/load-state';
import '../components/notice-banner';
import {
  changePassword,
  createToken,
  listTokens,
  revokeToken,
  type TokenInfo,
} from '../data/account';
import { ApiError, messageOf } from '../data/api';
import { formatAgo, formatDateTime } from '../data/time';
import { confirmAction } from '../dialogs/open';
import { pageStyles } from '../styles/page';
import { theme } from '../styles/theme';

type Notice = { tone: 'ok' | 'error'; text: string };

/** Lifetimes offered for a new token; the hub accepts up to a year. */
const LIFETIMES: ReadonlyArray<{ label: string; seconds: number | null }> = [
  { label: '30 days', seconds: 30 * 24 * 3600 },
  { label: '1 day', seconds: 24 * 3600 },
  { label: '1 year', seconds: 365 * 24 * 3600 },
  { label: 'Never expires', seconds: null },
];

/** The caller's own account: change the password, and API tokens for scripts and the CLI. */
@customElement('hub-account-page')
export class HubAccountPage extends LitElement {
  static override styles = [
    theme,
    pageStyles,
    css`
      .secret {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        flex-wrap: wrap;
      }
      .card,
      .table-wrap {
        margin-bottom: 1rem;
      }
      .secret input {
        flex: 1 1 20rem;
        font-family: var(--mono, monospace);
      }
    `,
  ];

  @state() private tokens: TokenInfo[] | null = null;
  @state() private loadError = '';
  @state() private tokenNotice: Notice | null = null;
  @state() private passwordNotice: Notice | null = null;
  @state() private busy = '';
  /** The secret of the token just created: shown once, gone when the page is left. */
  @state() private fresh: { id: number; token: string } | null = null;
  @state() private note = '';
  @state() private lifetime = 0;
  @state() private current = '';
  @state() private next = '';
  @state() private repeat = '';
  @state() private loggedOut = false;
  /** Revoke every API token with the password change; on unless the user unticks it. */
  @state() private revokeTokens = true;
  @state() private tokensRevoked = false;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    this.loadError = '';
    try {
      this.tokens = await listTokens();
    } catch (err) {
      this.loadError = messageOf(err);
    }
  }

  private async create(e: Event): Promise<void> {
    e.preventDefault();
    this.busy = 'create';
    this.tokenNotice = null;
    try {
      this.fresh = await createToken(this.note.trim(), LIFETIMES[this.lifetime].seconds);
      this.note = '';
    } catch (err) {
      this.tokenNotice = { tone: 'error', text: `Could not create a token: ${messageOf(err)}` };
    } finally {
      this.busy = '';
      await this.load();
    }
  }

  private async revoke(t: TokenInfo): Promise<void> {
    const name = t.note ? `“${t.note}”` : `token ${t.id}`;
    const ok = await confirmAction({
      title: `Revoke ${name}?`,
      message: 'Scripts that use it are refused from now on. This cannot be undone.',
      confirmLabel: 'Revoke',
      danger: true,
    });
    if (!ok) return;
    this.busy = `revoke:${t.id}`;
    this.tokenNotice = null;
    try {
      await revokeToken(t.id);
      if (this.fresh?.id === t.id) this.fresh = null;
      this.tokenNotice = { tone: 'ok', text: `Revoked ${name}.` };
    } catch (err) {
      this.tokenNotice = { tone: 'error', text: `Could not revoke: ${messageOf(err)}` };
    } finally {
      this.busy = '';
      await this.load();
    }
  }

  private async copy(): Promise<void> {
    if (!this.fresh) return;
    try {
      await navigator.clipboard.writeText(this.fresh.token);
      this.tokenNotice = { tone: 'ok', text: 'Copied the token.' };
    } catch {
      // No clipboard permission (plain http, or the browser said no): the field is selected.
      this.renderRoot.querySelector<HTMLInputElement>('#new-token')?.select();
    }
  }

  private async savePassword(e: Event): Promise<void> {
    e.preventDefault();
    this.passwordNotice = null;
    if (this.next !== this.repeat) {
      this.passwordNotice = { tone: 'error', text: 'The new password and its repetition differ.' };
      return;
    }
    this.busy = 'password';
    try {
      await changePassword(this.current, this.next, this.revokeTokens);
      this.current = this.next = this.repeat = '';
      this.tokensRevoked = this.revokeTokens;
      this.loggedOut = true;
    } catch (err) {
      const wrong = err instanceof ApiError && err.code === 'invalid_credentials';
      this.passwordNotice = {
        tone: 'error',
        text: wrong ? 'That is not your current password.' : messageOf(err),
      };
    } finally {
      this.busy = '';
    }
  }

  private renderTokens(tokens: TokenInfo[]) {
    if (!tokens.length) return html`<p class="muted">You have no API token.</p>`;
    return html`<div class="table-wrap">
      <table class="stack">
        <caption class="sr-only">
          Your API tokens
        </caption>
        <thead>
          <tr>
            <th scope="col">Note</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          ${tokens.map(
            (t) =>
              html`<tr data-token-id=${t.id}>
                <th data-label="Note" scope="row">
                  ${t.note ?? html`<span class="muted">token ${t.id}</span>`}
                </th>
                <td data-label="Created" class="nowrap">${formatDateTime(t.created_at)}</td>
                <td data-label="Expires" class="nowrap">
                  ${t.expires_at ? formatDateTime(t.expires_at) : 'never'}
                </td>
                <td data-label="Last used">
                  ${t.last_used_at ? formatAgo(t.last_used_at) : 'never'}
                </td>
                <td data-label="Actions" class="actions">
                  <button
                    class="btn small danger"
                    type="button"
                    ?disabled=${this.busy !== ''}
                    aria-label="Revoke ${t.note ?? `token ${t.id}`}"
                    @click=${() => this.revoke(t)}
                  >
                    Revoke
                  </button>
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  private renderFresh(fresh: { id: number; token: string }) {
    return html`<div class="card" role="status">
      <label for="new-token"><strong>Your new token</strong></label>
      <div class="secret">
        <input id="new-token" type="text" readonly .value=${fresh.token} />
        <button class="btn small" type="button" @click=${this.copy}>Copy</button>
      </div>
      <p class="hint">
        Shown only now: the hub keeps just a hash of it. Send it as
        <code>Authorization: Bearer &lt;token&gt;</code>.
      </p>
    </div>`;
  }

  private renderTokenForm() {
    return html`<form class="card" @submit=${this.create}>
      <div class="form-grid">
        <div class="field">
          <label for="t-note">Note</label>
          <input
            id="t-note"
            type="text"
            maxlength="200"
            placeholder="backup script"
            .value=${this.note}
            @input=${(e: Event) => (this.note = (e.target as HTMLInputElement).value)}
          />
        </div>
        <div class="field">
          <label for="t-life">Expires after</label>
          <select
            id="t-life"
            @change=${(e: Event) => (this.lifetime = (e.target as HTMLSelectElement).selectedIndex)}
          >
            ${LIFETIMES.map(
              (l, i) => html`<option ?selected=${i === this.lifetime}>${l.label}</option>`,
            )}
          </select>
        </div>
      </div>
      <div class="form-actions">
        <button class="btn primary" type="submit" ?disabled=${this.busy !== ''}>
          ${this.busy === 'create' ? 'Creating…' : 'Create token'}
        </button>
      </div>
    </form>`;
  }

  private renderPasswordForm() {
    if (this.loggedOut)
      return html`<hub-notice
          tone="ok"
          text=${`Password changed. Every session of yours has ended, this one too.${
            this.tokensRevoked ? ' Your API tokens are revoked.' : ''
          }`}
        ></hub-notice>
        <p><a class="btn primary" href="/login?next=%2Fhub%2Faccount">Log in again</a></p>`;
    const field = (id: string, label: string, key: 'current' | 'next' | 'repeat', auto: string) =>
      html`<div class="field">
        <label for=${id}>${label}</label>
        <input
          id=${id}
          type="password"
          autocomplete=${auto}
          required
          .value=${this[key]}
          @input=${(e: Event) => (this[key] = (e.target as HTMLInputElement).value)}
        />
      </div>`;
    return html`${
        this.passwordNotice
          ? html`<hub-notice
              .tone=${this.passwordNotice.tone}
              .text=${this.passwordNotice.text}
            ></hub-notice>`
          : null
      }
      <form class="card" @submit=${this.savePassword}>
        <div class="form-grid">
          ${field('pw-current', 'Current password', 'current', 'current-password')}
          ${field('pw-new', 'New password', 'next', 'new-password')}
          ${field('pw-repeat', 'New password again', 'repeat', 'new-password')}
        </div>
        <p class="hint">At least 8 characters. Changing it logs you out everywhere.</p>
        <label class="check">
          <input
            type="checkbox"
            data-testid="revoke-tokens"
            .checked=${this.revokeTokens}
            @change=${(e: Event) => (this.revokeTokens = (e.target as HTMLInputElement).checked)}
          />
          Also revoke all my API tokens (scripts using them stop working)
        </label>
        <div class="form-actions">
          <button class="btn primary" type="submit" ?disabled=${this.busy !== ''}>
            ${this.busy === 'password' ? 'Saving…' : 'Change password'}
          </button>
        </div>
      </form>`;
  }

  override render() {
    const list = loadedOr(
      this.tokens,
      this.tokens ? '' : this.loadError,
      { heading: 'Could not load your tokens', label: 'Loading tokens…', retry: this.load },
      (tokens) => this.renderTokens(tokens),
    );
    return html`<div class="head"><h1>Account</h1></div>
      <section aria-labelledby="tokens">
        <h2 id="tokens">API tokens</h2>
        <p class="muted">
          For scripts and other programs that use the REST API, instead of your password.
        </p>
        ${
          this.tokenNotice
            ? html`<hub-notice
                .tone=${this.tokenNotice.tone}
                .text=${this.tokenNotice.text}
              ></hub-notice>`
            : null
        }
        ${this.fresh ? this.renderFresh(this.fresh) : null} ${list} ${this.renderTokenForm()}
      </section>
      <section aria-labelledby="password">
        <h2 id="password">Password</h2>
        ${this.renderPasswordForm()}
      </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-account-page': HubAccountPage;
  }
}
