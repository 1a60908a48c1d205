import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { theme } from '../styles/theme';

/**
 * A page's error state: what went wrong (the server's own message) and a Retry button that
 * fires `retry`, so the page can load again without a full reload.
 */
@customElement('hub-error')
export class HubErrorState extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: block;
      }
      .alert {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
        align-items: center;
        justify-content: space-between;
      }
    `,
  ];

  @property() heading = 'Could not load this page';
  @property() message = '';
  /** Hide the Retry button (e.g. "admins only": retrying would not help). */
  @property({ type: Boolean, attribute: 'no-retry' }) noRetry = false;

  override render() {
    return html`<div class="alert error" role="alert">
      <div><strong>${this.heading}.</strong> ${this.message}</div>
      ${
        this.noRetry
          ? null
          : html`<button
              class="btn small"
              type="button"
              @click=${() => this.dispatchEvent(new CustomEvent('retry', { bubbles: true, composed: true }))}
            >
              Retry
            </button>`
      }
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-error': HubErrorState;
  }
}
