import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type {
  ActionState,
  ContainerDetail,
  RestartDetail,
  StartDetail,
} from '../components/app-card';
import { loadedOr } from '../components/load-state';
import '../components/app-card';
import { ApiError, messageOf } from '../data/api';
import {
  crashReport,
  keepAlive,
  listApplications,
  listContainers,
  restartContainer,
  startContainer,
  stopContainer,
  type CrashReport,
} from '../data/applications';
import { subscribeProgress } from '../data/progress';
import type { Application, Container, ProgressEvent } from '../data/types';
import { safeHref } from '../data/urls';
import { confirmAction, openEmbedded, openShareDialog } from '../dialogs/open';
import { theme } from '../styles/theme';

/** How often statuses refresh while the page is visible. */
const POLL_MS = 5000;
/** Grants change rarely (an admin's doing): refresh them every few polls. */
const APPS_EVERY = 6;

const STAGE_TEXT: Record<ProgressEvent['stage'], string> = {
  queued: 'Waiting for a free slot…',
  creating: 'Creating the container…',
  starting: 'Starting the container…',
  waiting: 'Waiting for the app to answer…',
  ready: 'Ready',
  failed: 'Failed',
};

/** Adds what the user can do about a failed start or stop to the server's message. */
export function actionHint(err: unknown): string {
  const msg = messageOf(err);
  const sentence = msg.charAt(0).toUpperCase() + msg.slice(1);
  const end = /[.!?]$/.test(sentence) ? '' : '.';
  if (!(err instanceof ApiError)) return `${sentence}${end}`;
  if (err.status === 429)
    return `${sentence}${end} Stop an app you no longer use, or wait and try again.`;
  if (err.status === 403) return `${sentence}${end} Ask an administrator for access.`;
  if (err.status === 0 || err.status >= 500)
    return `${sentence}${end} Try again in a minute; if it keeps failing, tell your administrator.`;
  return `${sentence}${end}`;
}

/**
 * The user's applications. Statuses poll every few seconds (and right after every action);
 * a start shows the spawner's progress events on the card until the app answers.
 */
@customElement('hub-launcher-page')
export class HubLauncherPage extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: block;
      }
      .top {
        display: flex;
        flex-wrap: wrap;
        align-items: flex-end;
        justify-content: space-between;
        gap: 0.75rem 1.5rem;
        margin-bottom: 1.25rem;
      }
      h1 {
        margin: 0;
      }
      .search {
        width: min(22rem, 100%);
      }
      .search .field {
        margin: 0;
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr));
        gap: 1rem;
        list-style: none;
        padding: 0;
        margin: 0;
      }
      .grid > li {
        display: flex;
      }
      .grid hub-app-card {
        flex: 1;
      }
      .empty {
        padding: 2rem 1rem;
        text-align: center;
      }
      @media (max-width: 480px) {
        .grid {
          grid-template-columns: 1fr;
        }
      }
    `,
  ];

  @state() private apps: Application[] | null = null;
  @state() private containers: Container[] = [];
  @state() private loadError = '';
  @state() private pollError = '';
  @state() private query = '';
  @state() private actions: Record<string, ActionState> = {};
  @state() private errors: Record<string, string> = {};
  /** Why dead containers stopped, by url_id; asked once per container. */
  @state() private crashes: Record<string, CrashReport> = {};
  private readonly crashAsked = new Set<string>();
  @state() private now = Date.now();
  /**
   * The grant a "Start it again" link of an app's error page points at. The page only focuses
   * its card: a link (from any site) must not start anything by itself.
   */
  @state() private wanted = new URLSearchParams(location.search).get('start') ?? '';

  private timer: number | undefined;
  private polls = 0;
  private readonly onVisibility = () => {
    if (document.visibilityState === 'visible') void this.refresh(true);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
    this.timer = window.setInterval(() => this.tick(), POLL_MS);
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  override disconnectedCallback(): void {
    window.clearInterval(this.timer);
    document.removeEventListener('visibilitychange', this.onVisibility);
    super.disconnectedCallback();
  }

  private tick(): void {
    this.now = Date.now();
    if (document.visibilityState !== 'visible' || this.apps === null) return;
    this.polls += 1;
    void this.refresh(this.polls % APPS_EVERY === 0);
  }

  private async load(): Promise<void> {
    this.loadError = '';
    this.apps = null;
    try {
      const [apps, containers] = await Promise.all([listApplications(), listContainers()]);
      this.apps = apps;
      this.containers = containers;
      this.explainCrashes();
      void this.focusWanted();
    } catch (err) {
      this.loadError = messageOf(err);
    }
  }

  private async focusWanted(): Promise<void> {
    if (!this.wanted) return;
    await this.updateComplete;
    const card = this.renderRoot.querySelector<HTMLElement>(
      `hub-app-card[data-mapping-id="${CSS.escape(this.wanted)}"]`,
    );
    if (!card) return;
    card.scrollIntoView({ block: 'center' });
    await (card as LitElement).updateComplete;
    card.shadowRoot?.querySelector<HTMLElement>('.actions .btn.primary')?.focus();
  }

  /** Asks, once each, why dead containers stopped; a failed ask just leaves the card vaguer. */
  private explainCrashes(): void {
    for (const c of this.containers) {
      if (c.status !== 'dead' || this.crashAsked.has(c.url_id)) continue;
      this.crashAsked.add(c.url_id);
      crashReport(c.url_id)
        .then((report) => (this.crashes = { ...this.crashes, [c.url_id]: report }))
        .catch(() => this.crashAsked.delete(c.url_id));
    }
  }

  /** Re-reads statuses; a failed poll shows a quiet banner and the next poll tries again. */
  private async refresh(withApps = false): Promise<void> {
    try {
      const [containers, apps] = await Promise.all([
        listContainers(),
        withApps ? listApplications() : Promise.resolve(null),
      ]);
      this.containers = containers;
      if (apps) this.apps = apps;
      this.pollError = '';
      this.explainCrashes();
    } catch (err) {
      this.pollError = `Statuses may be out of date: ${messageOf(err)}`;
    }
  }

  /**
   * The app's container from the polled list, which is fresher than the `container` field of
   * the applications list (that one is refreshed only every few polls).
   */
  private containerOf(app: Application): Container | null {
    return this.containers.find((c) => c.mapping_id === app.mapping_id) ?? null;
  }

  private crashOf(app: Application): CrashReport | null {
    const c = this.containerOf(app);
    return c?.status === 'dead' ? (this.crashes[c.url_id] ?? null) : null;
  }

  private setAction(mappingId: string, action: ActionState | null): void {
    const next = { ...this.actions };
    if (action) next[mappingId] = action;
    else delete next[mappingId];
    this.actions = next;
  }

  private setError(mappingId: string, message: string): void {
    this.errors = { ...this.errors, [mappingId]: message };
  }

  private onStart(e: CustomEvent<StartDetail>): Promise<void> {
    const { mappingId, configurables } = e.detail;
    return this.launch(mappingId, () => startContainer(mappingId, configurables), 'start');
  }

  /** Restart: the old container goes, the grant starts again, with the start's progress bar. */
  private onRestart(e: CustomEvent<RestartDetail>): Promise<void> {
    const { app, container, configurables } = e.detail;
    return this.launch(
      app.mapping_id,
      () => restartContainer(container.url_id, configurables),
      'restart',
    );
  }

  private async launch(
    mappingId: string,
    run: () => Promise<Container>,
    verb: 'start' | 'restart',
  ): Promise<void> {
    this.setError(mappingId, '');
    this.setAction(mappingId, { kind: 'starting', progress: null, message: 'Asking the hub…' });
    const unsubscribe = subscribeProgress(mappingId, (ev) => {
      if (!this.actions[mappingId] || ev.stage === 'failed') return;
      this.setAction(mappingId, {
        kind: 'starting',
        progress: ev.progress,
        message: ev.message || STAGE_TEXT[ev.stage],
      });
    });
    try {
      await run();
      this.setAction(mappingId, { kind: 'starting', progress: 100, message: 'Ready' });
    } catch (err) {
      this.setError(mappingId, `Could not ${verb}: ${actionHint(err)}`);
    } finally {
      unsubscribe();
      await this.refresh();
      this.setAction(mappingId, null);
    }
  }

  private async onStop(e: CustomEvent<ContainerDetail>): Promise<void> {
    const { app, container } = e.detail;
    const name = app.image.ui_name || app.image.name;
    // A dead container has nothing left to lose: removing it needs no confirmation.
    const ok =
      container.status === 'dead' ||
      (await confirmAction({
        title: `Stop ${name}?`,
        message:
          'The app closes for good: anything not saved inside it is lost. Files in your workspace stay.',
        confirmLabel: 'Stop',
        danger: true,
      }));
    if (!ok) return;
    this.setError(app.mapping_id, '');
    this.setAction(app.mapping_id, { kind: 'stopping', progress: null, message: 'Stopping…' });
    try {
      await stopContainer(container.url_id);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404))
        this.setError(app.mapping_id, `Could not stop: ${actionHint(err)}`);
    } finally {
      await this.refresh();
      this.setAction(app.mapping_id, null);
    }
  }

  private async onKeepAlive(e: CustomEvent<ContainerDetail>): Promise<void> {
    const { app, container } = e.detail;
    this.setAction(app.mapping_id, { kind: 'keepalive', progress: null, message: '' });
    try {
      await keepAlive(container.url_id);
    } catch (err) {
      this.setError(app.mapping_id, `Could not keep it running: ${actionHint(err)}`);
    } finally {
      await this.refresh();
      this.setAction(app.mapping_id, null);
    }
  }

  private async onEmbed(e: CustomEvent<ContainerDetail>): Promise<void> {
    const { app, container } = e.detail;
    const url = safeHref(container.url);
    if (url) await openEmbedded(url, app.image.ui_name || app.image.name);
  }

  private async onShare(e: CustomEvent<ContainerDetail>): Promise<void> {
    const { app, container } = e.detail;
    await openShareDialog(container.url_id, app.image.ui_name || app.image.name, app.image.type);
  }

  private renderWanted() {
    const app = this.wanted ? this.apps?.find((a) => a.mapping_id === this.wanted) : undefined;
    if (!app) return null;
    const name = app.image.ui_name || app.image.name;
    const label = app.policy.label ? ` (${app.policy.label})` : '';
    const c = this.containerOf(app);
    if (c && c.status !== 'dead') return null;
    const dead = c?.status === 'dead';
    return html`<div class="alert info" role="status">
      ${name}${label} is not running.
      ${dead ? 'Press Restart on its card' : 'Press Start on its card'} to open it again.
      <button class="btn small" type="button" @click=${this.dismissWanted}>Dismiss</button>
    </div>`;
  }

  private readonly dismissWanted = () => {
    this.wanted = '';
    history.replaceState(null, '', location.pathname);
  };

  private matchesQuery(app: Application): boolean {
    const q = this.query.trim().toLowerCase();
    if (!q) return true;
    const { ui_name, name, description, type } = app.image;
    const typeWord = type === 'vncapp' ? 'desktop' : type === 'webapp' ? 'web' : '';
    return [ui_name, name, description, typeWord, app.policy.label].some((s) =>
      s?.toLowerCase().includes(q),
    );
  }

  private renderApps(apps: Application[]) {
    if (!apps.length) {
      return html`<div class="card empty">
        <h2>No applications yet</h2>
        <p class="muted">
          An administrator has not given you any application. Ask them for access.
        </p>
      </div>`;
    }
    const shown = apps.filter((a) => this.matchesQuery(a));
    return html`<p class="sr-only" role="status">
        ${shown.length} of ${apps.length} applications shown
      </p>
      ${
        shown.length
          ? html`<ul
              class="grid"
              @app-start=${this.onStart}
              @app-stop=${this.onStop}
              @app-restart=${this.onRestart}
              @app-keepalive=${this.onKeepAlive}
              @app-embed=${this.onEmbed}
              @app-share=${this.onShare}
            >
              ${shown.map(
                (app) =>
                  html`<li>
                    <hub-app-card
                      .app=${app}
                      .container=${this.containerOf(app)}
                      .action=${this.actions[app.mapping_id] ?? null}
                      .crash=${this.crashOf(app)}
                      .error=${this.errors[app.mapping_id] ?? ''}
                      .now=${this.now}
                      data-mapping-id=${app.mapping_id}
                      ?wanted=${app.mapping_id === this.wanted}
                    ></hub-app-card>
                  </li>`,
              )}
            </ul>`
          : html`<div class="card empty">
              <p>No application matches “${this.query}”.</p>
              <button class="btn" type="button" @click=${() => (this.query = '')}>
                Clear the search
              </button>
            </div>`
      }`;
  }

  override render() {
    const body = loadedOr(
      this.apps,
      this.loadError,
      {
        heading: 'Could not load your applications',
        label: 'Loading your applications…',
        retry: this.load,
      },
      (apps) => this.renderApps(apps),
    );
    return html`<div class="top">
        <h1>Applications</h1>
        <div class="search" role="search">
          <div class="field">
            <label for="q">Search applications</label>
            <input
              id="q"
              type="search"
              placeholder="Name, description, desktop or web"
              .value=${this.query}
              @input=${(e: Event) => (this.query = (e.target as HTMLInputElement).value)}
            />
          </div>
        </div>
      </div>
      ${this.pollError ? html`<div class="alert warn" role="status">${this.pollError}</div>` : null}
      ${this.renderWanted()} ${body}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-launcher-page': HubLauncherPage;
  }
}
