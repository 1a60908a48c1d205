import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { loadedOr } from '../components/load-state';
import { listAudit } from '../data/admin';
import { messageOf } from '../data/api';
import { actionText, detailPairs, shortId } from '../data/audit';
import { formatDateTime } from '../data/time';
import type { AuditEvent } from '../data/types';
import { pageStyles } from '../styles/page';
import { theme } from '../styles/theme';

const PAGE_SIZES = [50, 100, 500];

/**
 * The audit log, newest first, filtered by actor, action, target and days (kept in the URL),
 * one page at a time: "Older" asks for events before the last one shown.
 */
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
      form.filters .field.day {
        flex: 0 0 11rem;
        min-width: 11rem;
      }
      td.details {
        max-width: 28rem;
      }
      dl {
        margin: 0;
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 0 0.5rem;
        font-size: 0.875rem;
      }
      dt {
        color: var(--c-muted);
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      .addr {
        white-space: nowrap;
      }
      .what {
        display: block;
      }
      .code {
        font-size: 0.8rem;
        color: var(--c-muted);
      }
      .pager {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
        margin-top: 1rem;
      }
    `,
  ];

  @state() private events: AuditEvent[] | null = null;
  @state() private loadError = '';
  @state() private actor = '';
  @state() private action = '';
  @state() private target = '';
  @state() private from = '';
  @state() private to = '';
  @state() private limit = 100;
  /** Cursors of the pages before this one (`before` ids); empty on the newest page. */
  @state() private pages: number[] = [];
  @state() private cursor: number | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    const q = new URLSearchParams(location.search);
    this.actor = q.get('actor') ?? '';
    this.action = q.get('action') ?? '';
    this.target = q.get('target') ?? '';
    this.from = q.get('from') ?? '';
    this.to = q.get('to') ?? '';
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
        target: this.target.trim(),
        from: this.from,
        to: this.to,
        limit: this.limit,
        before: this.cursor,
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
    if (this.target.trim()) q.set('target', this.target.trim());
    if (this.from) q.set('from', this.from);
    if (this.to) q.set('to', this.to);
    if (this.limit !== 100) q.set('limit', String(this.limit));
    const qs = q.toString();
    history.replaceState(null, '', `${location.pathname}${qs ? `?${qs}` : ''}`);
    this.pages = [];
    this.cursor = undefined;
    void this.load();
  }

  private older(events: AuditEvent[]): void {
    this.pages = [...this.pages, this.cursor ?? 0];
    this.cursor = events[events.length - 1].id;
    void this.load();
  }

  private newer(): void {
    const pages = [...this.pages];
    const previous = pages.pop();
    this.pages = pages;
    this.cursor = previous || undefined;
    void this.load();
  }

  private clear(): void {
    this.actor = '';
    this.action = '';
    this.target = '';
    this.from = '';
    this.to = '';
    this.limit = 100;
    this.pages = [];
    this.cursor = undefined;
    history.replaceState(null, '', location.pathname);
    void this.load();
  }

  private renderTarget(e: AuditEvent) {
    if (!e.target) return '';
    const id = shortId(e.target);
    if (e.app) return html`${e.app} <span class="code" title=${e.target}>${id}</span>`;
    return id === e.target ? e.target : html`<span title=${e.target}>${id}</span>`;
  }

  private renderDetails(e: AuditEvent) {
    const pairs = detailPairs(e);
    if (!pairs.length) return '';
    return html`<dl>
      ${pairs.map(
        ([k, v]) =>
          html`<dt>${k}</dt>
            <dd>${v}</dd>`,
      )}
    </dl>`;
  }

  private renderTable(events: AuditEvent[]) {
    if (!events.length)
      return html`<p class="muted">
          ${this.pages.length ? 'No older event matches these filters.' : 'No event matches these filters.'}
        </p>
        ${this.renderPager(events)}`;
    return html`<div class="table-wrap">
        <table class="stack">
          <caption class="sr-only">
            Audit events
          </caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">About</th>
              <th scope="col">Address</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            ${events.map(
              (e) =>
                html`<tr>
                  <td data-label="When" class="nowrap">${formatDateTime(e.at)}</td>
                  <td data-label="Who">${e.actor ?? html`<span class="muted">the hub</span>`}</td>
                  <td data-label="What">
                    <span class="what">${actionText(e.action)}</span>
                    <code class="code">${e.action}</code>
                  </td>
                  <td data-label="About">${this.renderTarget(e)}</td>
                  <td data-label="Address" class="mono addr">${e.address ?? ''}</td>
                  <td data-label="Details" class="details">${this.renderDetails(e)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${this.renderPager(events)}`;
  }

  private renderPager(events: AuditEvent[]) {
    const full = events.length >= this.limit;
    if (!this.pages.length && !full) return null;
    return html`<nav class="pager" aria-label="Pages of the audit log">
      <button class="btn" type="button" ?disabled=${!this.pages.length} @click=${this.newer}>
        Newer events
      </button>
      <button class="btn" type="button" ?disabled=${!full} @click=${() => this.older(events)}>
        Older events
      </button>
      <span class="muted" role="status">Page ${this.pages.length + 1}</span>
    </nav>`;
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
        <div class="field">
          <label for="f-target">About</label>
          <input
            id="f-target"
            type="search"
            autocomplete="off"
            placeholder="user, image or id"
            .value=${this.target}
            @input=${(e: Event) => (this.target = (e.target as HTMLInputElement).value)}
          />
        </div>
        <div class="field day">
          <label for="f-from">From</label>
          <input
            id="f-from"
            type="date"
            .value=${this.from}
            @input=${(e: Event) => (this.from = (e.target as HTMLInputElement).value)}
          />
        </div>
        <div class="field day">
          <label for="f-to">To</label>
          <input
            id="f-to"
            type="date"
            .value=${this.to}
            @input=${(e: Event) => (this.to = (e.target as HTMLInputElement).value)}
          />
        </div>
        <div class="field limit">
          <label for="f-limit">Show</label>
          <select
            id="f-limit"
            @change=${(e: Event) => (this.limit = Number((e.target as HTMLSelectElement).value))}
          >
            ${PAGE_SIZES.map(
              (n) => html`<option value=${n} ?selected=${n === this.limit}>${n} a page</option>`,
            )}
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
