import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { loadedOr } from '../components/load-state';
import { listAudit } from '../data/admin';
import { messageOf } from '../data/api';
import { formatDateTime } from '../data/time';
import type { AuditEvent } from '../data/types';
import { pageStyles } from '../styles/page';
import { theme } from '../styles/theme';

function detailsText(details: unknown): string {
  if (details === null || details === undefined || details === '') return '';
  if (typeof details === 'string') return details;
  try {
    return JSON.stringify(details);
  } catch {
    return String(details);
  }
}

/** The audit log, newest first, filtered by actor and action (kept in the URL). */
@customElement('hub-admin-audit-page')
export class HubAdminAuditPage extends LitElement {
  static override styles = [
    theme,
    pageStyles,
    css`
      form.filters {
        display: flex;
        flex-wrap: wrap;
        gap: 0 1rem;
        align-items: flex-end;
        margin-bottom: 1rem;
      }
      form.filters .field {
        min-width: 12rem;
        flex: 1;
      }
      form.filters .field.limit {
        flex: 0 0 10rem;
        min-width: 10rem;
      }
      td.details {
        max-width: 28rem;
      }
    `,
  ];

  @state() private events: AuditEvent[] | null = null;
  @state() private loadError = '';
  @state() private actor = '';
  @state() private action = '';
  @state() private limit = 100;

  override connectedCallback(): void {
    super.connectedCallback();
    const q = new URLSearchParams(location.search);
    this.actor = q.get('actor') ?? '';
    this.action = q.get('action') ?? '';
    this.limit = Number(q.get('limit')) || 100;
    void this.load();
  }

  private async load(): Promise<void> {
    this.loadError = '';
    this.events = null;
    try {
      this.events = await listAudit({
        actor: this.actor.trim(),
        action: this.action.trim(),
        limit: this.limit,
      });
    } catch (err) {
      this.loadError = messageOf(err);
    }
  }

  private apply(e: Event): void {
    e.preventDefault();
    const q = new URLSearchParams();
    if (this.actor.trim()) q.set('actor', this.actor.trim());
    if (this.action.trim()) q.set('action', this.action.trim());
    if (this.limit !== 100) q.set('limit', String(this.limit));
    const qs = q.toString();
    history.replaceState(null, '', `${location.pathname}${qs ? `?${qs}` : ''}`);
    void this.load();
  }

  private clear(): void {
    this.actor = '';
    this.action = '';
    this.limit = 100;
    history.replaceState(null, '', location.pathname);
    void this.load();
  }

  private renderTable(events: AuditEvent[]) {
    if (!events.length) return html`<p class="muted">No event matches these filters.</p>`;
    return html`<div class="table-wrap">
      <table class="stack">
        <caption class="sr-only">
          Audit events
        </caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Address</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          ${events.map(
            (e) =>
              html`<tr>
                <td data-label="When" class="nowrap">${formatDateTime(e.at)}</td>
                <td data-label="Actor">${e.actor ?? html`<span class="muted">system</span>`}</td>
                <td data-label="Action"><code>${e.action}</code></td>
                <td data-label="Target" class="mono">${e.target ?? ''}</td>
                <td data-label="Address" class="mono">${e.address ?? ''}</td>
                <td data-label="Details" class="mono details">${detailsText(e.details)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  override render() {
    const body = loadedOr(
      this.events,
      this.loadError,
      { heading: 'Could not load the audit log', label: 'Loading events…', retry: this.load },
      (events) => this.renderTable(events),
    );
    return html`<div class="head"><h1>Audit log</h1></div>
      <form class="filters card" @submit=${this.apply} role="search" aria-label="Filter events">
        <div class="field">
          <label for="f-actor">Actor</label>
          <input
            id="f-actor"
            type="text"
            autocomplete="off"
            placeholder="any user"
            .value=${this.actor}
            @input=${(e: Event) => (this.actor = (e.target as HTMLInputElement).value)}
          />
        </div>
        <div class="field">
          <label for="f-action">Action</label>
          <input
            id="f-action"
            type="text"
            autocomplete="off"
            placeholder="e.g. login, container."
            aria-describedby="f-action-hint"
            .value=${this.action}
            @input=${(e: Event) => (this.action = (e.target as HTMLInputElement).value)}
          />
          <span id="f-action-hint" class="sr-only">Matches the start of the action name.</span>
        </div>
        <div class="field limit">
          <label for="f-limit">Show</label>
          <select
            id="f-limit"
            @change=${(e: Event) => (this.limit = Number((e.target as HTMLSelectElement).value))}
          >
            ${[50, 100, 500].map((n) => html`<option value=${n} ?selected=${n === this.limit}>${n} events</option>`)}
          </select>
        </div>
        <div class="form-actions">
          <button class="btn primary" type="submit">Filter</button>
          <button class="btn" type="button" @click=${this.clear}>Clear</button>
        </div>
      </form>
      ${body}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-admin-audit-page': HubAdminAuditPage;
  }
}
