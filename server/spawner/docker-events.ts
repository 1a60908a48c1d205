import { EventStream } from '../docker/event-stream';
import type { Logger } from '../log';
import type { DockerClient } from './docker-client';
import { LABELS } from './names';
import type { ContainerEvent, EventListener } from './spawner';

/** Shape of one line of Docker's /events stream (the fields we read). */
interface RawEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

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
 * Follows the engine's container events for one realm until stopped; reconnects with backoff
 * (EventStream) and reports the connection state, so the manager can re-sync with what it
 * missed.
 */
export function followEvents(
  client: DockerClient,
  realm: string,
  listener: EventListener,
  log: Logger,
): () => void {
  const filters = {
    type: ['container'],
    label: [`${LABELS.realm}=${realm}`],
    event: ['die', 'stop', 'kill', 'oom', 'destroy'],
  };
  const stream = new EventStream({
    name: `container events of realm ${realm}`,
    open: (signal) => client.events(filters, signal),
    onEvent: (raw) => {
      const e = toContainerEvent(raw as RawEvent);
      if (e) listener.onEvent(e);
    },
    onConnection: (up) => listener.onConnection(up),
    log,
  });
  stream.start();
  return () => stream.stop();
}
