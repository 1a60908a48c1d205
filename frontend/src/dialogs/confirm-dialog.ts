import { LitElement, css, html } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { theme } from '../styles/theme';
import { dialogStyles } from './dialog-styles';

/**
 * A yes/no question before something that cannot be undone. Focus starts on Cancel, so a
 * stray Enter does not stop an app or delete a user. Fires `closed` with true or false, or,
 * when it offers a `choice` (a checkbox, unticked at first), with `{ ok, checked }`. `items`
 * lists what the action would take, so a person sees it before confirming.
 */
@customElement('hub-confirm-dialog')
export class HubConfirmDialog extends LitElement {
  static override styles = [
    theme,
    dialogStyles,
    css`
      .items {
        max-height: 12rem;
        overflow: auto;
        margin: 0.5rem 0;
        padding-left: 1.25rem;
        font-size: 0.85rem;
      }
      .check {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        margin-top: 0.75rem;
      }
    `,
  ];

  @property() heading = '';
  @property() message = '';
  @property() confirmLabel = 'OK';
  @property({ type: Boolean }) danger = false;
  @property() choice = '';
  @property({ attribute: false }) items: string[] = [];

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

  private get result(): boolean | { ok: boolean; checked: boolean } {
    if (!this.choice) return this.answer;
    const box = this.renderRoot.querySelector<HTMLInputElement>('input[name="choice"]');
    return { ok: this.answer, checked: box?.checked ?? false };
  }

  override render() {
    return html`<dialog
      aria-labelledby="t"
      aria-describedby="m"
      @close=${() => this.dispatchEvent(new CustomEvent('closed', { detail: this.result }))}
    >
      <div class="body">
        <h2 id="t">${this.heading}</h2>
        <p id="m">${this.message}</p>
        ${
          this.items.length
            ? html`<ul class="items" aria-label="What would go">
                ${this.items.map((i) => html`<li class="mono">${i}</li>`)}
              </ul>`
            : null
        }
        ${
          this.choice
            ? html`<label class="check"
                ><input type="checkbox" name="choice" /> ${this.choice}</label
              >`
            : null
        }
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
