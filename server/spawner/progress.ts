/** Stages of a start, in order; `failed` can follow any of them. */
export type ProgressStage = 'queued' | 'creating' | 'starting' | 'waiting' | 'ready' | 'failed';

/** One Server-Sent Event `progress` (the JSON the portal reads). */
export interface ProgressEvent {
  mapping_id: string;
  stage: ProgressStage;
  /** 0..100, for a progress bar. */
  progress: number;
  message: string;
  url_id?: string;
  url?: string;
}

/** Where each stage puts the bar: creating and starting are quick, waiting for the app is not. */
export const STAGE_PROGRESS: Record<ProgressStage, number> = {
  queued: 5,
  creating: 20,
  starting: 40,
  waiting: 60,
  ready: 100,
  failed: 100,
};

type Listener = (e: ProgressEvent) => void;

/** Events are per user and grant: nobody sees another user's progress. */
export function progressKey(user: string, mappingId: string): string {
  return JSON.stringify([user, mappingId]);
}

/**
 * Fan-out of spawn progress to the SSE streams watching a (user, grant). Remembers the latest
 * event of a spawn in flight, so a stream opened late still learns where the spawn stands.
 */
export class ProgressHub {
  private listeners = new Map<string, Set<Listener>>();
  private latest = new Map<string, ProgressEvent>();

  subscribe(key: string, listener: Listener): () => void {
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    const current = this.latest.get(key);
    if (current) listener(current);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(key) === set) this.listeners.delete(key);
    };
  }

  emit(key: string, event: ProgressEvent): void {
    if (event.stage === 'ready' || event.stage === 'failed') this.latest.delete(key);
    else this.latest.set(key, event);
    for (const l of this.listeners.get(key) ?? []) {
      try {
        l(event);
      } catch {
        // A broken stream must not stop the spawn or the other streams.
      }
    }
  }

  /** Number of open streams (for metrics and tests). */
  get watchers(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}
