/**
 * Runs async tasks one at a time per key (a start and a stop of the same user's grant never
 * interleave); different keys run in parallel. Keys are forgotten when their queue empties.
 */
export class KeyedLock {
  private tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** True while a task for `key` runs or waits. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }
}
