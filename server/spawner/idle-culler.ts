import type { ManagerContext } from './manager-context';
import type { Stopper } from './stopper';
import type { WarmPool } from './warm-pool';

/**
 * Stops running containers without proxied activity for `spawner.idle_timeout_seconds`. Warm
 * containers have their own TTL and timer (warm-pool.ts); a culling pass also expires them.
 */
export class IdleCuller {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ctx: ManagerContext,
    private readonly stopper: Stopper,
    private readonly warm: WarmPool,
  ) {}

  /** Checks every tenth of the timeout (1 s to 60 s); off when the timeout is 0. */
  start(): void {
    const seconds = this.ctx.settings.idle_timeout_seconds;
    if (seconds <= 0) return;
    const every = Math.min(60, Math.max(1, seconds / 10)) * 1000;
    this.timer = setInterval(() => void this.cull(), every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async cull(now = Date.now()): Promise<void> {
    await this.warm.expire(now);
    const idleMs = this.ctx.settings.idle_timeout_seconds * 1000;
    if (idleMs <= 0) return;
    for (const rec of this.ctx.registry.all()) {
      if (rec.status !== 'running' || now - rec.lastActivity < idleMs) continue;
      try {
        await this.stopper.remove(rec, { actor: null, action: 'container.cull', address: null });
      } catch (err) {
        this.ctx.deps.log.warn(
          { url_id: rec.urlId, err: (err as Error).message },
          'culling failed',
        );
      }
    }
  }
}
