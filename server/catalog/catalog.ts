import crypto from 'node:crypto';
import { ServiceUnavailable } from '../errors';
import { logger, type Logger } from '../log';
import { DEFAULT_ICON } from './default-icon';
import {
  ImageEvents,
  inspectImage,
  listImages,
  type ImageEngine,
  type ImageRecord,
} from './discovery';
import { isImageId, normalizeImageRef, repositoryOf } from './image-ref';
import { hasAppLabels, parseLabels, type ParsedApp } from './labels';

/**
 * What the hub knows about one image reference: its parsed labels plus where it stands on the
 * engine. An entry whose image is gone keeps its last-known labels with `available: false`, so a
 * registered application is shown as unavailable rather than silently dropped.
 */
export interface CatalogEntry extends ParsedApp {
  /** The normalised reference this entry answers for (`name:tag`, `name@digest` or an id). */
  image: string;
  /** `sha256:<hex>` of the image last seen under this reference; null if never seen. */
  image_id: string | null;
  /** Every tag of that image, e.g. to show an admin that two names are one image. */
  repo_tags: string[];
  /** The image is on the engine and the engine answers. */
  available: boolean;
  /** True when the image carries at least one label of the namespace. */
  labelled: boolean;
  /** Strong ETag of the icon served for this entry (the default icon when it has none). */
  icon_etag: string;
}

/** Where the catalogue stands with the engine; shown by /health and the admin pages. */
export interface CatalogStatus {
  engine: 'unknown' | 'up' | 'down';
  /** Message of the last failed scan while the engine is down. */
  error: string | null;
  scanned_at: Date | null;
  /** Images currently on the engine (labelled or not). */
  images: number;
  events_connected: boolean;
}

export interface CatalogOptions {
  docker: ImageEngine;
  /** Safety-net re-scan period (config `catalog.rescan_seconds`). */
  rescanSeconds: number;
  /** Largest decoded icon accepted (config `catalog.icon_max_bytes`). */
  iconMaxBytes: number;
  log?: Logger;
  /** Events arriving within this window cause one re-scan, not one each. */
  debounceMs?: number;
  /** First event-stream reconnect delay (doubles up to 30 s). */
  reconnectMs?: number;
}

/** Entries for images that left the engine are remembered up to this many, oldest dropped. */
const MAX_GONE_ENTRIES = 10_000;

function etagOf(bytes: Buffer): string {
  return `"${crypto.createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
}

const DEFAULT_ICON_ETAG = etagOf(DEFAULT_ICON);

/**
 * The in-memory catalogue of local images, kept current by Docker image events with a periodic
 * re-scan as a safety net. Reads (`get`, `describe`, `listDiscovered`) never touch Docker, so
 * listing a thousand applications costs map look-ups. Survives the engine being down: scans
 * fail quietly, every entry turns unavailable, and the event stream reconnects with backoff.
 */
export class Catalog {
  private readonly docker: ImageEngine;
  private readonly log: Logger;
  private readonly options: Required<Omit<CatalogOptions, 'docker' | 'log'>>;
  private readonly events: ImageEvents;
  /** Present images by id. */
  private images = new Map<string, ImageRecord>();
  /** Parsed labels by image id: labels never change for an id, so each image is parsed once. */
  private parsed = new Map<string, ParsedApp & { icon_etag: string }>();
  /** Every reference (tags, digests, ids) → entry, including remembered gone ones. */
  private byRef = new Map<string, CatalogEntry>();
  private state: CatalogStatus = {
    engine: 'unknown',
    error: null,
    scanned_at: null,
    images: 0,
    events_connected: false,
  };
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private running = false;
  private listeners = new Set<() => void>();

  constructor(options: CatalogOptions) {
    this.docker = options.docker;
    this.log = options.log ?? logger('catalog');
    this.options = {
      rescanSeconds: options.rescanSeconds,
      iconMaxBytes: options.iconMaxBytes,
      debounceMs: options.debounceMs ?? 150,
      reconnectMs: options.reconnectMs ?? 500,
    };
    this.events = new ImageEvents({
      docker: this.docker,
      log: this.log,
      initialBackoffMs: this.options.reconnectMs,
      onEvent: () => this.scheduleScan(),
      // A (re)connected stream may have missed events: look at the engine again.
      onConnect: () => this.scheduleScan(),
    });
  }

  /** First scan (never throws, even with Docker down), then events and the periodic re-scan. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.refresh();
    this.events.start();
    this.timer = setInterval(() => this.scheduleScan(), this.options.rescanSeconds * 1000);
    this.timer.unref();
  }

  /** Stops following events and re-scanning; waits for a scan in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.events.stop();
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.timer = this.debounce = null;
    await this.queued;
    await this.scanning;
  }

  /** Calls `listener` after every scan that changed something; returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): CatalogStatus {
    return { ...this.state, events_connected: this.events.connected };
  }

  /** The entry for a reference or image id, or null when the hub has never seen that image. */
  get(imageRef: string): CatalogEntry | null {
    return this.byRef.get(normalizeImageRef(imageRef)) ?? null;
  }

  /**
   * Like `get`, but always answers: an image never seen (registered with force before it was
   * pulled) gets an unavailable placeholder named after its repository.
   */
  describe(imageRef: string): CatalogEntry {
    const ref = normalizeImageRef(imageRef);
    return this.byRef.get(ref) ?? placeholder(ref);
  }

  /**
   * Images on the engine that carry the namespace, one entry per image, by first tag. Untagged
   * (dangling) images are left out: they are old builds whose tag moved to a newer image.
   */
  listDiscovered(): CatalogEntry[] {
    const out: CatalogEntry[] = [];
    for (const image of this.images.values()) {
      const ref = image.repoTags[0] ?? image.repoDigests[0];
      if (ref === undefined) continue;
      const entry = this.byRef.get(normalizeImageRef(ref));
      if (entry?.labelled) out.push(entry);
    }
    return out.sort((a, b) => a.image.localeCompare(b.image));
  }

  /** The PNG to serve for a reference: its own icon, else the default one. */
  icon(imageRef: string): { png: Buffer; etag: string } {
    const entry = this.get(imageRef);
    if (entry?.icon) return { png: entry.icon, etag: entry.icon_etag };
    return { png: DEFAULT_ICON, etag: DEFAULT_ICON_ETAG };
  }

  iconEtag(imageRef: string): string {
    return this.get(imageRef)?.icon_etag ?? DEFAULT_ICON_ETAG;
  }

  /**
   * Asks the engine about one reference now, bypassing the cache (used when an admin registers
   * an image that may have been built a moment ago). Null when the engine does not have it;
   * ServiceUnavailable when the engine cannot be reached.
   */
  async lookup(imageRef: string): Promise<CatalogEntry | null> {
    const ref = normalizeImageRef(imageRef);
    let record: ImageRecord | null;
    try {
      record = await inspectImage(this.docker, ref);
    } catch (err) {
      throw new ServiceUnavailable(
        `the Docker engine did not answer (${(err as Error).message}); try again when it is up`,
        'docker_unavailable',
      );
    }
    if (!record) return null;
    this.images.set(record.id, record);
    this.index(record);
    return this.byRef.get(ref) ?? this.entryFor(record, ref, true);
  }

  /**
   * Re-scans the engine and resolves when a scan that started after this call is done. Calls
   * made while a scan runs share the one scan queued behind it.
   */
  async refresh(): Promise<void> {
    if (this.scanning) {
      this.queued ??= this.scanning.then(() => {
        this.queued = null;
        return this.refresh();
      });
      return this.queued;
    }
    this.scanning = this.scan().finally(() => {
      this.scanning = null;
    });
    return this.scanning;
  }

  private scheduleScan(): void {
    if (!this.running || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.refresh();
    }, this.options.debounceMs);
    this.debounce.unref();
  }

  private async scan(): Promise<void> {
    let records: ImageRecord[];
    try {
      records = await listImages(this.docker);
    } catch (err) {
      this.engineDown(err);
      return;
    }
    const wasDown = this.state.engine !== 'up';
    this.images = new Map(records.map((r) => [r.id, r]));
    for (const id of this.parsed.keys()) if (!this.images.has(id)) this.parsed.delete(id);
    const previous = this.byRef;
    this.byRef = new Map();
    for (const record of records) this.index(record);
    let changed = wasDown || previous.size !== this.byRef.size;
    for (const [ref, old] of previous) {
      const now = this.byRef.get(ref);
      if (!now) {
        changed ||= old.available;
        this.byRef.set(ref, { ...old, available: false });
      } else if (now.image_id !== old.image_id || !old.available) changed = true;
    }
    this.forgetOldest();
    this.state = {
      ...this.state,
      engine: 'up',
      error: null,
      scanned_at: new Date(),
      images: records.length,
    };
    if (wasDown)
      this.log.info({ images: records.length }, 'Docker engine reachable; catalogue scanned');
    if (changed) this.emitChange();
  }

  private engineDown(err: unknown): void {
    const message = (err as Error)?.message ?? String(err);
    if (this.state.engine !== 'down') {
      this.log.warn(
        { err: message },
        'Docker engine unreachable; applications shown as unavailable',
      );
    }
    this.state = { ...this.state, engine: 'down', error: message, images: 0 };
    this.images = new Map();
    let changed = false;
    for (const [ref, entry] of this.byRef) {
      if (entry.available) {
        this.byRef.set(ref, { ...entry, available: false });
        changed = true;
      }
    }
    if (changed) this.emitChange();
  }

  private index(record: ImageRecord): void {
    for (const ref of [...record.repoTags, ...record.repoDigests, record.id]) {
      this.byRef.set(normalizeImageRef(ref), this.entryFor(record, normalizeImageRef(ref), true));
    }
  }

  private entryFor(record: ImageRecord, ref: string, available: boolean): CatalogEntry {
    let parsed = this.parsed.get(record.id);
    if (!parsed) {
      const app = parseLabels(record.labels, record.repoTags[0] ?? ref, {
        iconMaxBytes: this.options.iconMaxBytes,
      });
      parsed = { ...app, icon_etag: app.icon ? etagOf(app.icon) : DEFAULT_ICON_ETAG };
      this.parsed.set(record.id, parsed);
    }
    return {
      ...parsed,
      image: ref,
      image_id: record.id,
      repo_tags: record.repoTags,
      available,
      labelled: hasAppLabels(record.labels),
    };
  }

  private forgetOldest(): void {
    let gone = 0;
    for (const e of this.byRef.values()) if (!e.available) gone++;
    if (gone <= MAX_GONE_ENTRIES) return;
    for (const [ref, e] of this.byRef) {
      if (gone <= MAX_GONE_ENTRIES) break;
      if (!e.available) {
        this.byRef.delete(ref);
        gone--;
      }
    }
  }

  private emitChange(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (err) {
        this.log.error({ err }, 'catalogue change listener failed');
      }
    }
  }
}

function placeholder(ref: string): CatalogEntry {
  return {
    ui_name: isImageId(ref) ? ref.slice(0, 19) : repositoryOf(ref),
    description: '',
    type: null,
    icon: null,
    env: [],
    configurables: [],
    warnings: [
      'the image is not on the Docker engine; pull or build it to make the application available',
    ],
    image: ref,
    image_id: null,
    repo_tags: [],
    available: false,
    labelled: false,
    icon_etag: DEFAULT_ICON_ETAG,
  };
}
