import { Conflict, NotFound } from '../errors';
import { ContainerRegistry } from './container-registry';
import type { ContainerRecord } from './container-record';
import {
  containerPath,
  toView,
  type AdminContainerView,
  type Caller,
  type ContainerView,
  type StartResult,
} from './container-view';
import { IdleCuller } from './idle-culler';
import { KeyedLock } from './keyed-lock';
import type { ManagerContext, ManagerDeps } from './manager-context';
import { isUrlId } from './names';
import { ProgressHub, progressKey, type ProgressEvent } from './progress';
import { Reconciler } from './reconciler';
import type { GrantInfo } from './grant-source';
import type { ContainerInfo } from './spawner';
import { ownGrant, StartFlow } from './start-flow';
import { Stopper } from './stopper';
import { adminViewOfWarm } from './warm-pool';

// The types callers (routers, the applications list) use with the manager.
export {
  containerPath,
  type AdminContainerView,
  type Caller,
  type ContainerView,
  type StartResult,
} from './container-view';
export type { ManagerDeps } from './manager-context';

/**
 * The service the REST API calls: a facade over the parts that do the work, each in its own
 * file: the registry of records (which own their routes), the start flow, the stopper, the
 * reconciler (boot, events, re-sync) and the idle culler. Above the spawner it owns everything
 * that is policy rather than mechanism: whose grant, which image (always the grant's), which
 * env, mounts and limits, how many containers, one start or stop at a time per user and grant,
 * routes, progress, audit.
 *
 * Invariants: at most one container per (user, grant): concurrent starts share one spawn, and
 * the container name is deterministic so the engine refuses a second; a record is routed
 * exactly while it runs (container-record.ts); Docker is the truth, so records are rebuilt from
 * it at boot and corrected from its events.
 */
export class ContainerManager {
  readonly progress = new ProgressHub();
  private readonly ctx: ManagerContext;
  private readonly stopper: Stopper;
  private readonly starts: StartFlow;
  private readonly reconciler: Reconciler;
  private readonly culler: IdleCuller;

  constructor(deps: ManagerDeps) {
    this.ctx = {
      deps,
      settings: deps.config.spawner,
      registry: new ContainerRegistry(deps.routes),
      lock: new KeyedLock(),
      progress: this.progress,
    };
    this.stopper = new Stopper(this.ctx);
    this.starts = new StartFlow(
      this.ctx,
      this.stopper,
      (rec) => this.view(rec),
      deps.launches ?? null,
    );
    this.reconciler = new Reconciler(this.ctx, this.stopper, this.starts.warm);
    this.culler = new IdleCuller(this.ctx, this.stopper, this.starts.warm);
  }

  // ---- life cycle -------------------------------------------------------------------------

  /**
   * Reconciles with the engine, then follows its events and starts the culling and re-sync
   * timers. Call before the port opens. With the engine down it logs and returns: the hub
   * serves anyway and catches up when the event stream connects.
   */
  async boot(): Promise<void> {
    await this.reconciler.boot();
    this.culler.start();
  }

  /** Stops following the engine. Containers keep running; the next boot adopts them. */
  async shutdown(): Promise<void> {
    this.culler.stop();
    await this.starts.warm.shutdown();
    await this.reconciler.shutdown();
  }

  /** Whether the engine answered lately (for /health). */
  get dockerAvailable(): boolean {
    return this.reconciler.dockerAvailable;
  }

  /** Containers of the realm another installation or an older hub made (left alone). */
  get notOurs(): readonly ContainerInfo[] {
    return this.reconciler.notOurs;
  }

  // ---- starting ---------------------------------------------------------------------------

  /**
   * Starts the caller's application for `mappingId`, or returns the one already running.
   * Resolves once the app answers HTTP. Concurrent calls for the same grant share one start.
   */
  async start(
    caller: Caller,
    mappingId: string,
    configurables: unknown,
    address?: string | null,
  ): Promise<StartResult> {
    const grant = await this.ownGrant(caller, mappingId);
    return this.starts.start({ grant, configurables, address: address ?? null });
  }

  /**
   * Follows the progress of starts of the caller's grant (the SSE stream); 404 when the grant
   * is not the caller's. Returns the unsubscribe function.
   */
  async watchProgress(
    caller: Caller,
    mappingId: string,
    listener: (e: ProgressEvent) => void,
  ): Promise<() => void> {
    const grant = await this.ownGrant(caller, mappingId);
    return this.progress.subscribe(progressKey(grant.user, grant.mappingId), listener);
  }

  /** The grant, when it exists and is the caller's; 404 otherwise (no hint that it exists). */
  ownGrant(caller: Caller, mappingId: string): Promise<GrantInfo> {
    return ownGrant(this.ctx, caller.userId, mappingId);
  }

  /**
   * A user signed in: their usual app may be started ahead, hidden until they start it (README
   * "Warm starts"). Returns at once; the warm start runs in the background and never fails this.
   */
  signedIn(user: string): void {
    this.starts.warm.signedIn(user);
  }

  /** Warm containers (hidden from users and lists): for metrics, the bench and tests. */
  warmContainers(): Array<{ url_id: string; user: string; mapping_id: string; ready: boolean }> {
    return this.starts.warm
      .list()
      .map((w) => ({ url_id: w.urlId, user: w.user, mapping_id: w.mappingId, ready: w.ready }));
  }

  /** Resolves once the warm starts begun so far have ended (tests and the bench wait on it). */
  warmSettled(): Promise<void> {
    return this.starts.warm.settled();
  }

  // ---- stopping ---------------------------------------------------------------------------

  /**
   * Stops and removes one of the caller's containers. Idempotent: a container that does not
   * exist (any more) is done already. Another user's is left alone with the same answer, so a
   * DELETE cannot tell "running for someone else" from "not there" (GET answers 404 for both).
   */
  async stopOwn(caller: Caller, urlId: string, address?: string | null): Promise<void> {
    if (!isUrlId(urlId)) return;
    const why = { actor: caller.name, action: 'container.stop', address: address ?? null };
    const rec = this.ctx.registry.get(urlId);
    if (rec) {
      if (rec.user !== caller.name) return;
      return this.stopper.remove(rec, why);
    }
    const info = await this.ctx.deps.spawner.inspect(urlId);
    if (!info || info.user !== caller.name) return;
    await this.stopper.removeUntracked(info, why);
  }

  /** Admin stop of any container of the realm this hub made. Idempotent like stopOwn. */
  async stopAny(actor: string, urlId: string, address?: string | null): Promise<void> {
    if (!isUrlId(urlId)) return;
    if (await this.starts.warm.stopByAdmin(urlId, { actor, address: address ?? null })) return;
    const why = { actor, action: 'container.admin_stop', address: address ?? null };
    const rec = this.ctx.registry.get(urlId);
    if (rec) return this.stopper.remove(rec, why);
    const info = await this.ctx.deps.spawner.inspect(urlId);
    if (info) await this.stopper.removeUntracked(info, why);
  }

  /** Stops every container of a user (called when the user is deleted). */
  async stopForUser(user: string, actor: string | null): Promise<void> {
    await this.starts.warm.discardWhere((w) => w.user === user);
    for (const rec of this.ctx.registry.all().filter((r) => r.user === user))
      await this.stopper.remove(rec, { actor, action: 'container.remove', address: null });
  }

  /** Stops the container of a grant (called when the grant is deleted). */
  async stopForGrant(mappingId: string, actor: string | null): Promise<void> {
    await this.starts.warm.discardWhere((w) => w.mappingId === mappingId);
    for (const rec of this.ctx.registry.all().filter((r) => r.mappingId === mappingId))
      await this.stopper.remove(rec, { actor, action: 'container.remove', address: null });
  }

  // ---- reading ----------------------------------------------------------------------------

  /** The caller's containers. Reads memory only: answers even while the engine is down. */
  listOwn(caller: Caller): ContainerView[] {
    return this.ctx.registry
      .all()
      .filter((r) => r.user === caller.name)
      .map((r) => this.view(r));
  }

  getOwn(caller: Caller, urlId: string): ContainerView {
    const rec = this.ctx.registry.get(urlId);
    if (!rec || rec.user !== caller.name) throw new NotFound('no such container');
    return this.view(rec);
  }

  /** Every container of the realm, warm ones (not yet any user's to see) marked `warm`. */
  listAll(): AdminContainerView[] {
    return [
      ...this.ctx.registry.all().map((r) => ({ ...this.view(r), user: r.user, warm: false })),
      ...this.starts.warm.list().map(adminViewOfWarm),
    ];
  }

  /** `{url_id, url, status}` of the user's container for a grant, for the applications list. */
  containerFor(
    mappingId: string,
    user: string,
  ): { url_id: string; url: string; status: ContainerView['status'] } | null {
    const rec = this.ctx.registry.byKey(user, mappingId);
    return rec
      ? { url_id: rec.urlId, url: containerPath(rec.user, rec.urlId), status: rec.status }
      : null;
  }

  /** The image id a container of the hub runs, as its spawner reported it; null if unknown. */
  imageIdOf(urlId: string): string | null {
    return (
      this.ctx.registry.get(urlId)?.imageId ?? this.starts.warm.byUrlId(urlId)?.imageId ?? null
    );
  }

  /** Resets idle culling for one of the caller's running containers. */
  keepalive(caller: Caller, urlId: string): void {
    const rec = this.ctx.registry.get(urlId);
    if (!rec || rec.user !== caller.name) throw new NotFound('no such container');
    if (rec.status !== 'running') throw new Conflict(`the container is ${rec.status}, not running`);
    this.ctx.deps.routes.touch(urlId);
  }

  /** Recent output of any container of the realm this hub made (admin). */
  async logs(urlId: string, tail: number): Promise<string> {
    if (!isUrlId(urlId)) throw new NotFound('no such container');
    const info = await this.ctx.deps.spawner.inspect(urlId);
    if (!info) throw new NotFound('no such container');
    return this.ctx.deps.spawner.logs(urlId, tail);
  }

  /** How a stopped container of the realm ended; null while it runs or once it is gone. */
  async exitCode(urlId: string): Promise<number | null> {
    return isUrlId(urlId) ? ((await this.ctx.deps.spawner.inspect(urlId))?.exitCode ?? null) : null;
  }

  // ---- keeping in line with the engine ----------------------------------------------------

  /** One full reconcile now (see Reconciler); throws DockerUnavailable when the engine is down. */
  reconcile(): Promise<void> {
    return this.reconciler.reconcile();
  }

  /** One culling pass now (see IdleCuller), warm containers' expiry included. */
  cullIdle(now = Date.now()): Promise<void> {
    return this.culler.cull(now);
  }

  private view(rec: ContainerRecord): ContainerView {
    return toView(rec, rec.lastActivity, this.ctx.settings.idle_timeout_seconds);
  }
}
