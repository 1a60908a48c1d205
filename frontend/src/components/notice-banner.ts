import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { theme } from '../styles/theme';

/**
 * The outcome of an admin action ("Created alice.", "Could not register ..."). Forms often sit
 * below the fold, so a new message scrolls itself into view; errors are announced as alerts.
 * Extra content (a "Register anyway" button) goes in the default slot.
 */
@customElement('hub-notice')
export class HubNotice extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: block;
        scroll-margin: 1rem;
      }
      ::slotted(*) {
        margin-top: 0.5rem;
      }
    `,
  ];

  @property() tone: 'ok' | 'error' | 'warn' | 'info' = 'ok';
  @property() text = '';

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('text') && this.text) this.scrollIntoView({ block: 'nearest' });
  }

  override render() {
    return html`<div class="alert ${this.tone}" role=${this.tone === 'error' ? 'alert' : 'status'}>
      ${this.text}
      <slot></slot>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-notice': HubNotice;
  }
}
