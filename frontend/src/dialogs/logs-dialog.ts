import { LitElement, css, html } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { containerLogs } from '../data/admin';
import { messageOf } from '../data/api';
import '../components/error-state';
import '../components/loading-state';
import { theme } from '../styles/theme';
import { dialogStyles } from './dialog-styles';

/** The last lines of a container's output, for an admin chasing a problem. */
@customElement('hub-logs-dialog')
export class HubLogsDialog extends LitElement {
  static override styles = [
    theme,
    dialogStyles,
    css`
      dialog {
        width: min(60rem, calc(100vw - 2rem));
      }
      pre {
        margin: 0;
        max-height: 60vh;
        overflow: auto;
        background: #111827;
        color: #e5e7eb;
        padding: 0.75rem;
        border-radius: 6px;
        white-space: pre-wrap;
        word-break: break-all;
      }
    `,
  ];

  @property() urlId = '';
  @property() heading = '';
  @state() private logs: string | null = null;
  @state() private error = '';
  @state() private loading = false;

  @query('dialog') private dialog!: HTMLDialogElement;

  override firstUpdated(): void {
    this.dialog.showModal();
    void this.load();
  }

  private async load(): Promise<void> {
    this.loading = true;
    this.error = '';
    try {
      this.logs = await containerLogs(this.urlId, 200);
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.loading = false;
    }
  }

  override render() {
    let content;
    if (this.error)
      content = html`<hub-error
        heading="Could not read the logs"
        .message=${this.error}
        @retry=${this.load}
      ></hub-error>`;
    else if (this.logs === null)
      content = html`<hub-loading label="Reading the logs…"></hub-loading>`;
    else
      content = html`<pre tabindex="0" aria-label="Container output">
${this.logs || '(no output yet)'}</pre>`;
    return html`<dialog
      aria-labelledby="t"
      @close=${() => this.dispatchEvent(new CustomEvent('closed'))}
    >
      <div class="body">
        <h2 id="t">Logs: ${this.heading}</h2>
        ${content}
        <div class="buttons">
          <button class="btn" type="button" ?disabled=${this.loading} @click=${this.load}>
            Refresh
          </button>
          <button class="btn primary" type="button" @click=${() => this.dialog.close()}>
            Close
          </button>
        </div>
      </div>
    </dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-logs-dialog': HubLogsDialog;
  }
}
