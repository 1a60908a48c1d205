import { LitElement, html } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { theme } from '../styles/theme';
import { dialogStyles } from './dialog-styles';

/** Asks an admin for a user's new password. Fires `closed` with the password or null. */
@customElement('hub-password-dialog')
export class HubPasswordDialog extends LitElement {
  static override styles = [theme, dialogStyles];

  @property() user = '';
  @state() private password = '';
  @state() private problem = '';

  @query('dialog') private dialog!: HTMLDialogElement;
  private answer: string | null = null;

  override firstUpdated(): void {
    this.dialog.showModal();
    this.renderRoot.querySelector<HTMLInputElement>('input')?.focus();
  }

  private submit(e: Event): void {
    e.preventDefault();
    if (!this.password) {
      this.problem = 'Type the new password.';
      return;
    }
    this.answer = this.password;
    this.dialog.close();
  }

  override render() {
    return html`<dialog
      aria-labelledby="t"
      @close=${() => this.dispatchEvent(new CustomEvent('closed', { detail: this.answer }))}
    >
      <form class="body" @submit=${this.submit}>
        <h2 id="t">Reset the password of ${this.user}</h2>
        <div class="field">
          <label for="pw">New password</label>
          <input
            id="pw"
            type="password"
            autocomplete="new-password"
            .value=${this.password}
            aria-invalid=${this.problem ? 'true' : 'false'}
            aria-describedby="pw-hint"
            @input=${(e: Event) => {
              this.password = (e.target as HTMLInputElement).value;
              this.problem = '';
            }}
          />
          <span id="pw-hint" class="hint" role=${this.problem ? 'alert' : 'note'}
            >${this.problem || 'Tell the user their new password through a safe channel.'}</span
          >
        </div>
        <div class="buttons">
          <button class="btn" type="button" @click=${() => this.dialog.close()}>Cancel</button>
          <button class="btn primary" type="submit">Set password</button>
        </div>
      </form>
    </dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-password-dialog': HubPasswordDialog;
  }
}
