import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { theme } from '../styles/theme';

/** The "still loading" state every page renders before its data arrives. */
@customElement('hub-loading')
export class HubLoading extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: flex;
        align-items: center;
        gap: 0.75rem;
        padding: 1.5rem 0;
        color: var(--c-muted);
      }
      .spinner {
        width: 1.25rem;
        height: 1.25rem;
        border: 3px solid #cbd5e1;
        border-top-color: var(--c-primary);
        border-radius: 50%;
        animation: spin 0.9s linear infinite;
      }
      @keyframes spin {
        to {
          transform: rotate(360deg);
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .spinner {
          animation-duration: 3s;
        }
      }
    `,
  ];

  /** What is being loaded, for screen readers and sighted users alike. */
  @property() label = 'Loading…';

  override render() {
    return html`<span class="spinner" aria-hidden="true"></span
      ><span role="status">${this.label}</span>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-loading': HubLoading;
  }
}
