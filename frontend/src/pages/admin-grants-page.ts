import { LitElement, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { ifDefined } from 'lit/directives/if-defined.js';
import '../components/error-state';
import '../components/loading-state';
import '../components/notice-banner';
import { createGrant, deleteGrant, listGrants, listImages, listUsers } from '../data/admin';
import { messageOf } from '../data/api';
import { fieldErrorOf } from '../data/field-errors';
import { matchesSearch } from '../data/search';
import { describePolicy, policyFromForm, type PolicyForm, EMPTY_POLICY_FORM } from '../data/policy';
import type { User, Grant, RegisteredApplicationRow } from '../data/types';
import { confirmAction } from '../dialogs/open';
import { pageStyles } from '../styles/page';
import { theme } from '../styles/theme';

/**
 * Grants per user: which images a user may start, and how (the policy: home folder, an extra
 * volume, startup data, license, resource limits). Pick a user, see their grants, add one.
 */
@customElement('hub-admin-grants-page')
export class HubAdminGrantsPage extends LitElement {
  static override styles = [theme, pageStyles];

  @state() private users: User[] | null = null;
  @state() private images: RegisteredApplicationRow[] | null = null;
  /** The grants of one user, named, so a stale list is never shown under another name. */
  @state() private grants: { user: string; list: Grant[] } | null = null;
  @state() private loadError = '';
  @state() private user = new URLSearchParams(location.search).get('user') ?? '';
  @state() private image = '';
  @state() private form: PolicyForm = { ...EMPTY_POLICY_FORM };
  @state() private notice: { tone: 'ok' | 'error'; text: string } | null = null;
  /** A problem with one field of the grant form, shown under that field. */
  @state() private fieldError: { field: string; text: string } | null = null;
  @state() private busy = false;
  /** Words to find among the picked user's grants (app, image, label, policy). */
  @state() private query = '';

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    this.loadError = '';
    try {
      const [users, images] = await Promise.all([listUsers(), listImages()]);
      this.users = users;
      this.images = images;
      if (!this.user || !users.some((u) => u.name === this.user)) this.user = users[0]?.name ?? '';
      if (!this.image || !images.some((i) => i.image === this.image))
        this.image = images[0]?.image ?? '';
      await this.loadGrants();
    } catch (err) {
      this.loadError = messageOf(err);
    }
  }

  /** The picked user's grants only; an answer for a user no longer picked is dropped. */
  private async loadGrants(): Promise<void> {
    const user = this.user;
    const grants = user ? await listGrants({ user }) : [];
    if (user === this.user) this.grants = { user, list: grants };
  }

  private pickUser(name: string): void {
    this.user = name;
    this.notice = null;
    history.replaceState(null, '', `?user=${encodeURIComponent(name)}`);
    this.loadGrants().catch((err: unknown) => {
      this.notice = { tone: 'error', text: `Could not load the grants: ${messageOf(err)}` };
    });
  }

  private set<K extends keyof PolicyForm>(key: K, value: PolicyForm[K]): void {
    this.form = { ...this.form, [key]: value };
    if (this.fieldError?.field === key) this.fieldError = null;
  }

  /** The app's name for a grant's image, as the user sees it in the launcher. */
  private appName(image: string): string {
    return this.images?.find((i) => i.image === image)?.ui_name || image;
  }

  /** Puts a problem next to its field and moves the focus there. */
  private async showFieldError(field: string, text: string): Promise<void> {
    this.fieldError = { field, text };
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`[data-field="${field}"]`)?.focus();
  }

  private async grant(e: Event): Promise<void> {
    e.preventDefault();
    this.notice = null;
    if (!this.user || !this.image) {
      this.notice = { tone: 'error', text: 'Pick a user and an image first.' };
      return;
    }
    this.fieldError = null;
    const policy = policyFromForm(this.form);
    if ('error' in policy) {
      await this.showFieldError(policy.field, policy.error);
      return;
    }
    this.busy = true;
    try {
      await createGrant({ user: this.user, image: this.image, policy: policy.policy });
      const label = policy.policy.label ? ` (${policy.policy.label})` : '';
      this.notice = {
        tone: 'ok',
        text: `${this.user} can now start ${this.appName(this.image)}${label}.`,
      };
      this.form = { ...EMPTY_POLICY_FORM };
    } catch (err) {
      const problem = fieldErrorOf(err);
      const known =
        problem.field && this.renderRoot.querySelector(`[data-field="${problem.field}"]`);
      if (known && problem.field) await this.showFieldError(problem.field, problem.message);
      else this.notice = { tone: 'error', text: `Could not grant: ${problem.message}` };
    } finally {
      this.busy = false;
      await this.loadGrants().catch(() => undefined);
    }
  }

  private async revoke(g: Grant): Promise<void> {
    const ok = await confirmAction({
      title: `Revoke ${this.appName(g.image)} from ${g.user}?`,
      message: `${g.user} can no longer start ${this.appName(g.image)}${g.policy.label ? ` (${g.policy.label})` : ''}, and a running container of this grant is stopped now.`,
      confirmLabel: 'Revoke',
      danger: true,
    });
    if (!ok) return;
    this.busy = true;
    this.notice = null;
    try {
      await deleteGrant(g.mapping_id);
      this.notice = { tone: 'ok', text: `Revoked ${this.appName(g.image)} from ${g.user}.` };
    } catch (err) {
      this.notice = { tone: 'error', text: `Could not revoke: ${messageOf(err)}` };
    } finally {
      this.busy = false;
      await this.loadGrants().catch(() => undefined);
    }
  }

  private renderGrants(grants: { user: string; list: Grant[] }) {
    if (grants.user !== this.user)
      return html`<hub-loading label="Loading the grants of ${this.user}…"></hub-loading>`;
    if (!grants.list.length) return html`<p class="muted">${this.user} has no application yet.</p>`;
    const mine = grants.list.filter((g) =>
      matchesSearch(this.query, [
        this.appName(g.image),
        g.image,
        g.policy.label,
        ...describePolicy(g.policy),
      ]),
    );
    const search = html`<div class="field" role="search" style="max-width:24rem">
      <label for="g-q">Search the grants of ${this.user}</label>
      <input
        id="g-q"
        type="search"
        placeholder="App, label, volume…"
        .value=${this.query}
        @input=${(e: Event) => (this.query = (e.target as HTMLInputElement).value)}
      />
    </div>`;
    if (!mine.length)
      return html`${search}
        <p class="muted" role="status">No grant of ${this.user} matches “${this.query}”.</p>`;
    return html`${search}
      <div class="table-wrap">
        <table class="stack">
          <caption class="sr-only">
            Grants of ${this.user}
          </caption>
          <thead>
            <tr>
              <th scope="col">Application</th>
              <th scope="col">Label</th>
              <th scope="col">Policy</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            ${mine.map(
              (g) =>
                html`<tr data-mapping-id=${g.mapping_id}>
                  <th data-label="Application" scope="row">
                    ${this.appName(g.image)}
                    <div class="mono muted">${g.image}</div>
                  </th>
                  <td data-label="Label">
                    ${g.policy.label ?? html`<span class="muted">none</span>`}
                  </td>
                  <td data-label="Policy">${describePolicy(g.policy).join(' · ')}</td>
                  <td data-label="Actions" class="actions">
                    <button
                      class="btn small danger"
                      type="button"
                      ?disabled=${this.busy}
                      aria-label="Revoke ${this.appName(g.image)}${g.policy.label ? ` (${g.policy.label})` : ''}"
                      @click=${() => this.revoke(g)}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`;
  }

  private text(id: string, label: string, key: keyof PolicyForm, placeholder = '', hint = '') {
    const error = this.fieldError?.field === key ? this.fieldError.text : '';
    const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
    return html`<div class="field">
      <label for=${id}>${label}</label>
      <input
        id=${id}
        data-field=${key}
        type="text"
        autocomplete="off"
        spellcheck="false"
        placeholder=${placeholder}
        aria-invalid=${error ? 'true' : 'false'}
        aria-describedby=${ifDefined(described.length ? described.join(' ') : undefined)}
        .value=${String(this.form[key])}
        @input=${(e: Event) => this.set(key, (e.target as HTMLInputElement).value as never)}
      />
      ${error ? html`<span class="field-error" id="${id}-error">${error}</span>` : null}
      ${hint ? html`<span class="hint" id="${id}-hint">${hint}</span>` : null}
    </div>`;
  }

  private check(
    label: string,
    key: 'allow_home' | 'read_only' | 'allow_startup_data' | 'allow_view',
  ) {
    return html`<label class="check">
      <input
        type="checkbox"
        .checked=${this.form[key]}
        @change=${(e: Event) => this.set(key, (e.target as HTMLInputElement).checked)}
      />
      ${label}
    </label>`;
  }

  private renderForm(images: RegisteredApplicationRow[]) {
    if (!images.length)
      return html`<p class="muted">
        Register an image first, on the <a href="/hub/admin/images">Images</a> page.
      </p>`;
    return html`<form class="card" @submit=${this.grant} aria-labelledby="add">
      <div class="form-grid">
        <div class="field wide" style="max-width:40rem">
          <label for="g-image">Image</label>
          <select
            id="g-image"
            @change=${(e: Event) => (this.image = (e.target as HTMLSelectElement).value)}
          >
            ${images.map(
              (i) =>
                html`<option value=${i.image} ?selected=${i.image === this.image}>
                  ${i.ui_name ? `${i.ui_name} (${i.image})` : i.image}
                </option>`,
            )}
          </select>
        </div>
        ${this.text('g-label', 'Label (optional)', 'label', 'Project X data', 'Shown on the user’s card, to tell grants of one app apart.')}
      </div>
      <fieldset class="card" style="margin-bottom:1rem">
        <legend>Files</legend>
        ${this.check('Mount the user’s home folder (their workspace)', 'allow_home')}
        ${this.check('Allow a startup file', 'allow_startup_data')}
        ${this.check('Allow sharing the running app', 'allow_view')}
        <div class="form-grid">
          ${this.text('g-vsrc', 'Extra volume: host folder', 'volume_source', '/srv/data/shared')}
          ${this.text('g-vtgt', 'Mounted at', 'volume_target', '/data')}
        </div>
        ${this.check('Extra volume is read-only', 'read_only')}
      </fieldset>
      <div class="form-grid">
        ${this.text('g-lic', 'App license', 'app_license', '', 'Passed as APP_LICENSE; leave empty for none.')}
        ${this.text('g-mem', 'Memory limit', 'memory_limit', '2g', 'Docker syntax: 512m, 2g. Empty: hub default.')}
        ${this.text('g-cpu', 'CPU limit (cores)', 'cpu_limit', '1', 'Empty: hub default.')}
        ${this.text('g-pids', 'Process limit', 'pids_limit', '512', 'Empty: hub default.')}
      </div>
      <div class="form-actions">
        <button class="btn primary" type="submit" ?disabled=${this.busy}>
          Grant to ${this.user}
        </button>
      </div>
    </form>`;
  }

  override render() {
    if (this.loadError && !this.users)
      return html`<div class="head"><h1>Grants</h1></div>
        <hub-error
          heading="Could not load grants"
          .message=${this.loadError}
          @retry=${this.load}
        ></hub-error>`;
    if (!this.users || !this.images || !this.grants)
      return html`<div class="head"><h1>Grants</h1></div>
        <hub-loading label="Loading grants…"></hub-loading>`;
    if (!this.users.length)
      return html`<div class="head"><h1>Grants</h1></div>
        <p>Create a user first.</p>`;
    return html`<div class="head">
        <h1>Grants</h1>
        <div class="field" style="margin:0;min-width:14rem">
          <label for="g-user">User</label>
          <select
            id="g-user"
            @change=${(e: Event) => this.pickUser((e.target as HTMLSelectElement).value)}
          >
            ${this.users.map(
              (u) =>
                html`<option value=${u.name} ?selected=${u.name === this.user}>${u.name}</option>`,
            )}
          </select>
        </div>
      </div>
      ${
        this.notice
          ? html`<hub-notice .tone=${this.notice.tone} .text=${this.notice.text}></hub-notice>`
          : null
      }
      <nav class="user-links" style="margin-bottom:1rem" aria-label="More about ${this.user}">
        <a href="/hub/admin/users?q=${encodeURIComponent(this.user)}"
          >← ${this.user} among the users</a
        >
        ·
        <a href="/hub/admin/containers?q=${encodeURIComponent(this.user)}"
          >Running containers of ${this.user}</a
        >
      </nav>
      <section aria-labelledby="cur">
        <h2 id="cur">Applications of ${this.user}</h2>
        ${this.renderGrants(this.grants)}
      </section>
      <section>
        <h2 id="add">Grant an application to ${this.user}</h2>
        ${this.renderForm(this.images)}
      </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-admin-grants-page': HubAdminGrantsPage;
  }
}
