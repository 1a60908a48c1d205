import type { Core } from '../core';
import type { Logger } from '../log';
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

const NONE: UpdateInfo = { update_available: false, image_id: null, latest_image_id: null };

/**
 * Where the image id a container runs is read: the container manager's records, which keep the
 * id the spawner reported when it made or adopted the container (ContainerInfo.imageId), so no
 * Docker call is needed and Swarm services count as containers do.
 */
export interface ContainerImageIds {
  /** The image id the container with this url_id runs; null when unknown (still starting). */
  imageIdOf(urlId: string): string | null;
}

export interface AppUpdatesOptions {
  catalog: Pick<Catalog, 'get' | 'onChange'>;
  db: Core['db'];
  audit: Core['audit'];
  log: Logger;
}

export class AppUpdates {
  /** Registered reference → the image id last seen for it (since this process started). */
  private readonly known = new Map<string, string>();
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

  /** Where one container of `image` running `imageId` stands against the catalogue now. */
  infoOf(image: string, imageId: string | null): UpdateInfo {
    if (imageId === null) return NONE;
    const entry = this.opts.catalog.get(image);
    const latest_image_id = entry?.available ? entry.image_id : null;
    return {
      update_available: latest_image_id !== null && latest_image_id !== imageId,
      image_id: imageId,
      latest_image_id,
    };
  }

  /** Update state of each container (by url_id), from memory: answers with the engine down. */
  forContainers(
    views: ReadonlyArray<{ url_id: string; image: string }>,
    ids: ContainerImageIds,
  ): Map<string, UpdateInfo> {
    return new Map(views.map((v) => [v.url_id, this.infoOf(v.image, ids.imageIdOf(v.url_id))]));
  }

  /** The `update_available` of each view merged in (admins also see both ids). */
  annotate<T extends { url_id: string; image: string }>(
    views: T[],
    ids: ContainerImageIds,
    admin = false,
  ): Array<T & Partial<UpdateInfo>> {
    return views.map((v) => {
      const info = this.infoOf(v.image, ids.imageIdOf(v.url_id));
      return admin ? { ...v, ...info } : { ...v, update_available: info.update_available };
    });
  }

  /**
   * After a restart (stop, then a start from the registered reference): audits
   * `container.updated` when the new container runs another image than the old one did.
   */
  async restarted(
    before: { url_id: string; image_id: string | null },
    after: { url_id: string; image: string; image_id: string | null },
    actor: string,
    address: string | null,
  ): Promise<void> {
    const now = after.image_id;
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
}
