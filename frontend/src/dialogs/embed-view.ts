import { LitElement, css, html } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { theme } from '../styles/theme';

/**
 * A desktop app inside the portal: a thin bar and the app's page filling the rest of the
 * window. The frame gets keyboard focus as soon as it loads, so typing goes to the app
 * (Escape included: it belongs to the app while the frame has focus; the bar's Close button
 * ends the view).
 */
@customElement('hub-embed-view')
export class HubEmbedView extends LitElement {
  static override styles = [
    theme,
    css`
      dialog {
        border: none;
        padding: 0;
        margin: 0;
        width: 100vw;
        height: 100vh;
        max-width: 100vw;
        max-height: 100vh;
        display: flex;
        flex-direction: column;
        background: #111827;
      }
      dialog:not([open]) {
        display: none;
      }
      .bar {
        flex: none;
        display: flex;
        align-items: center;
        gap: 0.5rem;
        padding: 0.35rem 0.6rem;
        background: #1f2937;
        color: #f9fafb;
      }
      .bar h2 {
        flex: 1;
        margin: 0;
        font-size: 1rem;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      iframe {
        flex: 1;
        width: 100%;
        border: none;
        background: #fff;
      }
    `,
  ];

  @property() url = '';
  @property() heading = '';
  @query('dialog') private dialog!: HTMLDialogElement;
  @query('iframe') private frame!: HTMLIFrameElement;

  override firstUpdated(): void {
    this.dialog.showModal();
    this.frame.focus();
  }

  override render() {
    return html`<dialog
      aria-label=${this.heading}
      @close=${() => this.dispatchEvent(new CustomEvent('closed'))}
    >
      <div class="bar">
        <h2>${this.heading}</h2>
        <a class="btn small" href=${this.url} target="_blank" rel="noopener">New tab</a>
        <button class="btn small" type="button" @click=${() => this.dialog.close()}>Close</button>
      </div>
      <iframe
        src=${this.url}
        title=${this.heading}
        allow="clipboard-read; clipboard-write; fullscreen"
        @load=${() => this.frame.focus()}
      ></iframe>
    </dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-embed-view': HubEmbedView;
  }
}
