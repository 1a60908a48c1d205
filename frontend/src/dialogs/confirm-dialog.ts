import { LitElement, html } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { theme } from '../styles/theme';
import { dialogStyles } from './dialog-styles';

/**
 * A yes/no question before something that cannot be undone. Focus starts on Cancel, so a
 * stray Enter does not stop an app or delete a user. Fires `closed` with true or false.
 */
@customElement('hub-confirm-dialog')
export class HubConfirmDialog extends LitElement {
  static override styles = [theme, dialogStyles];

  @property() heading = '';
  @property() message = '';
  @property() confirmLabel = 'OK';
  @property({ type: Boolean }) danger = false;

  @query('dialog') private dialog!: HTMLDialogElement;
  private answer = false;

  override firstUpdated(): void {
    this.dialog.showModal();
    this.renderRoot.querySelector<HTMLButtonElement>('button[value="cancel"]')?.focus();
  }

  private finish(ok: boolean): void {
    this.answer = ok;
    this.dialog.close();
  }

  override render() {
    return html`<dialog
      aria-labelledby="t"
      aria-describedby="m"
      @close=${() => this.dispatchEvent(new CustomEvent('closed', { detail: this.answer }))}
    >
      <div class="body">
        <h2 id="t">${this.heading}</h2>
        <p id="m">${this.message}</p>
        <div class="buttons">
          <button class="btn" type="button" value="cancel" @click=${() => this.finish(false)}>
            Cancel
          </button>
          <button
            class="btn ${this.danger ? 'danger solid' : 'primary'}"
            type="button"
            value="ok"
            @click=${() => this.finish(true)}
          >
            ${this.confirmLabel}
          </button>
        </div>
      </div>
    </dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-confirm-dialog': HubConfirmDialog;
  }
}
