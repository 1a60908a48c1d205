import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { ifDefined } from 'lit/directives/if-defined.js';
import { theme } from '../styles/theme';

/** A labelled progress bar; without a value it shows an indeterminate stripe. */
@customElement('hub-progress')
export class HubProgress extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: block;
      }
      .track {
        position: relative;
        height: 0.6rem;
        border-radius: 999px;
        background: #e5e7eb;
        overflow: hidden;
      }
      .fill {
        height: 100%;
        background: var(--c-primary);
        border-radius: 999px;
        transition: width 0.3s ease;
      }
      .indeterminate .fill {
        width: 35%;
        animation: slide 1.4s ease-in-out infinite;
      }
      @keyframes slide {
        from {
          transform: translateX(-100%);
        }
        to {
          transform: translateX(300%);
        }
      }
      @media (prefers-reduced-motion: reduce) {
        .fill {
          transition: none;
        }
        .indeterminate .fill {
          animation: none;
          width: 100%;
          opacity: 0.4;
        }
      }
      .label {
        display: flex;
        justify-content: space-between;
        gap: 0.5rem;
        font-size: 0.875rem;
        color: var(--c-muted);
        margin-bottom: 0.25rem;
      }
    `,
  ];

  /** 0..100, or null while the stage is unknown. */
  @property({ type: Number }) value: number | null = null;
  /** What is happening now ("Starting the container…"). */
  @property() label = '';

  override render() {
    const known = typeof this.value === 'number' && Number.isFinite(this.value);
    const pct = known ? Math.max(0, Math.min(100, Math.round(this.value as number))) : 0;
    return html`<div class="label">
        <span>${this.label}</span><span>${known ? `${pct}%` : ''}</span>
      </div>
      <div
        class="track ${known ? '' : 'indeterminate'}"
        role="progressbar"
        aria-label=${this.label || 'Progress'}
        aria-valuemin="0"
        aria-valuemax="100"
        aria-valuenow=${ifDefined(known ? pct : undefined)}
      >
        <div class="fill" style=${known ? `width:${pct}%` : ''}></div>
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-progress': HubProgress;
  }
}
