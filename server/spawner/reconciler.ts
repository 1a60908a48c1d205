import { ConfigError } from '../config/load';
import type { ContainerRecord, RecordStatus } from './container-record';
import { ContainerDied } from './errors';
import type { ManagerContext } from './manager-context';
import { progressKey } from './progress';
import { planReconcile, type KnownContainer, type ReconcileAction } from './reconcile';
import type { ContainerEvent, ContainerInfo } from './spawner';
import type { Stopper } from './stopper';
import type { WarmPool } from './warm-pool';

/** Safety-net re-sync with the engine (deleted grants, missed events). */
const RESYNC_MS = 60_000;

/**
 * Keeps the records in line with the engine: a full reconcile at boot and every minute (see
 * planReconcile), and the engine's events in between. Each step runs under its grant's lock and
 * only when the record is as it was when the engine was listed; a grant with a start or stop
 * under way is skipped (that start or stop settles it, the next re-sync checks).
 */
export class Reconciler {
  private engineUp = false;
  private resyncing: Promise<void> | null = null;
  private unwatch: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private foreign: ContainerInfo[] = [];
  private foreignKey = '';

  constructor(
    private readonly ctx: ManagerContext,
    private readonly stopper: Stopper,
    private readonly warm: WarmPool,
  ) {}

  /** Reconciles once (the engine may be down: then it logs), then follows events and re-syncs. */
  async boot(): Promise<void> {
    const { spawner, log } = this.ctx.deps;
    try {
      await spawner.init();
      await this.reconcile();
      this.engineUp = true;
    } catch (err) {
      // A setting the engine showed to be unworkable (docker-spawner.ts): no retry can fix it.
      if (err instanceof ConfigError) throw err;
      log.warn(
        { err: (err as Error).message },
        'Docker engine not available at start; will reconcile when it is',
      );
    }
    this.unwatch = spawner.watch({
      onEvent: (e) => this.onEvent(e),
      onConnection: (up) => this.onConnection(up),
    });
    this.timer = setInterval(() => void this.resync(), RESYNC_MS);
    this.timer.unref();
  }

  async shutdown(): Promise<void> {
    this.unwatch?.();
    this.unwatch = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.resyncing;
  }

  /** Whether the engine answered lately (for /health). */
  get dockerAvailable(): boolean {
    return this.engineUp;
  }

  /** Containers of the realm this installation did not create, as of the last reconcile. */
  get notOurs(): readonly ContainerInfo[] {
    return this.foreign;
  }

  /**
   * Brings records and routes in line with the engine: adopts running containers of existing
   * grants, removes orphans and untracked exited ones, forgets vanished ones, reports other
   * installations' containers. Throws DockerUnavailable when the engine cannot be listed.
   */
  async reconcile(): Promise<void> {
    const { deps, registry, lock } = this.ctx;
    // What the manager knew before asking the engine: a step for a record that appeared,
    // disappeared or changed status while the engine answered is stale and skipped.
    const before = new Map(
      registry.all().map((r) => [r.urlId, { rec: r, status: r.status, target: r.target }]),
    );
    const pooled = new Set(this.warm.list().map((w) => w.urlId));
    const containers = await deps.spawner.list();
    const claimed = await this.warm.claimed(
      containers
        .filter((c) => c.warm && c.owner === 'self' && !before.has(c.urlId) && !pooled.has(c.urlId))
        .map((c) => c.urlId),
    );
    // A disabled user's grants count as gone: their containers stop at the next re-sync, also
    // when the account was disabled from the CLI, which cannot reach this process.
    const live = (await deps.grants.all()).filter((g) => !g.userDisabled);
    const grants = new Map(live.map((g) => [g.mappingId, g.user]));
    const known = new Map<string, KnownContainer>(
      [...before].map(([urlId, b]) => [urlId, { urlId, status: b.status, target: b.target }]),
    );
    const actions = planReconcile(containers, (id) => grants.get(id), known, { pooled, claimed });
    this.noteForeign(actions);
    const unchanged = (urlId: string, status?: RecordStatus) => {
      const now = registry.get(urlId);
      const then = before.get(urlId);
      return now === then?.rec && (!now || (now.status === status && !now.isStopping));
    };
    const steps = actions.filter((a) => a.kind !== 'report');
    for (const action of steps) {
      const key = this.keyOf(action, before);
      // A start or stop of this grant is under way: it settles the container itself.
      if (lock.busy(key)) continue;
      try {
        await lock.run(key, async () => {
          const urlId = action.kind === 'forget' ? action.urlId : action.container.urlId;
          if (urlId && !unchanged(urlId, before.get(urlId)?.status)) return;
          await this.apply(action);
        });
      } catch (err) {
        deps.log.warn(
          { action: action.kind, err: (err as Error).message },
          'reconcile step failed',
        );
      }
    }
    if (steps.length)
      deps.log.info({ actions: steps.map((a) => a.kind) }, 'reconciled with the engine');
  }

  private keyOf(action: ReconcileAction, before: Map<string, { rec: ContainerRecord }>): string {
    if (action.kind !== 'forget')
      return progressKey(action.container.user, action.container.mappingId);
    const rec = before.get(action.urlId)?.rec;
    return rec ? rec.key : progressKey('', action.urlId);
  }

  private async apply(action: ReconcileAction): Promise<void> {
    const { deps, registry } = this.ctx;
    if (action.kind === 'forget') {
      const rec = registry.get(action.urlId);
      if (rec) registry.remove(rec);
      return;
    }
    const c = action.container;
    switch (action.kind) {
      case 'adopt': {
        const previous = registry.get(c.urlId);
        // The last activity before a hub restart is unknown: count from now, never cull at once.
        const lastActivity = previous ? previous.lastActivity : Date.now();
        const rec =
          previous && previous.status !== 'starting'
            ? previous
            : registry.add({
                urlId: c.urlId,
                user: c.user,
                mappingId: c.mappingId,
                image: c.image,
                uiName: deps.images.uiNameOf(c.image),
                startedAt: c.startedAt ?? new Date(),
              });
        rec.startedAt = c.startedAt ?? rec.startedAt;
        rec.imageId ??= c.imageId;
        rec.markRunning(c.id, c.target as string, lastActivity);
        if (!previous)
          await deps.audit({
            actor: null,
            action: 'container.adopt',
            target: c.urlId,
            details: { user: c.user, mapping_id: c.mappingId },
          });
        return;
      }
      case 'mark-dead':
        this.markDead(c.urlId, c.exitCode);
        return;
      case 'remove': {
        // Made warm after the engine was listed: the pool holds it now.
        if (action.reason === 'warm' && this.warm.has(c.urlId)) return;
        const rec = c.urlId ? registry.get(c.urlId) : undefined;
        const why = {
          actor: null,
          action: 'container.remove',
          address: null,
          details: { reason: action.reason },
        };
        if (rec) await this.stopper.removeLocked(rec, why);
        else await this.stopper.removeUntrackedLocked(c, why);
        return;
      }
    }
  }

  private noteForeign(actions: ReconcileAction[]): void {
    const foreign = actions.flatMap((a) => (a.kind === 'report' ? [a.container] : []));
    const key = foreign
      .map((c) => c.id)
      .sort()
      .join();
    if (key !== this.foreignKey && foreign.length)
      this.ctx.deps.log.warn(
        {
          containers: foreign.map((c) => ({ id: c.id.slice(0, 12), name: c.name, owner: c.owner })),
        },
        `${foreign.length} container(s) of realm "${this.ctx.deps.config.realm}" were not created by this hub installation and are left alone; another hub shares this realm and engine (give each hub its own realm), or an older hub version made them (remove them with docker rm once unneeded)`,
      );
    this.foreign = foreign;
    this.foreignKey = key;
  }

  /** Re-syncs once at a time; failures only log (the engine may be down). */
  private resync(): Promise<void> {
    this.resyncing ??= this.reconcile()
      .then(() => {
        this.engineUp = true;
      })
      .catch((err) => {
        this.engineUp = false;
        this.ctx.deps.log.warn({ err: (err as Error).message }, 're-sync with the engine failed');
      })
      .finally(() => {
        this.resyncing = null;
      });
    return this.resyncing;
  }

  private onConnection(up: boolean): void {
    const { spawner, log } = this.ctx.deps;
    if (!up) {
      if (this.engineUp)
        log.warn('lost the Docker event stream; containers are not tracked until it is back');
      this.engineUp = false;
      return;
    }
    // A (re)connected stream may have missed events: the engine may even have restarted.
    void spawner
      .init()
      .catch((err) =>
        log.warn({ err: (err as Error).message }, 'spawner init after reconnect failed'),
      )
      .then(() => this.resync());
  }

  private markDead(urlId: string, exitCode: number | null): boolean {
    const rec = this.ctx.registry.get(urlId);
    if (!rec?.markDead()) return false;
    this.ctx.deps.log.info(
      { url_id: urlId, user: rec.user, exit_code: exitCode },
      'container died',
    );
    return true;
  }

  private onEvent(e: ContainerEvent): void {
    const rec = this.ctx.registry.get(e.urlId);
    if (!rec) {
      this.warm.onEvent(e);
      return;
    }
    // A stop under way expects these events; another container's events are not this record's.
    if (rec.isStopping) return;
    if (rec.containerId !== null && rec.containerId !== e.containerId) return;
    if (rec.status === 'starting') {
      rec.abort.abort(new ContainerDied(e.exitCode));
      return;
    }
    if (e.kind === 'died') {
      if (this.markDead(e.urlId, e.exitCode)) {
        void this.ctx.deps.audit({
          actor: null,
          action: 'container.died',
          target: e.urlId,
          details: { user: rec.user, exit_code: e.exitCode },
        });
      }
    } else {
      this.ctx.registry.remove(rec);
    }
  }
}
