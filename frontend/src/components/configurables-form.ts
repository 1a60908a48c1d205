import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { checkResolution, fitToWindow } from '../data/resolution';
import type {
  Configurable,
  ConfigurableValues,
  ResolutionConfigurable,
  StartupDataConfigurable,
} from '../data/types';
import { theme } from '../styles/theme';

const FIT = 'fit';
const CUSTOM = 'custom';

/** The form's answer: the values to send, or the first problem to show. */
export type ConfigurablesResult = { values: ConfigurableValues } | { error: string };

let nextId = 0;

/** A remembered screen-size choice of one app. */
interface SavedChoice {
  choice: string;
  custom: string;
}

const STORAGE_PREFIX = 'hub.screen-size.';

// Storage may be off (private windows, policies): then choices are simply not remembered.
function loadChoice(key: string): SavedChoice | null {
  try {
    const raw = localStorage.getItem(STORAGE_PREFIX + key);
    const v = raw ? (JSON.parse(raw) as Partial<SavedChoice>) : null;
    return v && typeof v.choice === 'string'
      ? { choice: v.choice, custom: typeof v.custom === 'string' ? v.custom : '' }
      : null;
  } catch {
    return null;
  }
}

function saveChoice(key: string, value: SavedChoice): void {
  try {
    localStorage.setItem(STORAGE_PREFIX + key, JSON.stringify(value));
  } catch {
    // not remembered; the choice still applies to this start
  }
}

/**
 * The launch options an image declares, as a form: a resolution (presets, "fit to window",
 * or a custom size) and a startup file, the latter only when the grant's policy allows it.
 * The card asks it for `result()` when the user presses Start.
 */
@customElement('hub-configurables')
export class HubConfigurables extends LitElement {
  static override styles = [
    theme,
    css`
      :host {
        display: block;
      }
      .custom {
        display: flex;
        gap: 0.5rem;
        align-items: flex-end;
      }
      .error {
        color: var(--c-danger);
        font-size: 0.875rem;
        font-weight: 600;
      }
    `,
  ];

  @property({ attribute: false }) configurables: Configurable[] = [];
  /** The grant allows a startup file (policy.allow_startup_data). */
  @property({ type: Boolean }) allowStartupData = false;
  /** Where the user's screen-size choice is remembered (one per app); empty: not remembered. */
  @property() rememberKey = '';

  @state() private choice = '';
  @state() private custom = '';
  @state() private startupPath = '';
  @state() private viewport = { width: window.innerWidth, height: window.innerHeight };
  @state() private customError: string | null = null;

  private readonly uid = `cfg${++nextId}`;
  private readonly onResize = () => {
    this.viewport = { width: window.innerWidth, height: window.innerHeight };
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('resize', this.onResize);
    const saved = this.rememberKey ? loadChoice(this.rememberKey) : null;
    if (saved) {
      this.choice = saved.choice;
      this.custom = saved.custom;
    }
  }

  private remember(): void {
    if (this.rememberKey)
      saveChoice(this.rememberKey, { choice: this.choice, custom: this.custom });
  }

  override disconnectedCallback(): void {
    window.removeEventListener('resize', this.onResize);
    super.disconnectedCallback();
  }

  private get resolution(): ResolutionConfigurable | undefined {
    return this.configurables.find((c): c is ResolutionConfigurable => c.name === 'resolution');
  }

  private get startup(): StartupDataConfigurable | undefined {
    return this.configurables.find((c): c is StartupDataConfigurable => c.name === 'startupdata');
  }

  private get startupAllowed(): boolean {
    return this.allowStartupData && this.configurables.some((c) => c.name === 'startupdata');
  }

  /** Whether there is anything to configure at all. */
  get hasOptions(): boolean {
    return Boolean(this.resolution) || this.startupAllowed;
  }

  /**
   * The user's choice, else "fit to window": a desktop the size of the browser window fills
   * it without scaling or side bars (a fixed 1024x768 in a 1280x800 window does neither).
   */
  private currentChoice(res: ResolutionConfigurable): string {
    if (this.choice === CUSTOM || this.choice === FIT || res.presets.includes(this.choice))
      return this.choice;
    return FIT;
  }

  /** The values to start with, or the first reason they cannot be used. */
  result(): ConfigurablesResult {
    const values: ConfigurableValues = {};
    const res = this.resolution;
    if (res) {
      const choice = this.currentChoice(res);
      if (choice === FIT) values.resolution = fitToWindow(this.viewport, res);
      else if (choice === CUSTOM) {
        const problem = checkResolution(this.custom, res);
        this.customError = problem;
        if (problem) return { error: `Screen size: ${problem}.` };
        values.resolution = this.custom.trim().toLowerCase().replace(/\s+/g, '');
      } else values.resolution = choice;
    }
    if (this.startupAllowed && this.startupPath.trim()) {
      const path = this.startupPath.trim();
      if (!path.startsWith('/'))
        return { error: 'Startup file: give an absolute path, for example /workspace/data.csv.' };
      values.startupdata = path;
    }
    return { values };
  }

  private renderResolution(res: ResolutionConfigurable) {
    const choice = this.currentChoice(res);
    const fit = fitToWindow(this.viewport, res);
    const limits =
      res.min_width || res.max_width
        ? `From ${res.min_width ?? '?'}x${res.min_height ?? '?'} to ${res.max_width ?? '?'}x${res.max_height ?? '?'}.`
        : '';
    return html`<div class="field">
        <label for="${this.uid}-res">Screen size</label>
        <select
          id="${this.uid}-res"
          name="resolution"
          @change=${(e: Event) => {
            this.choice = (e.target as HTMLSelectElement).value;
            this.remember();
            this.customError = null;
          }}
        >
          ${res.presets.map(
            (p) => html`<option value=${p} ?selected=${choice === p}>${p}</option>`,
          )}
          <option value=${FIT} ?selected=${choice === FIT}>Fit to window (${fit})</option>
          <option value=${CUSTOM} ?selected=${choice === CUSTOM}>Custom size…</option>
        </select>
      </div>
      ${
        choice === CUSTOM
          ? html`<div class="field">
              <label for="${this.uid}-custom">Custom size (width x height)</label>
              <input
                id="${this.uid}-custom"
                name="custom-resolution"
                type="text"
                inputmode="numeric"
                placeholder="1600x900"
                autocomplete="off"
                .value=${this.custom}
                aria-invalid=${this.customError ? 'true' : 'false'}
                aria-describedby="${this.uid}-custom-hint"
                @input=${(e: Event) => {
                  this.custom = (e.target as HTMLInputElement).value;
                  this.customError = null;
                  this.remember();
                }}
              />
              <span id="${this.uid}-custom-hint" class=${this.customError ? 'error' : 'hint'}
                >${this.customError ?? limits}</span
              >
            </div>`
          : null
      }`;
  }

  override render() {
    const res = this.resolution;
    return html`${res ? this.renderResolution(res) : null}
    ${
      this.startupAllowed
        ? html`<div class="field">
            <label for="${this.uid}-startup">Startup file (optional)</label>
            <input
              id="${this.uid}-startup"
              name="startupdata"
              type="text"
              autocomplete="off"
              placeholder="/workspace/data.csv"
              maxlength=${this.startup?.max_length ?? 1024}
              aria-describedby="${this.uid}-startup-hint"
              .value=${this.startupPath}
              @input=${(e: Event) => (this.startupPath = (e.target as HTMLInputElement).value)}
            />
            <span id="${this.uid}-startup-hint" class="hint"
              >${
                this.startup?.description ?? 'Absolute path of a file the app opens when it starts.'
              }</span
            >
          </div>`
        : null
    }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hub-configurables': HubConfigurables;
  }
}
