/**
 * A counting semaphore with a FIFO queue: at most `size` spawns talk to the engine at once,
 * the rest wait their turn (queued, not refused). A waiter whose signal aborts leaves the queue.
 */
export class SpawnSlots {
  private used = 0;
  private waiters: Array<{ grant: () => void; signal?: AbortSignal; onAbort: () => void }> = [];

  constructor(private readonly size: number) {}

  /** True when the next acquire has to wait. */
  get full(): boolean {
    return this.used >= this.size;
  }

  /** Spawns waiting for a slot. */
  get queued(): number {
    return this.waiters.length;
  }

  /** Resolves when a slot is free; the returned function gives it back (call it once). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.used < this.size) {
      this.used++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', waiter.onAbort);
          resolve();
        },
        signal,
        onAbort: () => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(signal?.reason ?? new Error('aborted'));
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // The slot passes straight to the next waiter, so `used` stays the same.
      if (next) next.grant();
      else this.used--;
    };
  }
}
