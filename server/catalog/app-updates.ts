import type { HubDocker } from '../docker/client';
import type { Core } from '../core';
import type { Logger } from '../log';
import { LABELS } from '../spawner/names';
import type { Catalog } from './catalog';

/**
 * Amahi's one-click update: an admin rebuilds, re-tags or loads an image under a registered
 * name, the catalogue sees a new image id for that name, and every container still running the
 * old id is shown "update available: restart to update". Starts go by the registered
 * reference, never by a recorded id, so a restart creates the container from what the name
 * points to now: the new image.
 */

/** Where one container stands against its application's image. */
export interface UpdateInfo {
  update_available: boolean;
  /** The image id the container runs; null when the engine did not say. */
  image_id: string | null;
  /** The id its registered reference points to now; null while the image is unavailable. */
  latest_image_id: string | null;
}

/** Lists answer from the last listing for this long when it lacks a container. */
const RELIST_MS = 10_000;

const NONE: UpdateInfo = { update_available: false, image_id: null, latest_image_id: null };

type ContainerEngine = Pick<HubDocker, 'call'>;

export interface AppUpdatesOptions {
  docker: ContainerEngine;
  catalog: Pick<Catalog, 'get' | 'onChange'>;
  db: Core['db'];
  audit: Core['audit'];
  realm: string;
  log: Logger;
}

export class AppUpdates {
  /** Registered reference → the image id last seen for it (since this process started). */
  private readonly known = new Map<string, string>();
  /** url_id → image id: a container's image never changes, so an entry stays true. */
  private readonly running = new Map<string, string>();
  private listing: Promise<void> | null = null;
  /** When the last listing ended (epoch ms). */
  private listedAt = 0;
  private noticing: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly opts: AppUpdatesOptions) {}

  /** Learns the current ids (no audit for what was there before), then follows the catalogue. */
  async start(): Promise<void> {
    await this.notice();
    this.unsubscribe = this.opts.catalog.onChange(() => void this.notice());
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.noticing;
  }

  /**
   * Compares each registered reference's image id with the one last seen and audits every
   * change as `application.updated`. Runs one at a time; resolves when this call's pass is done.
   */
  notice(): Promise<void> {
    const pass = this.noticing.then(() => this.compare());
    this.noticing = pass.catch((err: unknown) =>
      this.opts.log.warn({ err: (err as Error).message }, 'could not compare application images'),
    );
    return this.noticing;
  }

  private async compare(): Promise<void> {
    const rows: Array<{ id: number; image: string }> = await this.opts.db.query(
      'SELECT id, image FROM applications',
    );
    for (const row of rows) {
      const entry = this.opts.catalog.get(row.image);
      if (!entry?.available || !entry.image_id) continue;
      const before = this.known.get(row.image);
      this.known.set(row.image, entry.image_id);
      if (before === undefined || before === entry.image_id) continue;
      this.opts.log.info(
        { image: row.image, old: before, new: entry.image_id },
        'application image updated',
      );
      await this.opts.audit({
        actor: null,
        action: 'application.updated',
        target: row.image,
        details: { id: Number(row.id), old_image_id: before, new_image_id: entry.image_id },
      });
    }
  }

  /** Update state of each container (by url_id); containers the engine does not list get none. */
  async forContainers(
    views: ReadonlyArray<{ url_id: string; image: string }>,
  ): Promise<Map<string, UpdateInfo>> {
    // A container the last listing did not show (a Swarm task, or one started since: that one
    // runs the latest image anyway) must not cost a Docker call on every list request.
    const unknown = views.some((v) => !this.running.has(v.url_id));
    if (unknown && Date.now() - this.listedAt >= RELIST_MS) await this.listRunning();
    const out = new Map<string, UpdateInfo>();
    for (const v of views) {
      const image_id = this.running.get(v.url_id) ?? null;
      const entry = this.opts.catalog.get(v.image);
      const latest_image_id = entry?.available ? entry.image_id : null;
      out.set(
        v.url_id,
        image_id === null
          ? NONE
          : {
              update_available: latest_image_id !== null && latest_image_id !== image_id,
              image_id,
              latest_image_id,
            },
      );
    }
    return out;
  }

  /** The `update_available` of one view, merged in; for the routes that answer containers. */
  async annotate<T extends { url_id: string; image: string }>(
    views: T[],
    admin = false,
  ): Promise<Array<T & Partial<UpdateInfo>>> {
    const infos = await this.forContainers(views);
    return views.map((v) => {
      const info = infos.get(v.url_id) ?? NONE;
      return admin ? { ...v, ...info } : { ...v, update_available: info.update_available };
    });
  }

  /** The image id a container of this realm runs, or null when the engine does not list it. */
  async imageOf(urlId: string): Promise<string | null> {
    if (!this.running.has(urlId)) await this.listRunning();
    return this.running.get(urlId) ?? null;
  }

  /**
   * After a restart (stop, then a start from the registered reference): audits
   * `container.updated` when the new container runs another image than the old one did.
   */
  async restarted(
    before: { url_id: string; image_id: string | null },
    after: { url_id: string; image: string },
    actor: string,
    address: string | null,
  ): Promise<void> {
    const now = await this.imageOf(after.url_id);
    if (!before.image_id || !now || now === before.image_id) return;
    await this.opts.audit({
      actor,
      action: 'container.updated',
      target: after.url_id,
      address,
      details: {
        image: after.image,
        old_url_id: before.url_id,
        old_image_id: before.image_id,
        new_image_id: now,
      },
    });
  }

  /** One listing of the realm's containers fills the cache; concurrent callers share it. */
  private listRunning(): Promise<void> {
    this.listing ??= this.opts.docker
      .call('list containers', (api, abortSignal) =>
        api.listContainers({
          all: true,
          filters: { label: [`${LABELS.realm}=${this.opts.realm}`] },
          abortSignal,
        }),
      )
      .then((list) => {
        const seen = new Set<string>();
        for (const c of list) {
          const urlId = c.Labels?.[LABELS.urlId];
          if (!urlId || !c.ImageID) continue;
          seen.add(urlId);
          this.running.set(urlId, c.ImageID);
        }
        for (const urlId of this.running.keys()) if (!seen.has(urlId)) this.running.delete(urlId);
      })
      .catch((err: unknown) => {
        // Without the engine nobody can restart anyway: no badge rather than a failed page.
        this.opts.log.warn({ err: (err as Error).message }, 'could not list containers');
      })
      .finally(() => {
        this.listing = null;
        this.listedAt = Date.now();
      });
    return this.listing;
  }
}
