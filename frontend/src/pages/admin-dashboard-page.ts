import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import '../components/error-state';
import '../components/loading-state';
import { listAllContainers, listAudit, listImages, listUsers } from '../data/admin';
import { messageOf } from '../data/api';
import { isRunning } from '../data/status';
import { formatAgo } from '../data/time';
import type { AuditEvent } from '../data/types';
import { pageStyles } from '../styles/page';
import { theme } from '../styles/theme';

/** A count on the dashboard, or why it is missing. */
type Count = { value: number } | { error: string };

interface Overview {
  users: Count;
  running: Count;
  images: Count;
  events: AuditEvent[] | { error: string };
}

function settle<T, R>(result: PromiseSettledResult<T>, map: (v: T) => R): R | { error: string } {
  return result.status === 'fulfilled' ? map(result.value) : { error: messageOf(result.reason) };
}

/**
 * The admin's overview: how many users, running containers and images, and what happened
 * lately. Each part loads on its own, so one failing endpoint does not blank the page.
 */
@customElement('hub-admin-dashboard-page')
export class HubAdminDashboardPage extends LitElement {
  static override styles = [
    theme,
    pageStyles,
    css`
      .tiles {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr));
        gap: 1rem;
        margin-bottom: 2rem;
      }
      .tile {
        display: block;
        text-decoration: none;
        color: var(--c-text);
      }
      .tile:hover {
        border-color: var(--c-primary);
        color: var(--c-text);
      }
      .tile .n {
        display: block;
        font-size: 2.2rem;
        font-weight: 800;
        line-height: 1.1;
      }
      .tile .what {
        color: var(--c-muted);
        font-weight: 600;
      }
      .tile .err {
        color: var(--c-danger);
        font-size: 0.875rem;
      }
    `,
  ];

  @state() private data: Overview | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    this.data = null;
    const [users, containers, images, events] = await Promise.allSettled([
      listUsers(),
      listAllContainers(),
      listImages(),
      listAudit({ limit: 10 }),
    ]);
    this.data = {
      users: settle(users, (v) => ({ value: v.length })),
      running: settle(containers, (v) => ({ value: v.filter((c) => isRunning(c.status)).length })),
      images: settle(images, (v) => ({ value: v.length })),
      events: settle(events, (v) => v),
    };
  }

  private tile(count: Count, what: string, href: string) {
    return html`<a class="card tile" href=${href}>
      ${
        'value' in count
          ? html`<span class="n">${count.value}</span>`
          : html`<span class="n" aria-hidden="true">—</span>`
      }
      <span class="what">${what}</span>
      ${'error' in count ? html`<div class="err">Could not count: ${count.error}</div>` : null}
    </a>`;
  }

  private renderEvents(events: Overview['events']) {
    if ('error' in events)
      return html`<hub-error
        heading="Could not load recent events"
        .message=${events.error}
        @retry=${this.load}
      ></hub-error>`;
    if (!events.length) return html`<p class="muted">Nothing has happened yet.</p>`;
    return html`<div class="table-wrap">
      <table class="stack">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Target</th>
          </tr>
        </thead>
        <tbody>
          ${events.map(
            (e) =>
              html`<tr>
                <td data-label="When" class="nowrap">${formatAgo(e.at)}</td>
                <td data-label="Who">${e.actor ?? 'system'}</td>
                <td data-label="What"><code>${e.action}</code></td>
                <td data-label="Target" class="mono">${e.target ?? ''}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  override render() {
    const d = this.data;
    return html`<div class="head">
        <h1>Dashboard</h1>
        <button class="btn small" type="button" @click=${this.load} ?disabled=${!d}>Refresh</button>
      </div>
      ${
        d
          ? html`<div class="tiles">
                ${this.tile(d.users, 'Users', '/hub/admin/users')}
                ${this.tile(d.running, 'Running containers', '/hub/admin/containers')}
                ${this.tile(d.images, 'Registered images', '/hub/admin/images')}
              </div>
              <section aria-labelledby="recent">
                <div class="head">
                  <h2 id="recent">Recent events</h2>
                  <a href="/hub/admin/audit">Full audit log</a>
                </div>
                ${this.renderEvents(d.events)}
              </section>`
          : html`<hub-loading label="Loading the overview…"></hub-loading>`
      }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-admin-dashboard-page': HubAdminDashboardPage;
  }
}
