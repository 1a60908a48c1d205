import type { Logger } from '../log';
import { dockerMessage, type DockerClient } from './docker-client';
import { LABELS } from './names';
import type { ContainerEvent, EventListener } from './spawner';

/** Shape of one line of Docker's /events stream (the fields we read). */
interface RawEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/**
 * Turns one Docker event into what the manager cares about. `kill` alone does not mean death
 * (SIGHUP, SIGUSR1 are kills too): only SIGKILL counts, the `die` that follows is what really
 * says it. Events of containers without a url_id label are not ours.
 */
export function toContainerEvent(raw: RawEvent): ContainerEvent | null {
  const attrs = raw.Actor?.Attributes ?? {};
  const urlId = attrs[LABELS.urlId];
  if (raw.Type !== 'container' || !urlId || !raw.Actor?.ID) return null;
  const exitCode = attrs.exitCode !== undefined ? Number(attrs.exitCode) : null;
  const base = { urlId, containerId: raw.Actor.ID, exitCode };
  switch (raw.Action) {
    case 'die':
    case 'stop':
    case 'oom':
      return { kind: 'died', ...base };
    case 'kill':
      return attrs.signal === '9' || attrs.signal === 'SIGKILL' ? { kind: 'died', ...base } : null;
    case 'destroy':
      return { kind: 'removed', ...base };
    default:
      return null;
  }
}

/**
 * Follows the engine's container events for one realm until stopped. When the stream breaks
 * (engine stopped, socket gone) it retries with exponential backoff up to 30 s and reports the
 * connection state, so the manager can re-sync with what it missed.
 */
export function followEvents(
  client: DockerClient,
  realm: string,
  listener: EventListener,
  log: Logger,
): () => void {
  let stopped = false;
  let controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let retryMs = FIRST_RETRY_MS;

  const filters = {
    type: ['container'],
    label: [`${LABELS.realm}=${realm}`],
    event: ['die', 'stop', 'kill', 'oom', 'destroy'],
  };

  const consume = (stream: NodeJS.ReadableStream) =>
    new Promise<void>((resolve) => {
      let pending = '';
      stream.on('data', (chunk: Buffer | string) => {
        pending += chunk.toString();
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (!line) continue;
          try {
            const e = toContainerEvent(JSON.parse(line) as RawEvent);
            if (e) listener.onEvent(e);
          } catch (err) {
            log.warn({ err: String(err) }, 'unreadable docker event skipped');
          }
        }
      });
      stream.on('end', () => resolve());
      stream.on('close', () => resolve());
      stream.on('error', () => resolve());
    });

  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const stream = await client.events(filters, controller.signal);
        log.info({ realm }, 'following docker events');
        retryMs = FIRST_RETRY_MS;
        listener.onConnection(true);
        await consume(stream);
      } catch (err) {
        if (stopped) break;
        log.warn({ err: dockerMessage(err), retry_ms: retryMs }, 'docker event stream unavailable');
      }
      if (stopped) break;
      listener.onConnection(false);
      await new Promise<void>((resolve) => {
        timer = setTimeout(resolve, retryMs);
      });
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  };
  void run();

  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    controller.abort();
  };
}
