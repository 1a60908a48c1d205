import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { loadedOr } from '../components/load-state';
import '../components/notice-banner';
import {
  formatBytes,
  listDiscoveredImages,
  listImages,
  listUnusedImages,
  registerImage,
  removeUnusedImages,
  unregisterImage,
  unregisterWithImage,
} from '../data/admin';
import { ApiError, messageOf } from '../data/api';
import type {
  Configurable,
  DiscoveredImage,
  RegisteredApplicationRow,
  UnusedImage,
} from '../data/types';
import { confirmList, confirmWithChoice } from '../dialogs/open';
import { pageStyles } from '../styles/page';
import { theme } from '../styles/theme';

const TYPE_LABEL: Record<string, string> = { vncapp: 'Desktop', webapp: 'Web' };

function typeLabel(type: string | null): string {
  return type ? (TYPE_LABEL[type] ?? type) : 'unknown';
}

function describeConfigurable(c: Configurable): string {
  if (c.name === 'resolution') return `resolution (${c.presets.join(', ') || 'any'})`;
  return 'startup file';
}

/**
 * Images: the ones registered for the catalogue, the ones Docker has with the hub's labels
 * (parsed, with warnings), and registering by name, with "register anyway" when the hub has
 * doubts about an image.
 */
@customElement('hub-admin-images-page')
export class HubAdminImagesPage extends LitElement {
  static override styles = [
    theme,
    pageStyles,
    css`
      .found {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr));
        gap: 1rem;
        list-style: none;
        padding: 0;
        margin: 0;
      }
      .found .card {
        display: flex;
        flex-direction: column;
        gap: 0.5rem;
        height: 100%;
      }
      .found header {
        display: flex;
        gap: 0.75rem;
        align-items: center;
      }
      .found img,
      .found .noicon {
        width: 40px;
        height: 40px;
        border-radius: 8px;
        flex: none;
        background: #eef2ff;
      }
      .found h3 {
        margin: 0;
        overflow-wrap: anywhere;
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 0.2rem 0.75rem;
        margin: 0;
        font-size: 0.9rem;
      }
      dt {
        color: var(--c-muted);
        font-weight: 600;
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      .found .form-actions {
        margin: auto 0 0;
      }
    `,
  ];

  @state() private registered: RegisteredApplicationRow[] | null = null;
  @state() private discovered: DiscoveredImage[] | null = null;
  /** The last dry run of "remove unused images"; null until asked. */
  @state() private unused: UnusedImage[] | null = null;
  @state() private loadError = '';
  @state() private discoverError = '';
  @state() private notice: { tone: 'ok' | 'error'; text: string } | null = null;
  @state() private busy = '';
  @state() private byName = '';
  /** The image whose registration the hub refused, offered again with force. */
  @state() private refused = '';

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    this.loadError = '';
    this.discoverError = '';
    const [reg, found] = await Promise.allSettled([listImages(), listDiscoveredImages()]);
    if (reg.status === 'fulfilled') this.registered = reg.value;
    else this.loadError = messageOf(reg.reason);
    if (found.status === 'fulfilled') this.discovered = found.value;
    else this.discoverError = messageOf(found.reason);
  }

  private async register(image: string, force = false): Promise<void> {
    this.busy = `reg:${image}`;
    this.notice = null;
    try {
      await registerImage(image, force);
      this.notice = {
        tone: 'ok',
        text: `Registered ${image}. Grant it to users on the Grants page.`,
      };
      this.refused = '';
      if (image === this.byName.trim()) this.byName = '';
    } catch (err) {
      this.notice = { tone: 'error', text: `Could not register ${image}: ${messageOf(err)}` };
      // A 4xx is the hub's doubt about the image (labels, not found locally): offer force.
      this.refused =
        err instanceof ApiError && err.status >= 400 && err.status < 500 && !force ? image : '';
    } finally {
      this.busy = '';
      await this.load();
    }
  }

  private async unregister(img: RegisteredApplicationRow): Promise<void> {
    const { ok, checked: removeImage } = await confirmWithChoice({
      title: `Unregister ${img.ui_name || img.image}?`,
      message:
        'Users can no longer start it, its grants are revoked and the apps started from them are stopped. The Docker image is kept unless you tick the box.',
      confirmLabel: 'Unregister',
      danger: true,
      choice:
        'Also remove the Docker image (refused, with nothing changed, while a container uses it)',
    });
    if (!ok) return;
    this.busy = `unreg:${img.id}`;
    this.notice = null;
    try {
      if (!removeImage) {
        await unregisterImage(img.id);
        this.notice = { tone: 'ok', text: `Unregistered ${img.image}.` };
      } else {
        const { image_removal: r } = await unregisterWithImage(img.id);
        this.notice = r.removed
          ? { tone: 'ok', text: `Unregistered ${img.image} and removed its image.` }
          : {
              tone: r.id ? 'error' : 'ok',
              text: r.id
                ? `Unregistered ${img.image}, but the image stays: ${r.reason ?? 'the engine refused'}.`
                : `Unregistered ${img.image}; its image was not on the engine.`,
            };
      }
    } catch (err) {
      this.notice = { tone: 'error', text: `Could not unregister ${img.image}: ${messageOf(err)}` };
    } finally {
      this.busy = '';
      await this.load();
    }
  }

  private async findUnused(): Promise<void> {
    this.busy = 'unused';
    this.notice = null;
    try {
      this.unused = await listUnusedImages();
    } catch (err) {
      this.notice = { tone: 'error', text: `Could not list unused images: ${messageOf(err)}` };
    } finally {
      this.busy = '';
    }
  }

  /** Removes what the dry run listed, and nothing else, after showing it once more. */
  private async removeUnused(list: UnusedImage[]): Promise<void> {
    const ok = await confirmList({
      title: `Remove ${list.length} unused image${list.length === 1 ? '' : 's'}?`,
      message:
        'Only these images go. An image a container started in the meantime is kept and reported.',
      confirmLabel: 'Remove images',
      danger: true,
      items: list.map((u) => `${u.repo_tags.join(', ') || u.id.slice(7, 19)} (${u.reason})`),
    });
    if (!ok) return;
    this.busy = 'unused';
    this.notice = null;
    try {
      const { removed, skipped } = await removeUnusedImages(list.map((u) => u.id));
      this.notice = {
        tone: skipped.length ? 'error' : 'ok',
        text:
          `Removed ${removed.length} image${removed.length === 1 ? '' : 's'}.` +
          (skipped.length
            ? ` Kept ${skipped.length}: ${skipped.map((k) => `${k.id.slice(7, 19)} (${k.reason})`).join('; ')}.`
            : ''),
      };
      this.unused = null;
    } catch (err) {
      this.notice = { tone: 'error', text: `Could not remove images: ${messageOf(err)}` };
    } finally {
      this.busy = '';
      await this.load();
    }
  }

  private renderUnused() {
    const list = this.unused;
    const busy = this.busy !== '';
    return html`<p class="muted">
        Images with this hub's labels that no container uses and that are old builds (dangling) or
        registered under none of their names. Other images are never touched.
      </p>
      <div class="form-actions">
        <button class="btn small" type="button" ?disabled=${busy} @click=${this.findUnused}>
          ${list ? 'List again' : 'List unused images'}
        </button>
      </div>
      ${
        list === null
          ? null
          : list.length === 0
            ? html`<p class="muted" role="status">No unused image: nothing to remove.</p>`
            : html`<ul class="unused" aria-label="Unused images">
                  ${list.map(
                    (u) =>
                      html`<li>
                        <span class="mono">${u.repo_tags.join(', ') || u.id.slice(7, 19)}</span>
                        ${u.ui_name ? html`· ${u.ui_name}` : null} ·
                        ${u.reason === 'dangling' ? 'old build' : 'not registered'} ·
                        ${formatBytes(u.size_bytes)}
                      </li>`,
                  )}
                </ul>
                <div class="form-actions">
                  <button
                    class="btn danger"
                    type="button"
                    ?disabled=${busy}
                    @click=${() => this.removeUnused(list)}
                  >
                    Remove these ${list.length} images
                  </button>
                </div>`
      }`;
  }

  private renderRegistered(list: RegisteredApplicationRow[]) {
    if (!list.length)
      return html`<p class="muted">
        No image is registered yet. Register one of the discovered images below, or by name.
      </p>`;
    return html`<div class="table-wrap">
      <table class="stack">
        <caption class="sr-only">
          Registered images
        </caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Image</th>
            <th scope="col">Type</th>
            <th scope="col">State</th>
            <th scope="col">Warnings</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          ${list.map(
            (i) =>
              html`<tr data-image=${i.image}>
                <th data-label="Name" scope="row">${i.ui_name || i.image}</th>
                <td data-label="Image" class="mono">${i.image}</td>
                <td data-label="Type">${typeLabel(i.type)}</td>
                <td data-label="State">
                  ${
                    i.available
                      ? html`<span class="badge ok">Available</span>`
                      : html`<span class="badge bad">Missing</span>`
                  }
                </td>
                <td data-label="Warnings">
                  ${
                    i.warnings?.length
                      ? html`<ul class="warnings">
                          ${i.warnings.map((w) => html`<li>${w}</li>`)}
                        </ul>`
                      : html`<span class="muted">none</span>`
                  }
                </td>
                <td data-label="Actions" class="actions">
                  <button
                    class="btn small danger"
                    type="button"
                    ?disabled=${this.busy !== ''}
                    aria-label="Unregister ${i.image}"
                    @click=${() => this.unregister(i)}
                  >
                    Unregister
                  </button>
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  private renderDiscovered(list: DiscoveredImage[]) {
    if (!list.length)
      return html`<p class="muted">
        Docker has no image with the hub's labels (<code>eu.simphony-project.docker.*</code>). Build
        or load one on the Docker host, then refresh.
      </p>`;
    return html`<ul class="found">
      ${list.map((d) => {
        // Registered images' icons are served by the hub (a default one when unlabelled).
        const icon =
          d.application_id != null ? `/api/v1/applications/icons/${d.application_id}.png` : null;
        return html`<li>
          <article class="card" data-image=${d.image} aria-labelledby="d-${d.image_id}">
            <header>
              ${
                icon
                  ? html`<img src=${icon} alt="" width="40" height="40" />`
                  : html`<span class="noicon" aria-hidden="true"></span>`
              }
              <div>
                <h3 id="d-${d.image_id}">${d.ui_name || d.image}</h3>
                ${
                  d.registered
                    ? html`<span class="badge ok">Registered</span>`
                    : html`<span class="badge">Not registered</span>`
                }
              </div>
            </header>
            <dl>
              <dt>Image</dt>
              <dd class="mono">${d.image}</dd>
              <dt>Type</dt>
              <dd>${typeLabel(d.type)}</dd>
              ${
                d.description
                  ? html`<dt>About</dt>
                      <dd>${d.description}</dd>`
                  : null
              }
              <dt>Env</dt>
              <dd class="mono">${d.env?.length ? d.env.join(', ') : '—'}</dd>
              <dt>Options</dt>
              <dd>
                ${d.configurables?.length ? d.configurables.map(describeConfigurable).join('; ') : '—'}
              </dd>
            </dl>
            ${
              d.warnings?.length
                ? html`<div class="alert warn">
                    <strong>Warnings</strong>
                    <ul class="warnings">
                      ${d.warnings.map((w) => html`<li>${w}</li>`)}
                    </ul>
                  </div>`
                : null
            }
            ${
              d.registered
                ? null
                : html`<div class="form-actions">
                    <button
                      class="btn primary small"
                      type="button"
                      ?disabled=${this.busy !== ''}
                      aria-label="Register ${d.image}"
                      @click=${() => this.register(d.image)}
                    >
                      Register
                    </button>
                  </div>`
            }
          </article>
        </li>`;
      })}
    </ul>`;
  }

  override render() {
    const busy = this.busy !== '';
    return html`<div class="head">
        <h1>Images</h1>
        <button class="btn small" type="button" @click=${this.load}>Refresh</button>
      </div>
      ${
        this.notice
          ? html`<hub-notice .tone=${this.notice.tone} .text=${this.notice.text}>
              ${
                this.refused
                  ? html`<button
                      class="btn small"
                      type="button"
                      ?disabled=${busy}
                      aria-label="Register ${this.refused} anyway"
                      @click=${() => this.register(this.refused, true)}
                    >
                      Register anyway
                    </button>`
                  : null
              }
            </hub-notice>`
          : null
      }
      <section aria-labelledby="reg">
        <h2 id="reg">Registered</h2>
        ${loadedOr(
          this.registered,
          this.loadError,
          {
            heading: 'Could not load the registered images',
            label: 'Loading images…',
            retry: this.load,
          },
          (images) => this.renderRegistered(images),
        )}
      </section>
      <section aria-labelledby="byname">
        <h2 id="byname">Register by name</h2>
        <form
          class="card"
          @submit=${(e: Event) => {
            e.preventDefault();
            const name = this.byName.trim();
            if (name) void this.register(name);
            else
              this.notice = {
                tone: 'error',
                text: 'Type the image name, e.g. myorg/paraview:5.11.',
              };
          }}
        >
          <div class="field">
            <label for="img-name">Image name</label>
            <input
              id="img-name"
              type="text"
              autocomplete="off"
              spellcheck="false"
              placeholder="repository/name:tag"
              aria-describedby="img-name-hint"
              .value=${this.byName}
              @input=${(e: Event) => (this.byName = (e.target as HTMLInputElement).value)}
            />
            <span id="img-name-hint" class="hint"
              >The image must already be on the Docker host.</span
            >
          </div>
          <div class="form-actions">
            <button class="btn primary" type="submit" ?disabled=${busy}>Register</button>
          </div>
        </form>
      </section>
      <section aria-labelledby="unused">
        <h2 id="unused">Unused images</h2>
        ${this.renderUnused()}
      </section>
      <section aria-labelledby="disc">
        <h2 id="disc">Discovered on the Docker host</h2>
        ${loadedOr(
          this.discovered,
          this.discoverError,
          {
            heading: "Could not list Docker's images",
            label: 'Looking for images…',
            retry: this.load,
          },
          (images) => this.renderDiscovered(images),
        )}
      </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-admin-images-page': HubAdminImagesPage;
  }
}
