import type { ContainerRecord } from './container-record';
import { StartCancelled } from './errors';
import type { ManagerContext } from './manager-context';
import { progressKey } from './progress';
import type { ContainerInfo } from './spawner';

/** Who asked for a stop, for the audit log. */
export interface StopReason {
  actor: string | null;
  action: string;
  address: string | null;
  details?: Record<string, unknown>;
}

/** Stops and removes containers: records (with their routes) and untracked ones. */
export class Stopper {
  constructor(private readonly ctx: ManagerContext) {}

  /** Cancels a start in flight, waits for the grant's lock, then removes container and record. */
  async remove(rec: ContainerRecord, why: StopReason): Promise<void> {
    if (rec.status === 'starting') rec.abort.abort(new StartCancelled());
    await this.ctx.lock.run(rec.key, () => this.removeLocked(rec, why));
  }

  /**
   * Removes container and record; the caller holds the grant's lock. A record that left the
   * registry meanwhile (a concurrent stop, a failed start) is already done.
   */
  async removeLocked(rec: ContainerRecord, why: StopReason): Promise<void> {
    if (this.ctx.registry.get(rec.urlId) !== rec) return;
    rec.beginStop();
    try {
      await this.ctx.deps.spawner.stop(rec.urlId);
    } catch (err) {
      // Not stopped (engine unreachable): it still runs, so it stays reachable and listed.
      rec.stopFailed();
      throw err;
    }
    this.ctx.registry.remove(rec);
    await this.ctx.deps.audit({
      actor: why.actor,
      action: why.action,
      target: rec.urlId,
      address: why.address,
      details: { user: rec.user, mapping_id: rec.mappingId, ...why.details },
    });
  }

  /** Removes a container the hub holds no record of, under its grant's lock. */
  async removeUntracked(info: ContainerInfo, why: StopReason): Promise<void> {
    await this.ctx.lock.run(progressKey(info.user, info.mappingId), () =>
      this.removeUntrackedLocked(info, why),
    );
  }

  async removeUntrackedLocked(info: ContainerInfo, why: StopReason): Promise<void> {
    await this.ctx.deps.spawner.stop(info.urlId);
    await this.ctx.deps.audit({
      actor: why.actor,
      action: why.action,
      target: info.urlId || info.id,
      address: why.address,
      details: { user: info.user, mapping_id: info.mappingId, ...why.details },
    });
  }
}
