import { LitElement, css, html } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { describePolicy } from '../data/policy';
import { isRunning } from '../data/status';
import { formatAgo, formatDuration, secondsUntil } from '../data/time';
import type { CrashReport } from '../data/applications';
import type { Application, ConfigurableValues, Container } from '../data/types';
import { isSameOriginPath, safeHref, safeImageSrc } from '../data/urls';
import { theme } from '../styles/theme';
import './configurables-form';
import type { HubConfigurables } from './configurables-form';
import './progress-bar';
import './status-badge';

/** What the launcher knows about a start or stop in flight for one grant. */
export interface ActionState {
  kind: 'starting' | 'stopping' | 'keepalive';
  /** 0..100 from the progress stream; null until the first event. */
  progress: number | null;
  message: string;
}

/** The details of the card's events (all bubble and cross shadow roots). */
export interface StartDetail {
  mappingId: string;
  configurables: ConfigurableValues;
}
export interface ContainerDetail {
  app: Application;
  container: Container;
}
export interface RestartDetail extends ContainerDetail {
  configurables: ConfigurableValues;
}

/** Common exit codes in words: a user reads "out of memory", not 137. */
function exitReason(code: number | null): string {
  if (code === null) return 'It stopped unexpectedly.';
  if (code === 137)
    return 'It was killed (exit code 137), most often because it ran out of memory.';
  if (code === 139) return 'It crashed (exit code 139, a segmentation fault).';
  if (code === 0) return 'Its program ended (exit code 0): the app closed itself.';
  return `It stopped unexpectedly with exit code ${code}.`;
}

/** Show the idle warning when culling is this close. */
export const CULL_WARNING_SECONDS = 5 * 60;

const TYPE_LABEL: Record<string, string> = { vncapp: 'Desktop', webapp: 'Web' };

/**
 * One application of the user: icon, name, description, type, live status, launch options
 * and the actions that fit its state. Holds no data of its own: the launcher passes the app,
 * its container and any action in flight down, and listens for `app-start`, `app-stop`,
 * `app-embed`, `app-share` and `app-keepalive`.
 */
@customElement('hub-app-card')
export class HubAppCard extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: block;
      }
      :host([wanted]) article {
        border-color: var(--c-primary);
        box-shadow: 0 0 0 2px var(--c-primary);
      }
      article {
        display: flex;
        flex-direction: column;
        gap: 0.75rem;
        height: 100%;
        background: var(--c-surface);
        border: 1px solid var(--c-border);
        border-radius: var(--radius);
        padding: 1rem;
      }
      header {
        display: flex;
        gap: 0.85rem;
        align-items: flex-start;
      }
      .icon {
        flex: none;
        width: 56px;
        height: 56px;
        border-radius: 12px;
        object-fit: contain;
        background: #eef2ff;
      }
      .icon.letter {
        display: flex;
        align-items: center;
        justify-content: center;
        font-size: 1.6rem;
        font-weight: 700;
        color: #3730a3;
      }
      .title {
        min-width: 0;
        flex: 1;
      }
      h2 {
        font-size: 1.1rem;
        margin: 0 0 0.3rem;
        overflow-wrap: anywhere;
      }
      .label {
        margin: -0.2rem 0 0.35rem;
        font-weight: 600;
        color: var(--c-text);
        overflow-wrap: anywhere;
      }
      .facts {
        display: flex;
        flex-wrap: wrap;
        gap: 0.3rem;
        list-style: none;
        margin: 0;
        padding: 0;
        font-size: 0.85rem;
      }
      .facts li {
        background: #f3f4f6;
        color: #374151;
        border-radius: 4px;
        padding: 0.05rem 0.45rem;
        overflow-wrap: anywhere;
      }
      .badges {
        display: flex;
        flex-wrap: wrap;
        gap: 0.35rem;
      }
      .desc {
        color: var(--c-muted);
        margin: 0;
        overflow-wrap: anywhere;
      }
      .since {
        margin: 0;
        font-size: 0.875rem;
        color: var(--c-muted);
      }
      details {
        border-top: 1px solid #e5e7eb;
        padding-top: 0.6rem;
      }
      summary {
        cursor: pointer;
        font-weight: 600;
        color: var(--c-primary);
        padding: 0.2rem 0;
      }
      details[open] summary {
        margin-bottom: 0.6rem;
      }
      form {
        display: flex;
        flex-direction: column;
        gap: 0.75rem;
        flex: 1;
      }
      .actions {
        margin-top: auto;
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      .alert {
        margin: 0;
      }
      .alert .btn {
        margin-top: 0.5rem;
      }
      .crash p {
        margin: 0 0 0.4rem;
      }
      .crash details {
        border: 0;
        padding: 0;
      }
      .crash pre {
        margin: 0.4rem 0 0;
        max-height: 12rem;
        overflow: auto;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
        font-size: 0.8rem;
        background: #fff;
        color: #1f2937;
        border: 1px solid #fca5a5;
        border-radius: 4px;
        padding: 0.4rem;
      }
    `,
  ];

  @property({ attribute: false }) app!: Application;
  @property({ attribute: false }) container: Container | null = null;
  @property({ attribute: false }) action: ActionState | null = null;
  /** Why a dead container stopped, once the launcher has asked; null until then. */
  @property({ attribute: false }) crash: CrashReport | null = null;
  /** The last failure of an action on this app, worded to say what to do. */
  @property() error = '';
  /** The card a link pointed at (an app's "Start it again"): it stands out. */
  @property({ type: Boolean, reflect: true }) wanted = false;
  /** Clock for the idle warning; the launcher ticks it. */
  @property({ type: Number }) now = Date.now();

  /** A problem in the launch options, found before anything was sent. */
  @state() private formError = '';

  @query('hub-configurables') private form?: HubConfigurables;

  private emit(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private start(e: Event): void {
    e.preventDefault();
    const result = this.form?.result() ?? { values: {} };
    if ('error' in result) {
      this.formError = result.error;
      return;
    }
    this.formError = '';
    const detail: StartDetail = { mappingId: this.app.mapping_id, configurables: result.values };
    this.emit('app-start', detail);
  }

  private readonly clearFormError = () => {
    this.formError = '';
  };

  /** The app's name for screen readers, with the grant's label when there is one. */
  private get spokenName(): string {
    const name = this.app.image.ui_name || this.app.image.name;
    return this.app.policy.label ? `${name} (${this.app.policy.label})` : name;
  }

  private renderIcon() {
    const src = safeImageSrc(this.app.image.icon_url);
    if (src) return html`<img class="icon" src=${src} alt="" width="56" height="56" />`;
    const letter = (this.app.image.ui_name || this.app.image.name).trim().charAt(0).toUpperCase();
    return html`<span class="icon letter" aria-hidden="true">${letter || '?'}</span>`;
  }

  /** What this grant gives (volume, licence, limits): tells grants of one app apart. */
  private renderFacts() {
    const facts = describePolicy(this.app.policy, true);
    if (!facts.length) return null;
    return html`<ul class="facts" aria-label="This grant gives">
      ${facts.map((f) => html`<li>${f}</li>`)}
    </ul>`;
  }

  private renderCullWarning(c: Container) {
    const left = secondsUntil(c.cull_at, this.now);
    if (left === null || left > CULL_WARNING_SECONDS) return null;
    const busy = this.action?.kind === 'keepalive';
    return html`<div class="alert warn" role="status">
      ${
        left > 0
          ? html`Idle: this app will be stopped in about
              <strong>${formatDuration(left)}</strong> unless you use it.`
          : html`Idle: this app is about to be stopped.`
      }
      <div>
        <button
          class="btn small"
          type="button"
          ?disabled=${busy}
          @click=${() => this.emit('app-keepalive', { app: this.app, container: c })}
        >
          ${busy ? 'Keeping…' : 'Keep running'}
        </button>
      </div>
    </div>`;
  }

  private renderStopped() {
    const starting = this.action?.kind === 'starting';
    const available = this.app.image.available !== false;
    return html`<form
      @submit=${this.start}
      @input=${this.clearFormError}
      @change=${this.clearFormError}
      aria-label="Start ${this.spokenName}"
    >
      ${this.renderLaunchOptions(starting)}
      <div class="actions">
        <button class="btn primary" type="submit" ?disabled=${starting || !available}>
          ${starting ? 'Starting…' : 'Start'}
        </button>
      </div>
    </form>`;
  }

  private renderLaunchOptions(disabled: boolean) {
    const res = this.app.image.configurables.some((c) => c.name === 'resolution');
    const startup =
      this.app.policy.allow_startup_data &&
      this.app.image.configurables.some((c) => c.name === 'startupdata');
    if (!res && !startup) return null;
    return html`<details ?inert=${disabled}>
      <summary>Launch options</summary>
      <hub-configurables
        .configurables=${this.app.image.configurables}
        .allowStartupData=${this.app.policy.allow_startup_data}
        .rememberKey=${this.app.image.name}
      ></hub-configurables>
    </details>`;
  }

  /** A crashed app: why (exit code, last output), then Restart or Remove. */
  private renderDead(c: Container, stopping: boolean, name: string) {
    const report = this.crash;
    const logs = report?.logs.trimEnd() ?? '';
    return html`<div class="alert error crash" role="status">
        <p>
          <strong>This app stopped on its own.</strong> ${report ? exitReason(report.exitCode) : ''}
        </p>
        ${
          logs
            ? html`<details open>
                <summary>Its last output</summary>
                <pre tabindex="0" aria-label="Last output of ${name}">${logs}</pre>
              </details>`
            : report
              ? html`<p>It printed nothing before it stopped.</p>`
              : html`<p>Looking up why…</p>`
        }
      </div>
      <div class="actions">
        <button
          class="btn primary"
          type="button"
          ?disabled=${stopping}
          aria-label="Restart ${name}"
          @click=${() => this.restart(c)}
        >
          Restart
        </button>
        <button
          class="btn"
          type="button"
          ?disabled=${stopping}
          aria-label="Remove the stopped ${name}"
          @click=${() => this.emit('app-stop', { app: this.app, container: c })}
        >
          ${stopping ? 'Removing…' : 'Remove'}
        </button>
      </div>`;
  }

  private restart(c: Container): void {
    const detail: RestartDetail = { app: this.app, container: c, configurables: {} };
    this.emit('app-restart', detail);
  }

  /** An admin installed a new image of this app: a restart moves it there, workspace kept. */
  private renderUpdate(c: Container, stopping: boolean, name: string) {
    return html`<div class="alert info update" role="status">
      <strong>Update available:</strong> restart to update. Your workspace files stay.
      <div>
        <button
          class="btn small"
          type="button"
          ?disabled=${stopping}
          aria-label="Restart ${name} to update"
          @click=${() => this.restart(c)}
        >
          Restart to update
        </button>
      </div>
    </div>`;
  }

  private renderRunning(c: Container) {
    const href = safeHref(c.url);
    const stopping = this.action?.kind === 'stopping';
    const name = this.spokenName;
    const running = isRunning(c.status);
    if (c.status === 'dead') return this.renderDead(c, stopping, name);
    return html`${
        running && c.started_at
          ? html`<p class="since">Started ${formatAgo(c.started_at, this.now)}</p>`
          : null
      }
      ${this.renderCullWarning(c)}
      ${running && c.update_available ? this.renderUpdate(c, stopping, name) : null}
      <div class="actions running">
        ${
          href && running
            ? html`<a
                class="btn primary"
                href=${href}
                target="_blank"
                rel="noopener"
                aria-label="Open ${name} in a new tab"
                >Open<span aria-hidden="true"> ↗</span></a
              >`
            : null
        }
        ${
          // A frame works only for an app on the portal's own origin: browsers keep cookies and
          // storage from the frames of other sites (apps on origins of their own).
          href && running && this.app.image.type === 'vncapp' && isSameOriginPath(href)
            ? html`<button
                class="btn"
                type="button"
                aria-label="Open ${name} in this page"
                @click=${() => this.emit('app-embed', { app: this.app, container: c })}
              >
                Open here
              </button>`
            : null
        }
        ${
          running && this.app.policy.allow_view
            ? html`<button
                class="btn"
                type="button"
                aria-label="Share ${name}"
                @click=${() => this.emit('app-share', { app: this.app, container: c })}
              >
                Share
              </button>`
            : null
        }
        <button
          class="btn danger"
          type="button"
          ?disabled=${stopping}
          aria-label="Stop ${name}"
          @click=${() => this.emit('app-stop', { app: this.app, container: c })}
        >
          ${stopping ? 'Stopping…' : 'Stop'}
        </button>
      </div>`;
  }

  override render() {
    const { image } = this.app;
    const c = this.container;
    const typeLabel = image.type ? TYPE_LABEL[image.type] : null;
    const action = this.action;
    const status = action?.kind === 'starting' ? 'starting' : (c?.status ?? '');
    return html`<article aria-labelledby="name label">
      <header>
        ${this.renderIcon()}
        <div class="title">
          <h2 id="name">${image.ui_name || image.name}</h2>
          ${this.app.policy.label ? html`<p class="label" id="label">${this.app.policy.label}</p>` : null}
          <div class="badges">
            ${typeLabel ? html`<span class="badge info">${typeLabel}</span>` : null}
            <hub-status-badge status=${status}></hub-status-badge>
            ${
              c?.update_available && !action
                ? html`<span class="badge busy" title="Restart to update">Update available</span>`
                : null
            }
          </div>
        </div>
      </header>
      ${image.description ? html`<p class="desc">${image.description}</p>` : null}
      ${this.renderFacts()}
      ${
        image.available === false
          ? html`<div class="alert warn">
              This application's image is missing on the server. Ask an administrator to restore it.
            </div>`
          : null
      }
      ${
        action?.kind === 'starting'
          ? html`<hub-progress .value=${action.progress} label=${action.message}></hub-progress>`
          : null
      }
      ${
        this.formError || this.error
          ? html`<div class="alert error" role="alert">${this.formError || this.error}</div>`
          : null
      }
      ${c && !(action?.kind === 'starting') ? this.renderRunning(c) : this.renderStopped()}
    </article>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-app-card': HubAppCard;
  }
}
