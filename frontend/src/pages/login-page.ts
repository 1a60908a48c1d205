import { LitElement, css, html } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { ApiError, messageOf } from '../data/api';
import { fetchLoginOptions, type LoginOptions, providerUrl } from '../data/login-options';
import { login } from '../data/session';
import { theme } from '../styles/theme';

/**
 * The login form, and a "Log in with <provider>" button per identity provider the hub offers
 * (GET /api/v1/login-options); without local accounts or LDAP only the buttons. Enter submits; a wrong password says so and keeps the user name; a lockout
 * counts down the seconds the hub asked to wait (Retry-After) and re-enables the form after.
 * Fires `logged-in` with the Me answer; the shell then goes to `next`.
 */
@customElement('hub-login-page')
export class HubLoginPage extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: flex;
        min-height: 100vh;
        align-items: center;
        justify-content: center;
        padding: 1rem;
      }
      main {
        width: min(24rem, 100%);
      }
      .brand {
        text-align: center;
        font-size: 1.1rem;
        font-weight: 700;
        color: var(--c-primary);
        margin-bottom: 1rem;
      }
      .card {
        padding: 1.5rem;
        box-shadow: 0 4px 14px rgba(0, 0, 0, 0.06);
      }
      h1 {
        margin-bottom: 1.25rem;
      }
      button[type='submit'] {
        width: 100%;
        margin-top: 0.4rem;
      }
      .providers {
        display: grid;
        gap: 0.5rem;
      }
      .providers a.btn {
        width: 100%;
        justify-content: center;
        text-align: center;
        text-decoration: none;
        box-sizing: border-box;
      }
      .or {
        text-align: center;
        font-size: 0.875rem;
        color: var(--c-muted);
        margin: 1rem 0 0.6rem;
      }
      .where {
        font-size: 0.875rem;
        color: var(--c-muted);
        margin-top: 1rem;
        overflow-wrap: anywhere;
      }
    `,
  ];

  /** Where the user was going; shown so they know the login is a detour. */
  @property() next = '';

  @state() private username = '';
  @state() private password = '';
  @state() private busy = false;
  @state() private error = '';
  /** When a lockout ends (ms since epoch); 0 when not locked out. */
  @state() private lockedUntil = 0;
  @state() private now = Date.now();
  /** Until the hub answers, the form alone (it works on every hub that has one). */
  @state() private options: LoginOptions = { form: true, providers: [] };

  @query('#password') private passwordInput!: HTMLInputElement;
  @query('#username') private usernameInput!: HTMLInputElement;
  private timer: number | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    fetchLoginOptions().then(
      (options) => (this.options = options),
      // The form still works; a provider button missing is better than no page.
      () => undefined,
    );
  }

  override firstUpdated(): void {
    this.usernameInput?.focus();
  }

  override disconnectedCallback(): void {
    window.clearInterval(this.timer);
    super.disconnectedCallback();
  }

  private get secondsLeft(): number {
    return Math.max(0, Math.ceil((this.lockedUntil - this.now) / 1000));
  }

  private startCountdown(seconds: number): void {
    this.lockedUntil = Date.now() + seconds * 1000;
    this.now = Date.now();
    window.clearInterval(this.timer);
    this.timer = window.setInterval(() => {
      this.now = Date.now();
      if (this.secondsLeft === 0) {
        window.clearInterval(this.timer);
        this.lockedUntil = 0;
        this.error = 'You can try again now.';
      }
    }, 1000);
  }

  private async submit(e: Event): Promise<void> {
    e.preventDefault();
    if (this.busy || this.secondsLeft > 0) return;
    if (!this.username.trim() || !this.password) {
      this.error = 'Enter your user name and password.';
      (this.username.trim() ? this.passwordInput : this.usernameInput).focus();
      return;
    }
    this.busy = true;
    this.error = '';
    try {
      const me = await login(this.username.trim(), this.password);
      this.dispatchEvent(
        new CustomEvent('logged-in', { detail: me, bubbles: true, composed: true }),
      );
    } catch (err) {
      this.password = '';
      if (err instanceof ApiError && err.status === 429) {
        this.startCountdown(err.retryAfter ?? 60);
        this.error = '';
      } else if (err instanceof ApiError && err.status === 401) {
        this.error = 'Wrong user name or password. Check both and try again.';
      } else {
        this.error = messageOf(err);
      }
      await this.updateComplete;
      this.passwordInput?.focus();
    } finally {
      this.busy = false;
    }
  }

  private renderMessage() {
    const left = this.secondsLeft;
    if (left > 0) {
      return html`<div class="alert error" role="alert" data-testid="login-error">
        Too many failed attempts. Try again in
        <strong><span data-testid="countdown">${left}</span> second${left === 1 ? '' : 's'}</strong
        >.
      </div>`;
    }
    if (!this.error) return null;
    const tone = this.error === 'You can try again now.' ? 'info' : 'error';
    return html`<div class="alert ${tone}" role="alert" data-testid="login-error">
      ${this.error}
    </div>`;
  }

  private renderProviders() {
    const { providers, form } = this.options;
    if (!providers.length) return null;
    return html`${form ? html`<p class="or">or</p>` : null}
      <div class="providers">
        ${providers.map(
          (p) =>
            html`<a
              class="btn ${form ? '' : 'primary'}"
              data-testid="provider-${p.kind}"
              href=${providerUrl(p.url, this.next)}
              >Log in with ${p.display_name}</a
            >`,
        )}
      </div>`;
  }

  private renderForm() {
    const locked = this.secondsLeft > 0;
    return html`${this.renderMessage()}
      <div class="field">
        <label for="username">User name</label>
        <input
          id="username"
          name="username"
          type="text"
          autocomplete="username"
          autocapitalize="none"
          spellcheck="false"
          required
          .value=${this.username}
          @input=${(e: Event) => (this.username = (e.target as HTMLInputElement).value)}
        />
      </div>
      <div class="field">
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          .value=${this.password}
          @input=${(e: Event) => (this.password = (e.target as HTMLInputElement).value)}
        />
      </div>
      <button class="btn primary" type="submit" ?disabled=${this.busy || locked}>
        ${this.busy ? 'Logging in…' : 'Log in'}
      </button>`;
  }

  override render() {
    return html`<main>
      <div class="brand" aria-hidden="true">App Hub</div>
      <form class="card" @submit=${this.submit} novalidate>
        <h1>Log in</h1>
        ${this.options.form ? this.renderForm() : null} ${this.renderProviders()}
        ${
          this.next && this.next !== '/hub/launcher'
            ? html`<p class="where">
                After logging in you will continue to <code>${this.next}</code>.
              </p>`
            : null
        }
      </form>
    </main>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-login-page': HubLoginPage;
  }
}
