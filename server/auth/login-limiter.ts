/**
 * Counts failed logins per user name and per client address in a sliding window. Past the
 * limit, that key is locked for `lockoutSeconds`: every try answers 429 with Retry-After,
 * right or wrong password, so a brute-force run learns nothing while locked.
 * Memory is bounded: old entries are dropped and the map never grows past `maxKeys`.
 */
export interface LimiterOptions {
  maxFailuresPerUser: number;
  maxFailuresPerAddress: number;
  windowSeconds: number;
  lockoutSeconds: number;
  maxKeys?: number;
}

interface Entry {
  failures: number[];
  lockedUntil: number;
}

export class LoginLimiter {
  private entries = new Map<string, Entry>();

  constructor(
    private readonly opts: LimiterOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `user`/`address` may try again, or 0 when they may try now. */
  retryAfter(user: string, address: string): number {
    const t = this.now();
    const until = Math.max(this.lockedUntil(`u:${user}`, t), this.lockedUntil(`a:${address}`, t));
    return until > t ? Math.ceil((until - t) / 1000) : 0;
  }

  recordFailure(user: string, address: string): void {
    const t = this.now();
    this.bump(`u:${user}`, this.opts.maxFailuresPerUser, t);
    this.bump(`a:${address}`, this.opts.maxFailuresPerAddress, t);
  }

  recordSuccess(user: string): void {
    this.entries.delete(`u:${user}`);
  }

  private lockedUntil(key: string, t: number): number {
    const e = this.entries.get(key);
    return e && e.lockedUntil > t ? e.lockedUntil : 0;
  }

  private bump(key: string, max: number, t: number): void {
    const windowStart = t - this.opts.windowSeconds * 1000;
    const e = this.entries.get(key) ?? { failures: [], lockedUntil: 0 };
    e.failures = e.failures.filter((f) => f > windowStart);
    e.failures.push(t);
    if (e.failures.length >= max) {
      e.lockedUntil = t + this.opts.lockoutSeconds * 1000;
      e.failures = [];
    }
    this.entries.delete(key);
    this.entries.set(key, e);
    this.prune(t);
  }

  private prune(t: number): void {
    const max = this.opts.maxKeys ?? 100_000;
    const windowStart = t - this.opts.windowSeconds * 1000;
    // Map iteration is insertion order and bump() re-inserts, so the oldest come first.
    for (const [k, e] of this.entries) {
      const stale = e.lockedUntil <= t && !e.failures.some((f) => f > windowStart);
      if (!stale && this.entries.size <= max) break;
      this.entries.delete(k);
    }
  }
}
