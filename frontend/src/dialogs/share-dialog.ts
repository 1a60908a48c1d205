import { LitElement, css, html } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { messageOf } from '../data/api';
import { fetchMe } from '../data/session';
import {
  createShare,
  listShares,
  revokeShare,
  type Share,
  type ShareCreated,
  type ShareMode,
} from '../data/shares';
import { formatAgo, formatDateTime } from '../data/time';
import { theme } from '../styles/theme';
import { dialogStyles } from './dialog-styles';

/** Link lifetimes offered; the hub caps them at shares.max_expires_hours and says so. */
const EXPIRY_CHOICES: Array<{ seconds: number; label: string }> = [
  { seconds: 15 * 60, label: '15 minutes' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 8 * 3600, label: '8 hours' },
  { seconds: 24 * 3600, label: '24 hours' },
];

/** How often the list is re-read while open, so the owner sees viewers come and go. */
const REFRESH_MS = 3000;

export const VIEW_UNAVAILABLE =
  'View only needs a desktop app: the hub cannot stop a viewer of a web app from sending it changes.';

/**
 * Shares one running app (shared/DESIGN.md "Shares"): makes a link for a named user (or for
 * anyone, as the hub allows), view only or with control, for a while; shows the link with a
 * Copy button; lists the live links with who is connected through each now, each revocable.
 */
@customElement('hub-share-dialog')
export class HubShareDialog extends LitElement {
  static override styles = [
    theme,
    dialogStyles,
    css`
      dialog {
        width: min(38rem, calc(100vw - 2rem));
      }
      fieldset {
        border: 0;
        padding: 0;
        margin: 0 0 0.9rem;
      }
      legend {
        font-weight: 600;
        padding: 0;
        margin-bottom: 0.3rem;
      }
      .check[aria-disabled='true'] {
        color: var(--c-muted);
      }
      .link {
        display: flex;
        gap: 0.5rem;
        align-items: center;
      }
      .link input {
        flex: 1;
      }
      h3 {
        margin: 1.25rem 0 0.5rem;
        font-size: 1rem;
      }
      ul.shares {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 0.5rem;
      }
      ul.shares > li {
        border: 1px solid var(--c-border);
        border-radius: 6px;
        padding: 0.6rem 0.75rem;
        display: flex;
        gap: 0.75rem;
        align-items: flex-start;
      }
      .share-info {
        flex: 1;
        min-width: 0;
        overflow-wrap: anywhere;
      }
      .share-info p {
        margin: 0.15rem 0 0;
        font-size: 0.875rem;
        color: var(--c-muted);
      }
      .connected {
        color: var(--c-text);
      }
    `,
  ];

  @property() urlId = '';
  @property() heading = '';
  /** The app's type: a web app cannot be shared view-only. */
  @property() appType: string | null = null;

  @state() private anonymous = false;
  @state() private user = '';
  @state() private mode: ShareMode = 'control';
  @state() private expiresIn = 3600;
  @state() private busy = false;
  @state() private problem = '';
  @state() private created: ShareCreated | null = null;
  @state() private copied = '';
  @state() private shares: Share[] | null = null;
  @state() private listError = '';

  @query('dialog') private dialog!: HTMLDialogElement;
  private timer: number | undefined;

  private get viewAllowed(): boolean {
    return this.appType === 'vncapp';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.mode = this.viewAllowed ? 'view' : 'control';
  }

  override firstUpdated(): void {
    this.dialog.showModal();
    this.renderRoot.querySelector<HTMLInputElement>('#share-user')?.focus();
    void fetchMe()
      .then((me) => (this.anonymous = me?.shares_anonymous ?? false))
      .catch(() => undefined);
    void this.load();
    this.timer = window.setInterval(() => void this.load(), REFRESH_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.clearInterval(this.timer);
  }

  private async load(): Promise<void> {
    try {
      this.shares = await listShares(this.urlId);
      this.listError = '';
    } catch (err) {
      this.listError = messageOf(err);
    }
  }

  private async create(e: Event): Promise<void> {
    e.preventDefault();
    this.busy = true;
    this.problem = '';
    this.copied = '';
    try {
      this.created = await createShare(this.urlId, {
        mode: this.mode,
        expiresIn: this.expiresIn,
        user: this.user.trim() || null,
      });
      await this.load();
    } catch (err) {
      this.problem = messageOf(err);
    } finally {
      this.busy = false;
    }
  }

  private async copy(): Promise<void> {
    if (!this.created) return;
    try {
      await navigator.clipboard.writeText(this.created.url);
      this.copied = 'Link copied.';
    } catch {
      // No clipboard permission (plain http, an old browser): select it for Ctrl+C instead.
      this.renderRoot.querySelector<HTMLInputElement>('#share-link')?.select();
      this.copied = 'Press Ctrl+C (⌘C) to copy the selected link.';
    }
  }

  private async revoke(share: Share): Promise<void> {
    try {
      await revokeShare(this.urlId, share.id);
      if (this.created?.id === share.id) this.created = null;
      await this.load();
    } catch (err) {
      this.listError = messageOf(err);
    }
  }

  private get whoHint(): string {
    return this.anonymous
      ? 'Leave empty to let anyone with the link in, without a hub login.'
      : 'Leave empty to let anyone signed in to this hub in.';
  }

  private renderForm() {
    return html`<form @submit=${this.create} aria-label="New share link">
      <div class="field">
        <label for="share-user">User name</label>
        <input
          id="share-user"
          type="text"
          autocomplete="off"
          spellcheck="false"
          .value=${this.user}
          aria-describedby="share-user-hint"
          @input=${(e: Event) => {
            this.user = (e.target as HTMLInputElement).value;
            this.problem = '';
          }}
        />
        <span id="share-user-hint" class="hint">${this.whoHint}</span>
      </div>
      <fieldset>
        <legend>The viewer may</legend>
        <label class="check" aria-disabled=${this.viewAllowed ? 'false' : 'true'}>
          <input
            type="radio"
            name="mode"
            value="view"
            ?disabled=${!this.viewAllowed}
            .checked=${this.mode === 'view'}
            aria-describedby=${this.viewAllowed ? '' : 'view-reason'}
            @change=${() => (this.mode = 'view')}
          />
          Only watch (view)
        </label>
        ${this.viewAllowed ? null : html`<p id="view-reason" class="hint">${VIEW_UNAVAILABLE}</p>`}
        <label class="check">
          <input
            type="radio"
            name="mode"
            value="control"
            .checked=${this.mode === 'control'}
            @change=${() => (this.mode = 'control')}
          />
          Use it like you (control)
        </label>
      </fieldset>
      <div class="field">
        <label for="share-expiry">Link works for</label>
        <select
          id="share-expiry"
          @change=${(e: Event) => (this.expiresIn = Number((e.target as HTMLSelectElement).value))}
        >
          ${EXPIRY_CHOICES.map(
            (c) =>
              html`<option value=${c.seconds} ?selected=${c.seconds === this.expiresIn}>
                ${c.label}
              </option>`,
          )}
        </select>
      </div>
      ${this.problem ? html`<div class="alert error" role="alert">${this.problem}</div>` : null}
      <button class="btn primary" type="submit" ?disabled=${this.busy}>
        ${this.busy ? 'Creating…' : 'Create link'}
      </button>
    </form>`;
  }

  private renderCreated() {
    if (!this.created) return null;
    return html`<div class="field" style="margin-top:1rem">
      <label for="share-link">Share link</label>
      <div class="link">
        <input id="share-link" type="text" readonly .value=${this.created.url} />
        <button class="btn" type="button" @click=${this.copy}>Copy</button>
      </div>
      <span class="hint" role="status"
        >${this.copied || 'Send it to the person you share with.'}</span
      >
    </div>`;
  }

  private renderShare(s: Share) {
    const who = s.user ?? (this.anonymous ? 'anyone with the link' : 'anyone signed in');
    const connected = s.connected.map((c) => `${c.user ?? 'anonymous'} (${formatAgo(c.since)})`);
    return html`<li data-share=${s.id}>
      <div class="share-info">
        <strong>${s.mode === 'view' ? 'View only' : 'Control'}</strong> for ${who}
        <p>Until ${formatDateTime(s.expires_at)}</p>
        <p class="connected" data-testid="share-connected">
          ${connected.length ? `Connected now: ${connected.join(', ')}` : 'Nobody connected now'}
        </p>
      </div>
      <button
        class="btn danger small"
        type="button"
        aria-label="Revoke the link for ${who}"
        @click=${() => this.revoke(s)}
      >
        Revoke
      </button>
    </li>`;
  }

  private renderList() {
    const live = this.shares?.filter((s) => s.state === 'live') ?? null;
    return html`<h3 id="active">Active links</h3>
      ${this.listError ? html`<div class="alert error" role="alert">${this.listError}</div>` : null}
      ${
        live === null
          ? html`<p class="hint">Loading…</p>`
          : live.length
            ? html`<ul class="shares" aria-labelledby="active">
                ${live.map((s) => this.renderShare(s))}
              </ul>`
            : html`<p class="hint">No active links.</p>`
      }`;
  }

  override render() {
    return html`<dialog
      aria-labelledby="t"
      @close=${() => this.dispatchEvent(new CustomEvent('closed'))}
    >
      <div class="body">
        <h2 id="t">Share ${this.heading}</h2>
        ${this.renderForm()} ${this.renderCreated()} ${this.renderList()}
        <div class="buttons">
          <button class="btn" type="button" @click=${() => this.dialog.close()}>Close</button>
        </div>
      </div>
    </dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-share-dialog': HubShareDialog;
  }
}
