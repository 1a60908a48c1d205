import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import '../components/error-state';
import '../components/loading-state';
import {
  containerStats,
  formatBytes,
  listAllContainers,
  listAudit,
  listImages,
  listUsers,
} from '../data/admin';
import { actionText, shortId } from '../data/audit';
import { messageOf } from '../data/api';
import { isRunning } from '../data/status';
import { formatAgo } from '../data/time';
import type { AdminContainer, AuditEvent, ContainerStats } from '../data/types';

/** How often live use refreshes while the page is visible. */
const STATS_MS = 5000;
import { pageStyles } from '../styles/page';
import { theme } from '../styles/theme';

/** A count on the dashboard, or why it is missing. */
type Count = { value: number } | { error: string };

interface Overview {
  users: Count;
  running: Count;
  images: Count;
  events: AuditEvent[] | { error: string };
  containers: AdminContainer[];
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
      .meter {
        display: flex;
        align-items: center;
        gap: 0.5rem;
        white-space: nowrap;
      }
      meter {
        width: 6rem;
      }
      .tile .err {
        color: var(--c-danger);
        font-size: 0.875rem;
      }
    `,
  ];

  @state() private data: Overview | null = null;
  /** Live use by url_id; null until the first answer. */
  @state() private stats: Map<string, ContainerStats> | null = null;
  @state() private statsError = '';
  private timer: number | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
    this.timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void this.loadStats();
    }, STATS_MS);
  }

  override disconnectedCallback(): void {
    window.clearInterval(this.timer);
    super.disconnectedCallback();
  }

  private async loadStats(): Promise<void> {
    try {
      this.stats = new Map((await containerStats()).map((s) => [s.url_id, s]));
      this.statsError = '';
    } catch (err) {
      this.statsError = messageOf(err);
    }
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
      containers:
        containers.status === 'fulfilled'
          ? containers.value.filter((c) => isRunning(c.status))
          : [],
    };
    await this.loadStats();
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
            <th scope="col">About</th>
          </tr>
        </thead>
        <tbody>
          ${events.map(
            (e) =>
              html`<tr>
                <td data-label="When" class="nowrap">${formatAgo(e.at)}</td>
                <td data-label="Who">${e.actor ?? 'system'}</td>
                <td data-label="What">${actionText(e.action)}</td>
                <td data-label="About">${e.app ?? shortId(e.target ?? '')}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  private renderLive(list: AdminContainer[]) {
    if (!list.length) return html`<p class="muted">No app is running.</p>`;
    const stats = this.stats;
    return html`${
        this.statsError
          ? html`<div class="alert warn" role="status">
              Live use is not available: ${this.statsError}
            </div>`
          : null
      }
      <div class="table-wrap">
        <table class="stack">
          <caption class="sr-only">
            Live use of running apps
          </caption>
          <thead>
            <tr>
              <th scope="col">App</th>
              <th scope="col">User</th>
              <th scope="col">CPU</th>
              <th scope="col">Memory</th>
            </tr>
          </thead>
          <tbody>
            ${list.map((c) => {
              const s = stats?.get(c.url_id);
              const mem = s?.memory_bytes ?? null;
              const limit = s?.memory_limit_bytes ?? null;
              return html`<tr data-url-id=${c.url_id}>
                <th data-label="App" scope="row">
                  ${c.ui_name || c.image}
                  ${
                    c.warm
                      ? html`<span class="badge info" title="Started ahead; not opened yet"
                          >Warm</span
                        >`
                      : null
                  }
                </th>
                <td data-label="User">
                  <a href="/hub/admin/users?q=${encodeURIComponent(c.user)}">${c.user}</a>
                </td>
                <td data-label="CPU" class="nowrap">
                  ${stats ? (s ? `${s.cpu_percent.toFixed(1)} %` : 'no answer') : '…'}
                </td>
                <td data-label="Memory">
                  ${
                    mem !== null
                      ? html`<span class="meter">
                          ${
                            limit
                              ? html`<meter
                                  min="0"
                                  max=${limit}
                                  value=${mem}
                                  aria-label="Memory of ${c.ui_name || c.image}"
                                ></meter>`
                              : null
                          }
                          ${formatBytes(mem)}${limit ? ` of ${formatBytes(limit)}` : ''}
                        </span>`
                      : stats
                        ? 'no answer'
                        : '…'
                  }
                </td>
              </tr>`;
            })}
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
              <section aria-labelledby="live">
                <h2 id="live">Running apps, live</h2>
                ${this.renderLive(d.containers)}
              </section>
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
