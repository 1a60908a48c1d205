import type { HubDocker } from '../docker/client';
import { EventStream } from '../docker/event-stream';
import type { Logger } from '../log';

/**
 * The catalogue's only contact with Docker: list images, inspect one, follow image events.
 * Thin on purpose (STYLE.md §3): no caching or parsing here, so a fake engine is easy to write.
 */

/** One local image as the catalogue needs it. */
export interface ImageRecord {
  /** `sha256:<hex>`. */
  id: string;
  /** `name:tag` references, without Docker's `<none>:<none>` placeholder. */
  repoTags: string[];
  /** `name@sha256:…` references of pulled images. */
  repoDigests: string[];
  labels: Record<string, string>;
}

/**
 * What the catalogue needs of the hub's one Docker client: calls under its deadline (a hung
 * engine must not hang a start, which asks the catalogue about an image it has not seen) and
 * the event stream's opening.
 */
export type ImageEngine = Pick<HubDocker, 'call' | 'openEvents'>;

function real(refs: string[] | null | undefined): string[] {
  return (refs ?? []).filter((r) => !r.startsWith('<none>'));
}

/**
 * All local images, in one call. Docker's label filter matches exact keys only, not a prefix,
 * so the namespace is matched by the caller; one listing of a thousand images is cheap.
 */
export async function listImages(docker: ImageEngine): Promise<ImageRecord[]> {
  const images = await docker.call('list images', (api, abortSignal) =>
    api.listImages({ all: false, abortSignal }),
  );
  return images.map((i) => ({
    id: i.Id,
    repoTags: real(i.RepoTags),
    repoDigests: real(i.RepoDigests),
    labels: i.Labels ?? {},
  }));
}

/** One image by reference or id; null when the engine does not have it. */
export async function inspectImage(docker: ImageEngine, ref: string): Promise<ImageRecord | null> {
  try {
    const info = await docker.call('inspect image', (api) => api.getImage(ref).inspect());
    return {
      id: info.Id,
      repoTags: real(info.RepoTags),
      repoDigests: real(info.RepoDigests),
      labels: info.Config?.Labels ?? {},
    };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
}

/** The image events after which the set of local images or their tags may have changed. */
export const IMAGE_EVENTS = ['pull', 'tag', 'untag', 'delete', 'import', 'load', 'prune'];

export interface ImageEventsOptions {
  docker: ImageEngine;
  /** Called for each relevant event with its action (`tag`, `delete`, …). */
  onEvent: (action: string) => void;
  /** Called each time the stream is (re)connected: events may have been missed meanwhile. */
  onConnect: () => void;
  log: Logger;
  /** First reconnect delay; doubles on each failure up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * Follows Docker's image events and reconnects, with exponential backoff, whenever the stream
 * ends or the engine is unreachable (the shared EventStream): a Docker restart must not need a
 * hub restart.
 */
export class ImageEvents {
  private readonly stream: EventStream;

  constructor(opts: ImageEventsOptions) {
    this.stream = new EventStream({
      name: 'image events',
      open: (abortSignal) =>
        opts.docker.openEvents({ type: ['image'], event: IMAGE_EVENTS }, abortSignal),
      onEvent: (raw) => {
        const event = raw as { Action?: string; status?: string };
        const action = event.Action ?? event.status ?? '';
        if (IMAGE_EVENTS.includes(action)) opts.onEvent(action);
      },
      onConnection: (up) => {
        if (up) opts.onConnect();
      },
      log: opts.log,
      initialBackoffMs: opts.initialBackoffMs,
      maxBackoffMs: opts.maxBackoffMs,
    });
  }

  /** True while a stream is open. */
  get connected(): boolean {
    return this.stream.connected;
  }

  start(): void {
    this.stream.start();
  }

  stop(): void {
    this.stream.stop();
  }
}
