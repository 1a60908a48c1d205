import { LitElement, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { loadedOr } from '../components/load-state';
import '../components/notice-banner';
import '../components/status-badge';
import { listAllContainers, stopAnyContainer } from '../data/admin';
import { ApiError, messageOf } from '../data/api';
import { matchesSearch, queryParam, setQueryParam } from '../data/search';
import { formatAgo, formatDuration, secondsUntil } from '../data/time';
import type { AdminContainer } from '../data/types';
import { confirmAction, showLogs } from '../dialogs/open';
import { pageStyles } from '../styles/page';
import { theme } from '../styles/theme';

const POLL_MS = 10000;

/** When a warm container goes if its user does not start the app first. */
function warmUntil(c: AdminContainer): string {
  const left = secondsUntil(c.cull_at);
  return left === null
    ? 'removed unclaimed once it has started and waited its time'
    : `removed unclaimed in ${formatDuration(left)}`;
}

/** Every user's containers, refreshed every few seconds, with Stop and Logs. */
@customElement('hub-admin-containers-page')
export class HubAdminContainersPage extends LitElement {
  static override styles = [theme, pageStyles];

  @state() private containers: AdminContainer[] | null = null;
  @state() private loadError = '';
  @state() private notice: { tone: 'ok' | 'error'; text: string } | null = null;
  @state() private busy = '';
  /** Words to find (user, app, image, url_id), kept in the URL as `?q=`. */
  @state() private query = queryParam('q') || queryParam('user');
  private timer: number | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
    this.timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void this.load();
    }, POLL_MS);
  }

  override disconnectedCallback(): void {
    window.clearInterval(this.timer);
    super.disconnectedCallback();
  }

  private async load(): Promise<void> {
    try {
      this.containers = await listAllContainers();
      this.loadError = '';
    } catch (err) {
      this.loadError = messageOf(err);
    }
  }

  private async stop(c: AdminContainer): Promise<void> {
    const ok = await confirmAction({
      title: `Stop ${c.user}'s ${c.warm ? 'warm ' : ''}${c.image}?`,
      message: c.warm
        ? `The container was started ahead for ${c.user}, who has not opened it yet; it is removed and their next start of the app is a cold one.`
        : `The container is removed; ${c.user} loses anything not saved in it.`,
      confirmLabel: 'Stop',
      danger: true,
    });
    if (!ok) return;
    this.busy = c.url_id;
    this.notice = null;
    try {
      await stopAnyContainer(c.url_id);
      this.notice = { tone: 'ok', text: `Stopped ${c.user}'s ${c.image}.` };
    } catch (err) {
      if (err instanceof ApiError && err.status === 404)
        this.notice = { tone: 'ok', text: 'That container was already gone.' };
      else this.notice = { tone: 'error', text: `Could not stop it: ${messageOf(err)}` };
    } finally {
      this.busy = '';
      await this.load();
    }
  }

  private renderTable(all: AdminContainer[]) {
    if (!all.length) return html`<p class="muted">No container is running.</p>`;
    const list = all.filter((c) =>
      matchesSearch(this.query, [
        c.user,
        c.ui_name,
        c.image,
        c.url_id,
        c.status,
        c.warm ? 'warm' : '',
      ]),
    );
    if (!list.length)
      return html`<p class="muted" role="status">No container matches “${this.query}”.</p>`;
    return html`<div class="table-wrap">
      <table class="stack">
        <caption class="sr-only">
          Containers of every user
        </caption>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">App</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Last activity</th>
            <th scope="col">URL id</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          ${list.map(
            (c) =>
              html`<tr data-url-id=${c.url_id}>
                <th data-label="User" scope="row">
                  <a href="/hub/admin/users?q=${encodeURIComponent(c.user)}">${c.user}</a>
                </th>
                <td data-label="App">
                  ${c.ui_name || c.image}
                  <div class="mono muted">${c.image}</div>
                </td>
                <td data-label="Status">
                  <hub-status-badge status=${c.status}></hub-status-badge>
                  ${
                    c.warm
                      ? html`<span
                          class="badge info"
                          data-warm
                          title="Started ahead of ${c.user}'s predicted start: hidden from them until they start the app, ${warmUntil(c)}"
                          >Warm</span
                        >`
                      : null
                  }
                  ${
                    c.update_available
                      ? html`<span
                          class="badge busy"
                          title="Runs ${c.image_id?.slice(7, 19)}; the image is now ${c.latest_image_id?.slice(7, 19)}. The owner's restart updates it."
                          >Update available</span
                        >`
                      : null
                  }
                </td>
                <td data-label="Started" class="nowrap">${formatAgo(c.started_at)}</td>
                <td data-label="Last activity" class="nowrap">
                  ${c.warm ? 'not opened yet' : formatAgo(c.last_activity)}
                </td>
                <td data-label="URL id" class="mono" title=${c.url_id}>${c.url_id.slice(0, 8)}…</td>
                <td data-label="Actions" class="actions">
                  <button
                    class="btn small"
                    type="button"
                    aria-label="Logs of ${c.user}'s ${c.image}"
                    @click=${() => showLogs(c.url_id, `${c.user} · ${c.image}`)}
                  >
                    Logs
                  </button>
                  <button
                    class="btn small danger"
                    type="button"
                    ?disabled=${this.busy !== ''}
                    aria-label="Stop ${c.user}'s ${c.image}"
                    @click=${() => this.stop(c)}
                  >
                    ${this.busy === c.url_id ? 'Stopping…' : 'Stop'}
                  </button>
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  override render() {
    const body = loadedOr(
      this.containers,
      this.containers ? '' : this.loadError,
      { heading: 'Could not load the containers', label: 'Loading containers…', retry: this.load },
      (list) => this.renderTable(list),
    );
    return html`<div class="head">
        <h1>Running containers</h1>
        <button class="btn small" type="button" @click=${this.load}>Refresh</button>
      </div>
      ${
        this.notice
          ? html`<hub-notice .tone=${this.notice.tone} .text=${this.notice.text}></hub-notice>`
          : null
      }
      ${
        this.loadError && this.containers
          ? html`<div class="alert warn" role="status">
              The list may be out of date: ${this.loadError}
            </div>`
          : null
      }
      <div class="field" role="search" style="max-width:24rem">
        <label for="c-q">Search containers</label>
        <input
          id="c-q"
          type="search"
          placeholder="User, app, image or id"
          .value=${this.query}
          @input=${(e: Event) => {
            this.query = (e.target as HTMLInputElement).value;
            setQueryParam('q', this.query.trim());
          }}
        />
      </div>
      ${body}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-admin-containers-page': HubAdminContainersPage;
  }
}
