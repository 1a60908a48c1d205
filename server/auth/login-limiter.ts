/**
 * Counts failed logins so that guessing passwords stays expensive without handing anyone a
 * switch that locks another person out.
 *
 * A try comes from a client that is either *trusted* for the user name it tries (it holds the
 * user's known-device cookie, or its address has logged in as that user before) or not:
 * - a known device is counted on its own (`d:`): only failures from that browser lock it;
 * - every other client is counted per user name and address (`ua:`) and per address (`a:`),
 *   so one address guessing one account, or spraying many, is locked out;
 * - untrusted clients are also counted per user name across all addresses (`u:`): a guesser
 *   spread over many addresses is locked out as a crowd, while trusted clients (the owner's
 *   browsers and addresses) never see that lock.
 * Locks escalate: each new lock of the same key while its last one is recent doubles its
 * length, up to `maxLockoutSeconds`. While locked every try answers 429, right or wrong
 * password, so a locked guesser learns nothing. Memory is bounded by `maxKeys`.
 */
export interface LimiterOptions {
  /** Per user name and address, and per known device. */
  maxFailuresPerUser: number;
  maxFailuresPerAddress: number;
  /** Per user name, over every untrusted client together. */
  maxFailuresPerUserTotal: number;
  windowSeconds: number;
  lockoutSeconds: number;
  maxLockoutSeconds: number;
  /** How long a successful login makes its address trusted for that user name. */
  knownAddressSeconds: number;
  maxKeys?: number;
}

export interface LoginAttempt {
  user: string;
  address: string;
  /** Id of a verified known-device cookie of this browser for `user`, or null. */
  device: string | null;
}

/** How long to wait, and which counter refused (for the message shown). */
export interface Refusal {
  seconds: number;
  scope: 'device' | 'user-address' | 'address' | 'user';
}

interface Entry {
  failures: number[];
  lockedUntil: number;
  strikes: number;
}

type Key = { key: string; max: number; scope: Refusal['scope'] };

export class LoginLimiter {
  private entries = new Map<string, Entry>();
  private knownAddresses = new Map<string, number>();

  constructor(
    private readonly opts: LimiterOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `a` may try now; null when it may, else how long to wait. */
  refusal(a: LoginAttempt): Refusal | null {
    const t = this.now();
    let worst: Refusal | null = null;
    for (const k of this.keys(a, t)) {
      const e = this.entries.get(k.key);
      if (!e || e.lockedUntil <= t) continue;
      const seconds = Math.ceil((e.lockedUntil - t) / 1000);
      if (!worst || seconds > worst.seconds) worst = { seconds, scope: k.scope };
    }
    return worst;
  }

  /** Seconds until `a` may try again, or 0 when it may try now. */
  retryAfter(a: LoginAttempt): number {
    return this.refusal(a)?.seconds ?? 0;
  }

  recordFailure(a: LoginAttempt): void {
    const t = this.now();
    for (const k of this.keys(a, t)) this.bump(k, t);
    this.prune(t);
  }

  /**
   * Clears the counters of the client that logged in and trusts its address for that user.
   * The per-user crowd count is kept: the owner logging in must not hand guessers a new budget.
   */
  recordSuccess(a: LoginAttempt): void {
    const t = this.now();
    for (const k of this.keys(a, t))
      if (k.scope !== 'address' && k.scope !== 'user') this.entries.delete(k.key);
    const known = `${a.user}\n${a.address}`;
    this.knownAddresses.delete(known);
    this.knownAddresses.set(known, t + this.opts.knownAddressSeconds * 1000);
    const max = this.opts.maxKeys ?? 100_000;
    for (const [k, until] of this.knownAddresses) {
      if (until > t && this.knownAddresses.size <= max) break;
      this.knownAddresses.delete(k);
    }
  }

  private keys(a: LoginAttempt, t: number): Key[] {
    const perUser = this.opts.maxFailuresPerUser;
    if (a.device) return [{ key: `d:${a.device}\n${a.user}`, max: perUser, scope: 'device' }];
    const keys: Key[] = [
      { key: `ua:${a.user}\n${a.address}`, max: perUser, scope: 'user-address' },
      { key: `a:${a.address}`, max: this.opts.maxFailuresPerAddress, scope: 'address' },
    ];
    const knownUntil = this.knownAddresses.get(`${a.user}\n${a.address}`) ?? 0;
    if (knownUntil <= t)
      keys.push({ key: `u:${a.user}`, max: this.opts.maxFailuresPerUserTotal, scope: 'user' });
    return keys;
  }

  private bump(k: Key, t: number): void {
    const windowStart = t - this.opts.windowSeconds * 1000;
    const e = this.entries.get(k.key) ?? { failures: [], lockedUntil: 0, strikes: 0 };
    e.failures = e.failures.filter((f) => f > windowStart);
    e.failures.push(t);
    if (e.failures.length >= k.max) {
      const seconds = Math.min(
        this.opts.lockoutSeconds * 2 ** Math.min(e.strikes, 30),
        this.opts.maxLockoutSeconds,
      );
      e.lockedUntil = Math.max(e.lockedUntil, t + seconds * 1000);
      e.strikes++;
      e.failures = [];
    }
    this.entries.delete(k.key);
    this.entries.set(k.key, e);
  }

  private prune(t: number): void {
    const max = this.opts.maxKeys ?? 100_000;
    const windowMs = this.opts.windowSeconds * 1000;
    // Map iteration is insertion order and bump() re-inserts, so the oldest come first. A key
    // stays while locked and for a window after, so a lock soon repeated escalates.
    for (const [k, e] of this.entries) {
      const stale = e.lockedUntil + windowMs <= t && !e.failures.some((f) => f > t - windowMs);
      if (!stale && this.entries.size <= max) break;
      this.entries.delete(k);
    }
  }
}
