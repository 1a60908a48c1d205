import { LitElement, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { statusView } from '../data/status';
import { theme } from '../styles/theme';

/** A container's status as a coloured word; colour is never the only signal. */
@customElement('hub-status-badge')
export class HubStatusBadge extends LitElement {
  static override styles = [theme];

  /** The container status from the API; empty for "not running". */
  @property() status = '';

  override render() {
    const view = statusView(this.status || null);
    return html`<span class="badge ${view.tone}" data-status=${this.status || 'none'}
      >${view.label}</span
    >`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-status-badge': HubStatusBadge;
  }
}
