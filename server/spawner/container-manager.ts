import type { AuditEvent } from '../audit';
import type { HubConfig } from '../config/schema';
import {
  GatewayTimeout,
  HubError,
  NotFound,
  Conflict,
  ServiceUnavailable,
  TooManyRequests,
} from '../errors';
import { clip, type Logger } from '../log';
import type { AppImages } from './app-images';
import { SpawnFailed, logTail } from './docker-spawner';
import { ContainerDied, StartCancelled } from './errors';
import type { GrantInfo, GrantSource } from './grant-source';
import { KeyedLock } from './keyed-lock';
import { resolveLimits } from './limits';
import { containerEnv } from './container-env';
import {
  containerPath,
  toView,
  type AdminContainerView,
  type Caller,
  type ContainerView,
  type Managed,
  type StartResult,
} from './container-view';
import { containerName, isUrlId, newUrlId } from './names';
import {
  ProgressHub,
  progressKey,
  STAGE_PROGRESS,
  type ProgressEvent,
  type ProgressStage,
} from './progress';
import { AppNotReady, waitForHttp } from './readiness';
import { planReconcile, type ReconcileAction } from './reconcile';
import { type RouteTable } from './route-table';
import { SpawnSlots } from './spawn-slots';
import type { ContainerEvent, ContainerInfo, SpawnRequest, Spawner } from './spawner';
import { resolveMounts } from './volumes';

// The types callers (routers, the applications list) use with the manager.
export {
  containerPath,
  type AdminContainerView,
  type Caller,
  type ContainerView,
  type StartResult,
} from './container-view';

export interface ManagerDeps {
  config: HubConfig;
  spawner: Spawner;
  routes: RouteTable;
  grants: GrantSource;
  images: AppImages;
  audit(e: AuditEvent): Promise<void>;
  log: Logger;
  /** Told how each start ended and how long it took from the request (queue included). */
  startObserved?(outcome: 'ready' | 'failed', seconds: number): void;
}

/** Lines of container output appended to a failed start's reason. */
const FAILURE_LOG_LINES = 15;
/** Safety-net re-sync with the engine (deleted grants, missed events). */
const RESYNC_MS = 60_000;

/**
 * The service the REST API calls. Above the spawner it owns everything that is policy rather
 * than mechanism: whose grant, which image (always the grant's), which env, mounts and limits,
 * how many containers, one start at a time per user and grant, routes, progress, audit, idle
 * culling, and keeping its picture in line with the engine (reconcile + events).
 *
 * Invariants: at most one container per (user, grant) — concurrent starts share one spawn, and
 * the container name is deterministic so the engine refuses a second; a record is `running`
 * only when its app answered HTTP and its route is in the route table; Docker is the truth, so
 * records are rebuilt from it at boot and corrected from its events.
 */
export class ContainerManager {
  readonly progress = new ProgressHub();
  private readonly records = new Map<string, Managed>();
  private readonly lock = new KeyedLock();
  private readonly inflight = new Map<string, Promise<StartResult>>();
  private readonly stopping = new Set<string>();
  private readonly slots: SpawnSlots;
  private readonly settings: HubConfig['spawner'];
  private unwatch: (() => void) | null = null;
  private timers: NodeJS.Timeout[] = [];
  private engineUp = false;
  private resyncing: Promise<void> | null = null;

  constructor(private readonly deps: ManagerDeps) {
    this.settings = deps.config.spawner;
    this.slots = new SpawnSlots(this.settings.max_concurrent_spawns);
  }

  // ---- life cycle -------------------------------------------------------------------------

  /**
   * Reconciles with the engine, then follows its events and starts the culling and re-sync
   * timers. Call before the port opens. With the engine down it logs and returns: the hub
   * serves anyway and catches up when the event stream connects.
   */
  async boot(): Promise<void> {
    try {
      await this.deps.spawner.init();
      await this.reconcile();
      this.engineUp = true;
    } catch (err) {
      this.deps.log.warn(
        { err: (err as Error).message },
        'Docker engine not available at start; will reconcile when it is',
      );
    }
    this.unwatch = this.deps.spawner.watch({
      onEvent: (e) => this.onEvent(e),
      onConnection: (up) => this.onConnection(up),
    });
    const resync = setInterval(() => void this.resync(), RESYNC_MS);
    resync.unref();
    this.timers.push(resync);
    if (this.settings.idle_timeout_seconds > 0) {
      const every = Math.min(60, Math.max(1, this.settings.idle_timeout_seconds / 10)) * 1000;
      const cull = setInterval(() => void this.cullIdle(), every);
      cull.unref();
      this.timers.push(cull);
    }
  }

  /** Stops following the engine. Containers keep running; the next boot adopts them. */
  async shutdown(): Promise<void> {
    this.unwatch?.();
    this.unwatch = null;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.resyncing;
  }

  /** Whether the engine answered lately (for /health). */
  get dockerAvailable(): boolean {
    return this.engineUp;
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
    const key = progressKey(grant.user, mappingId);
    const shared = this.inflight.get(key);
    if (shared) return shared;
    const run = this.lock.run(key, () =>
      this.startLocked(grant, key, configurables, address ?? null),
    );
    this.inflight.set(key, run);
    const forget = () => {
      if (this.inflight.get(key) === run) this.inflight.delete(key);
    };
    run.then(forget, forget);
    return run;
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
  async ownGrant(caller: Caller, mappingId: string): Promise<GrantInfo> {
    const grant =
      typeof mappingId === 'string' && mappingId.length <= 128
        ? await this.deps.grants.get(mappingId)
        : null;
    if (!grant || grant.userId !== caller.userId) {
      throw new NotFound(`you have no application with mapping_id "${clip(mappingId, 64)}"`);
    }
    return grant;
  }

  private async startLocked(
    grant: GrantInfo,
    key: string,
    configurables: unknown,
    address: string | null,
  ): Promise<StartResult> {
    const existing = this.byKey(grant.user, grant.mappingId);
    if (existing?.status === 'running' && existing.target) {
      // An adopted container may still be booting (the hub died mid-spawn): keep the promise
      // that a start answers once the app does. A long-running app answers the first probe.
      await waitForHttp(`${existing.target}${containerPath(existing.user, existing.urlId)}`, {
        timeoutMs: this.settings.http_timeout_seconds * 1000,
        check: () => this.deathCheck(existing.urlId),
      }).catch(async (err) => {
        throw await this.describeFailure(err, existing.urlId);
      });
      return { container: this.view(existing), created: false };
    }
    if (existing) await this.removeNow(existing, existing.user, 'container.replace', null);

    const urlId = newUrlId();
    const image = await this.deps.images.configurablesOf(grant.image);
    if (!image) {
      throw new ServiceUnavailable(
        `the image ${grant.image} is not available on this hub; an admin must load it`,
        'image_unavailable',
      );
    }
    const req: SpawnRequest = {
      urlId,
      user: grant.user,
      mappingId: grant.mappingId,
      image: grant.image,
      name: containerName(this.deps.config.realm, grant.user, grant.mappingId),
      env: containerEnv(grant, urlId, image, configurables),
      mounts: resolveMounts(
        {
          dataDir: this.deps.config.data_dir,
          allowedRoots: this.settings.allowed_volume_roots,
          workspaceUid: this.settings.workspace_uid,
        },
        grant.user,
        grant.policy,
      ),
      limits: resolveLimits(this.settings, grant.policy),
    };
    this.checkCapacity(grant.user);
    const rec: Managed = {
      urlId,
      user: grant.user,
      mappingId: grant.mappingId,
      image: grant.image,
      uiName: image.ui_name,
      containerId: null,
      target: null,
      status: 'starting',
      startedAt: new Date(),
      abort: new AbortController(),
    };
    this.records.set(urlId, rec);
    return { container: await this.spawn(rec, req, key, address), created: true };
  }

  /** Per-user and per-hub limits; spawns in flight count, dead containers do not. */
  private checkCapacity(user: string): void {
    let mine = 0;
    let total = 0;
    for (const r of this.records.values()) {
      if (r.status === 'dead') continue;
      total++;
      if (r.user === user) mine++;
    }
    if (mine >= this.settings.max_per_user) {
      throw new TooManyRequests(
        `you already run ${mine} applications, the most this hub allows per user (spawner.max_per_user); stop one first`,
        30,
      );
    }
    if (total >= this.settings.max_total) {
      throw new ServiceUnavailable(
        `the hub already runs its maximum of ${total} applications (spawner.max_total); try again later`,
        'hub_full',
        60,
      );
    }
  }

  private async spawn(
    rec: Managed,
    req: SpawnRequest,
    key: string,
    address: string | null,
  ): Promise<ContainerView> {
    const emit = (
      stage: ProgressStage,
      message: string,
      extra: { url_id?: string; url?: string } = {},
    ) =>
      this.progress.emit(key, {
        mapping_id: rec.mappingId,
        stage,
        progress: STAGE_PROGRESS[stage],
        message,
        ...extra,
      });
    const signal = rec.abort.signal;
    const began = performance.now();
    const observe = (outcome: 'ready' | 'failed') =>
      this.deps.startObserved?.(outcome, (performance.now() - began) / 1000);
    let release: (() => void) | null = null;
    try {
      emit(
        'queued',
        this.slots.full
          ? `the hub is busy starting other applications; waiting for a free slot (${this.slots.queued} ahead in the queue)`
          : 'about to start',
      );
      release = await this.slots.acquire(signal);
      const info = await this.deps.spawner.start(req, (stage, message) => emit(stage, message));
      rec.containerId = info.id;
      rec.target = info.target;
      rec.startedAt = info.startedAt ?? rec.startedAt;
      signal.throwIfAborted();
      emit('waiting', 'waiting for the application to answer');
      await waitForHttp(`${info.target}${containerPath(rec.user, rec.urlId)}`, {
        timeoutMs: this.settings.http_timeout_seconds * 1000,
        signal,
        check: () => this.deathCheck(rec.urlId),
      });
      rec.status = 'running';
      this.deps.routes.set({
        urlId: rec.urlId,
        user: rec.user,
        target: info.target as string,
        containerId: info.id,
        status: 'running',
        mappingId: rec.mappingId,
        lastActivity: Date.now(),
      });
      const url = containerPath(rec.user, rec.urlId);
      emit('ready', 'ready', { url_id: rec.urlId, url });
      observe('ready');
      await this.deps.audit({
        actor: rec.user,
        action: 'container.start',
        target: rec.urlId,
        address,
        details: { mapping_id: rec.mappingId, image: rec.image },
      });
      return this.view(rec);
    } catch (err) {
      const failure = await this.describeFailure(err, rec.urlId);
      await this.cleanupFailed(rec);
      emit('failed', failure.expose ? failure.message : 'internal error');
      observe('failed');
      await this.deps.audit({
        actor: rec.user,
        action: 'container.start_failed',
        target: rec.urlId,
        address,
        details: { mapping_id: rec.mappingId, reason: failure.message.slice(0, 500) },
      });
      throw failure;
    } finally {
      release?.();
    }
  }

  private async deathCheck(urlId: string): Promise<Error | null> {
    const info = await this.deps.spawner.inspect(urlId).catch(() => undefined);
    if (info === undefined) return null; // engine hiccup: keep waiting, the deadline still holds
    return !info || info.state !== 'running' ? new ContainerDied(info?.exitCode ?? null) : null;
  }

  /** A failed start as an error for the caller; app output is appended when it explains. */
  private async describeFailure(err: unknown, urlId: string): Promise<HubError> {
    const reason = err instanceof Error ? err : new Error(String(err));
    const logs = () => this.deps.spawner.logs(urlId, FAILURE_LOG_LINES).catch(() => '');
    if (reason instanceof StartCancelled || (reason as Error).name === 'AbortError')
      return new StartCancelled();
    if (reason instanceof AppNotReady)
      return new GatewayTimeout(`${reason.message}${logTail(await logs(), FAILURE_LOG_LINES)}`);
    if (reason instanceof ContainerDied)
      return new SpawnFailed(`${reason.message}${logTail(await logs(), FAILURE_LOG_LINES)}`);
    if (reason instanceof HubError) return reason;
    this.deps.log.error({ err: reason, url_id: urlId }, 'start failed');
    return new SpawnFailed(`the container could not be started: ${clip(reason.message, 300)}`);
  }

  private async cleanupFailed(rec: Managed): Promise<void> {
    this.deps.routes.delete(rec.urlId);
    this.stopping.add(rec.urlId);
    try {
      await this.deps.spawner.stop(rec.urlId);
    } catch (err) {
      // The engine went away: the next re-sync removes the container (it is not running or not tracked).
      this.deps.log.warn(
        { url_id: rec.urlId, err: (err as Error).message },
        'could not remove the container of a failed start',
      );
    } finally {
      this.stopping.delete(rec.urlId);
      if (this.records.get(rec.urlId) === rec) this.records.delete(rec.urlId);
    }
  }

  // ---- stopping ---------------------------------------------------------------------------

  /**
   * Stops and removes one of the caller's containers. Idempotent: a container that does not
   * exist (any more) is fine; another user's is a 404.
   */
  async stopOwn(caller: Caller, urlId: string, address?: string | null): Promise<void> {
    if (!isUrlId(urlId)) return;
    const rec = this.records.get(urlId);
    if (rec) {
      if (rec.user !== caller.name) throw new NotFound('no such container');
      return this.removeRecord(rec, caller.name, 'container.stop', address ?? null);
    }
    const info = await this.deps.spawner.inspect(urlId);
    if (!info) return;
    if (info.user !== caller.name) throw new NotFound('no such container');
    await this.removeUntracked(info, caller.name, 'container.stop', address ?? null);
  }

  /** Admin stop of any container of the realm. Idempotent like stopOwn. */
  async stopAny(actor: string, urlId: string, address?: string | null): Promise<void> {
    if (!isUrlId(urlId)) return;
    const rec = this.records.get(urlId);
    if (rec) return this.removeRecord(rec, actor, 'container.admin_stop', address ?? null);
    const info = await this.deps.spawner.inspect(urlId);
    if (info) await this.removeUntracked(info, actor, 'container.admin_stop', address ?? null);
  }

  /** Stops every container of a user (called when the user is deleted). */
  async stopForUser(user: string, actor: string | null): Promise<void> {
    for (const rec of [...this.records.values()].filter((r) => r.user === user)) {
      await this.removeRecord(rec, actor, 'container.remove', null);
    }
  }

  /** Stops the container of a grant (called when the grant is deleted). */
  async stopForGrant(mappingId: string, actor: string | null): Promise<void> {
    for (const rec of [...this.records.values()].filter((r) => r.mappingId === mappingId)) {
      await this.removeRecord(rec, actor, 'container.remove', null);
    }
  }

  /** Cancels a start in flight, waits for it, then removes route, container and record. */
  private async removeRecord(
    rec: Managed,
    actor: string | null,
    action: string,
    address: string | null,
  ): Promise<void> {
    if (rec.status === 'starting') rec.abort.abort(new StartCancelled());
    await this.lock.run(progressKey(rec.user, rec.mappingId), () =>
      this.removeNow(rec, actor, action, address),
    );
  }

  /** Removes route, container and record; the caller holds the (user, grant) lock. */
  private async removeNow(
    rec: Managed,
    actor: string | null,
    action: string,
    address: string | null,
  ): Promise<void> {
    if (this.records.get(rec.urlId) !== rec) return; // a concurrent stop or a failed start got there first
    this.stopping.add(rec.urlId);
    const route = this.deps.routes.get(rec.urlId);
    this.deps.routes.delete(rec.urlId);
    try {
      await this.deps.spawner.stop(rec.urlId);
    } catch (err) {
      // Not stopped (engine unreachable): it still runs, so it stays reachable and listed.
      if (route) this.deps.routes.set({ ...route });
      throw err;
    } finally {
      this.stopping.delete(rec.urlId);
    }
    this.records.delete(rec.urlId);
    await this.deps.audit({
      actor,
      action,
      target: rec.urlId,
      address,
      details: { user: rec.user, mapping_id: rec.mappingId },
    });
  }

  private async removeUntracked(
    info: ContainerInfo,
    actor: string | null,
    action: string,
    address: string | null,
  ): Promise<void> {
    await this.lock.run(progressKey(info.user, info.mappingId), () =>
      this.deps.spawner.stop(info.urlId),
    );
    await this.deps.audit({
      actor,
      action,
      target: info.urlId,
      address,
      details: { user: info.user, mapping_id: info.mappingId },
    });
  }

  // ---- reading ----------------------------------------------------------------------------

  /** The caller's containers. Reads memory only: answers even while the engine is down. */
  listOwn(caller: Caller): ContainerView[] {
    return [...this.records.values()]
      .filter((r) => r.user === caller.name)
      .map((r) => this.view(r));
  }

  getOwn(caller: Caller, urlId: string): ContainerView {
    const rec = this.records.get(urlId);
    if (!rec || rec.user !== caller.name) throw new NotFound('no such container');
    return this.view(rec);
  }

  listAll(): AdminContainerView[] {
    return [...this.records.values()].map((r) => ({ ...this.view(r), user: r.user }));
  }

  /** `{url_id, url, status}` of the user's container for a grant, for the applications list. */
  containerFor(
    mappingId: string,
    user: string,
  ): { url_id: string; url: string; status: Managed['status'] } | null {
    const rec = this.byKey(user, mappingId);
    return rec
      ? { url_id: rec.urlId, url: containerPath(rec.user, rec.urlId), status: rec.status }
      : null;
  }

  /** Resets idle culling for one of the caller's running containers. */
  keepalive(caller: Caller, urlId: string): void {
    const rec = this.records.get(urlId);
    if (!rec || rec.user !== caller.name) throw new NotFound('no such container');
    if (rec.status !== 'running') throw new Conflict(`the container is ${rec.status}, not running`);
    this.deps.routes.touch(urlId);
  }

  /** Recent output of any container of the realm (admin). */
  async logs(urlId: string, tail: number): Promise<string> {
    if (!isUrlId(urlId)) throw new NotFound('no such container');
    const info = await this.deps.spawner.inspect(urlId);
    if (!info) throw new NotFound('no such container');
    return this.deps.spawner.logs(urlId, tail);
  }

  /** How a stopped container of the realm ended; null while it runs or once it is gone. */
  async exitCode(urlId: string): Promise<number | null> {
    return isUrlId(urlId) ? ((await this.deps.spawner.inspect(urlId))?.exitCode ?? null) : null;
  }

  private byKey(user: string, mappingId: string): Managed | undefined {
    for (const r of this.records.values())
      if (r.user === user && r.mappingId === mappingId) return r;
    return undefined;
  }

  private lastActivity(rec: Managed): number {
    const route = this.deps.routes.get(rec.urlId);
    return route ? route.lastActivity : rec.startedAt.getTime();
  }

  private view(rec: Managed): ContainerView {
    return toView(rec, this.lastActivity(rec), this.settings.idle_timeout_seconds);
  }

  // ---- keeping in line with the engine ----------------------------------------------------

  /**
   * Brings records and routes in line with the engine (see planReconcile): adopts running
   * containers of existing grants, removes orphans and untracked exited ones, forgets vanished
   * ones. Throws DockerUnavailable when the engine cannot be listed.
   */
  async reconcile(): Promise<void> {
    // What the manager knew before asking the engine: a record that appears, disappears or
    // changes status while the engine answers (a spawn finishing, a stop, an event) is left
    // alone this time; the next re-sync sees it settled.
    const before = new Map(
      [...this.records.values()].map((r) => [r.urlId, { rec: r, status: r.status }]),
    );
    const containers = await this.deps.spawner.list();
    // A disabled user's grants count as gone: their containers stop at the next re-sync, also
    // when the account was disabled from the CLI, which cannot reach this process.
    const live = (await this.deps.grants.all()).filter((g) => !g.userDisabled);
    const grants = new Map(live.map((g) => [g.mappingId, g.user]));
    const known = new Map([...before].map(([id, b]) => [id, { urlId: id, status: b.status }]));
    const targets = new Map([...before].map(([id, b]) => [id, b.rec.target]));
    const actions = planReconcile(containers, (id) => grants.get(id), known, targets);
    const unchanged = (urlId: string) => {
      const now = this.records.get(urlId);
      const then = before.get(urlId);
      return now === then?.rec && (!now || now.status === then?.status);
    };
    for (const action of actions) {
      const urlId = action.kind === 'forget' ? action.urlId : action.container.urlId;
      if (urlId && (!unchanged(urlId) || this.stopping.has(urlId))) continue;
      try {
        await this.apply(action);
      } catch (err) {
        this.deps.log.warn(
          { action: action.kind, err: (err as Error).message },
          'reconcile step failed',
        );
      }
    }
    if (actions.length)
      this.deps.log.info({ actions: actions.map((a) => a.kind) }, 'reconciled with the engine');
  }

  private async apply(action: ReconcileAction): Promise<void> {
    if (action.kind === 'forget') {
      this.records.delete(action.urlId);
      this.deps.routes.delete(action.urlId);
      return;
    }
    const c = action.container;
    switch (action.kind) {
      case 'adopt': {
        const previous = this.records.get(c.urlId);
        this.records.set(c.urlId, {
          urlId: c.urlId,
          user: c.user,
          mappingId: c.mappingId,
          image: c.image,
          uiName: previous?.uiName ?? this.deps.images.uiNameOf(c.image),
          containerId: c.id,
          target: c.target,
          status: 'running',
          startedAt: c.startedAt ?? new Date(),
          abort: new AbortController(),
        });
        const route = this.deps.routes.get(c.urlId);
        this.deps.routes.set({
          urlId: c.urlId,
          user: c.user,
          target: c.target as string,
          containerId: c.id,
          status: 'running',
          mappingId: c.mappingId,
          // The last activity before a hub restart is unknown: count from now, never cull at once.
          lastActivity: route ? route.lastActivity : Date.now(),
        });
        if (!previous)
          await this.deps.audit({
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
      case 'remove':
        this.stopping.add(c.urlId);
        try {
          await this.deps.spawner.stop(c.urlId);
        } finally {
          this.stopping.delete(c.urlId);
        }
        this.records.delete(c.urlId);
        this.deps.routes.delete(c.urlId);
        await this.deps.audit({
          actor: null,
          action: 'container.remove',
          target: c.urlId || c.id,
          details: { user: c.user, mapping_id: c.mappingId, reason: action.reason },
        });
        return;
    }
  }

  /** Re-syncs once at a time; failures only log (the engine may be down). */
  private resync(): Promise<void> {
    this.resyncing ??= this.reconcile()
      .then(() => {
        this.engineUp = true;
      })
      .catch((err) => {
        this.engineUp = false;
        this.deps.log.warn({ err: (err as Error).message }, 're-sync with the engine failed');
      })
      .finally(() => {
        this.resyncing = null;
      });
    return this.resyncing;
  }

  private onConnection(up: boolean): void {
    if (!up) {
      if (this.engineUp)
        this.deps.log.warn(
          'lost the Docker event stream; containers are not tracked until it is back',
        );
      this.engineUp = false;
      return;
    }
    // A (re)connected stream may have missed events: the engine may even have restarted.
    void this.deps.spawner
      .init()
      .catch((err) =>
        this.deps.log.warn({ err: (err as Error).message }, 'spawner init after reconnect failed'),
      )
      .then(() => this.resync());
  }

  private markDead(urlId: string, exitCode: number | null): boolean {
    const rec = this.records.get(urlId);
    if (!rec || rec.status !== 'running') return false;
    rec.status = 'dead';
    this.deps.routes.markDead(urlId);
    this.deps.log.info({ url_id: urlId, user: rec.user, exit_code: exitCode }, 'container died');
    return true;
  }

  private onEvent(e: ContainerEvent): void {
    if (this.stopping.has(e.urlId)) return;
    const rec = this.records.get(e.urlId);
    if (!rec) return;
    if (rec.status === 'starting') {
      rec.abort.abort(new ContainerDied(e.exitCode));
      return;
    }
    if (e.kind === 'died') {
      if (this.markDead(e.urlId, e.exitCode)) {
        void this.deps.audit({
          actor: null,
          action: 'container.died',
          target: e.urlId,
          details: { user: rec.user, exit_code: e.exitCode },
        });
      }
    } else {
      this.records.delete(e.urlId);
      this.deps.routes.delete(e.urlId);
    }
  }

  // ---- idle culling -----------------------------------------------------------------------

  /** Stops running containers without proxied activity for spawner.idle_timeout_seconds. */
  async cullIdle(now = Date.now()): Promise<void> {
    const idleMs = this.settings.idle_timeout_seconds * 1000;
    if (idleMs <= 0) return;
    for (const rec of [...this.records.values()]) {
      if (rec.status !== 'running' || now - this.lastActivity(rec) < idleMs) continue;
      try {
        await this.removeRecord(rec, null, 'container.cull', null);
      } catch (err) {
        this.deps.log.warn({ url_id: rec.urlId, err: (err as Error).message }, 'culling failed');
      }
    }
  }
}
