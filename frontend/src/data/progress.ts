import { seg } from './api';
import type { ProgressEvent } from './types';

/** Stops listening to progress events. */
export type Unsubscribe = () => void;

/**
 * Listens to the spawn progress of one grant (Server-Sent Events, cookie auth). Open it before
 * starting the app so no early event is missed. Progress is a nicety: when the stream fails
 * the start itself still reports its outcome, so errors here are only passed on, not thrown.
 */
export function subscribeProgress(
  mappingId: string,
  onEvent: (event: ProgressEvent) => void,
  onError?: () => void,
): Unsubscribe {
  if (typeof EventSource === 'undefined') return () => undefined;
  const source = new EventSource(`/api/v1/containers/progress/${seg(mappingId)}`, {
    withCredentials: true,
  });
  source.addEventListener('progress', (msg) => {
    try {
      const data = JSON.parse((msg as MessageEvent<string>).data) as ProgressEvent;
      onEvent(data);
      if (data.stage === 'ready' || data.stage === 'failed') source.close();
    } catch {
      // A malformed event is skipped; the next one or the start's answer will follow.
    }
  });
  source.addEventListener('error', () => {
    // EventSource reconnects on its own; a closed stream (404, 401) will not come back.
    if (source.readyState === EventSource.CLOSED) onError?.();
  });
  return () => source.close();
}
