import type { GrantInfo } from './grant-source';
import { containerPath, type AdminContainerView } from './container-view';
import { ContainerDied, StartCancelled } from './errors';
import type { ManagerContext } from './manager-context';
import { newUrlId } from './names';
import { progressKey } from './progress';
import { probe, waitForHttp } from './readiness';
import { requestFingerprint, resolveStart } from './spawn-request';
import type { RepeatableConfigurables } from './warm-configurables';
import type { SpawnSlots } from './spawn-slots';
import type { ContainerEvent } from './spawner';
import type { LaunchHistory } from './warm-history';

/** A container made ahead of a predicted start: the user's own, but hidden until claimed. */
export interface WarmContainer {
  readonly key: string;
  readonly urlId: string;
  readonly user: string;
  readonly mappingId: string;
  readonly image: string;
  readonly uiName: string;
  /** requestFingerprint of the request it was made from: a start claims it only on a match. */
  readonly fingerprint: string;
  readonly abort: AbortController;
  containerId: string | null;
  imageId: string | null;
  target: string | null;
  startedAt: Date;
  /** Answering HTTP, so claimable; until then its spawn holds the grant's lock. */
  ready: boolean;
  /** Epoch ms after which an unclaimed one is removed (once ready). */
  expiresAt: number;
}

/** Why a warm container left the pool without being claimed, for the audit log. */
export type DiscardReason =
  'expired' | 'mismatch' | 'not-answering' | 'grant-removed' | 'died' | 'admin-stop';

/** Who removed a warm container, when a person did (an admin's stop). */
interface RemovedBy {
  actor: string;
  address: string | null;
}

/**
 * A warm container as admins see it in the container list, with `warm: true`: running once it
 * answers, never used (its last activity is its start), and `cull_at` when it is removed
 * unless its user starts that app first.
 */
export function adminViewOfWarm(w: WarmContainer): AdminContainerView {
  return {
    url_id: w.urlId,
    url: containerPath(w.user, w.urlId),
    status: w.ready ? 'running' : 'starting',
    mapping_id: w.mappingId,
    image: w.image,
    ui_name: w.uiName,
    started_at: w.startedAt.toISOString(),
    last_activity: w.startedAt.toISOString(),
    cull_at: w.ready ? new Date(w.expiresAt).toISOString() : null,
    user: w.user,
    image_id: w.imageId,
    warm: true,
  };
}

/**
 * Warm starts (README "Warm starts"): when a user signs in, their most-started grant is started
 * the ordinary way (the request a cold start with the screen size of its latest start would
 * make, see spawn-request.ts) but kept out of the registry, so it has no route, is in no list
 * and counts against no limit; a later start of that grant with the same request claims it
 * (start-flow.ts).
 *
 * Invariants: at most one warm container per (user, grant), and never one beside a record of
 * that grant; every change of an entry happens under the grant's lock (its spawn holds it from
 * the first Docker call until the app answers), so a start that finds an entry finds it ready;
 * a timer runs only while ready entries exist; with the feature off nothing is ever made.
 */
export class WarmPool {
  private readonly entries = new Map<string, WarmContainer>();
  private readonly jobs = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly ctx: ManagerContext,
    private readonly slots: SpawnSlots,
    private readonly history: LaunchHistory | null,
  ) {}

  private get settings() {
    return this.ctx.settings.warm_start;
  }

  /** Whether new warm containers may be made (configured on, history readable, not closing). */
  get enabled(): boolean {
    return this.settings.enabled && this.history !== null && !this.closed;
  }

  /** Warm containers, ready or on their way. */
  list(): WarmContainer[] {
    return [...this.entries.values()];
  }

  /** Whether a url_id is a warm container this pool holds (the reconciler leaves those alone). */
  has(urlId: string): boolean {
    return this.byUrlId(urlId) !== undefined;
  }

  /** The warm container with this url_id, ready or on its way. */
  byUrlId(urlId: string): WarmContainer | undefined {
    return this.list().find((w) => w.urlId === urlId);
  }

  /** The ready warm container of a (user, grant) key; the caller holds the grant's lock. */
  peek(key: string): WarmContainer | undefined {
    const w = this.entries.get(key);
    return w?.ready ? w : undefined;
  }

  /** Which warm-labelled url_ids a start has claimed (the audit log remembers across restarts). */
  claimed(urlIds: string[]): Promise<Set<string>> {
    return this.history ? this.history.claimed(urlIds) : Promise.resolve(new Set());
  }

  /**
   * A user signed in: warm their usual grant in the background. Never throws; does nothing
   * (not even a query) when off or full.
   */
  signedIn(user: string): void {
    if (!this.enabled || !this.hasRoom(user)) return;
    const job = this.prewarm(user).catch((err) =>
      this.ctx.deps.log.warn({ user, err: (err as Error).message }, 'warm start failed'),
    );
    this.jobs.add(job);
    void job.finally(() => this.jobs.delete(job));
  }

  /** Resolves once the warm starts begun so far have ended (made, refused or failed). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.jobs]);
  }

  /** Hands a ready warm container over to a start: it leaves the pool (lock held). */
  take(w: WarmContainer): void {
    if (this.entries.get(w.key) === w) this.entries.delete(w.key);
    this.arm();
  }

  /** Whether a warm container still answers, checked once just before it is handed over. */
  async answers(w: WarmContainer): Promise<boolean> {
    const r = await probe(`${w.target}${containerPath(w.user, w.urlId)}`, 2000);
    return 'status' in r && r.status < 500;
  }

  /**
   * Removes a warm container that will not be claimed; the caller holds the grant's lock.
   * False when it had left the pool already (claimed, or its own failed spawn removed it).
   */
  async discard(w: WarmContainer, reason: DiscardReason, by?: RemovedBy): Promise<boolean> {
    if (this.entries.get(w.key) !== w) return false;
    this.entries.delete(w.key);
    this.arm();
    try {
      await this.ctx.deps.spawner.stop(w.urlId);
    } catch (err) {
      // The engine went away: the next re-sync removes it (warm-labelled, unclaimed, untracked).
      this.ctx.deps.log.warn(
        { url_id: w.urlId, err: (err as Error).message },
        'could not remove a warm container',
      );
    }
    await this.auditRemoval(w, reason, by);
    return true;
  }

  /**
   * An admin stops a warm container (the admin container list shows them): it is removed as
   * an expired one is, with the admin in the audit log. False when no warm container has this
   * url_id. One still starting is cancelled; its spawn removes the container.
   */
  async stopByAdmin(urlId: string, by: RemovedBy): Promise<boolean> {
    const w = this.byUrlId(urlId);
    if (!w) return false;
    if (!w.ready) w.abort.abort(new StartCancelled());
    const removed = await this.ctx.lock.run(w.key, () => this.discard(w, 'admin-stop', by));
    if (!removed && !w.ready) await this.auditRemoval(w, 'admin-stop', by);
    return true;
  }

  private async auditRemoval(w: WarmContainer, reason: DiscardReason, by?: RemovedBy) {
    await this.ctx.deps.audit({
      actor: by?.actor ?? null,
      action: 'container.warm_remove',
      target: w.urlId,
      address: by?.address ?? null,
      details: { user: w.user, mapping_id: w.mappingId, reason },
    });
  }

  /** Removes the warm containers that `match` selects (account closed, grant removed). */
  async discardWhere(match: (w: WarmContainer) => boolean): Promise<void> {
    for (const w of this.list().filter(match)) {
      if (!w.ready) w.abort.abort(new StartCancelled());
      await this.ctx.lock.run(w.key, () => this.discard(w, 'grant-removed'));
    }
  }

  /** Removes ready warm containers nobody claimed within `warm_start.ttl_seconds`. */
  async expire(now = Date.now()): Promise<void> {
    for (const w of this.list()) {
      if (!w.ready || w.expiresAt > now) continue;
      await this.ctx.lock
        .run(w.key, () => this.discard(w, 'expired'))
        .catch((err) =>
          this.ctx.deps.log.warn(
            { url_id: w.urlId, err: (err as Error).message },
            'warm expiry failed',
          ),
        );
    }
  }

  /** An engine event for one of the pool's containers: a dead warm container is no use. */
  onEvent(e: ContainerEvent): boolean {
    const w = this.list().find((x) => x.urlId === e.urlId);
    if (!w || (w.containerId !== null && w.containerId !== e.containerId)) return !!w;
    if (!w.ready) {
      w.abort.abort(new ContainerDied(e.exitCode));
      return true;
    }
    void this.ctx.lock.run(w.key, () => this.discard(w, 'died'));
    return true;
  }

  /**
   * Stops making warm containers and waits for spawns under way (cancelled). Ready ones keep
   * running: the next boot removes them, as nothing claimed them.
   */
  async shutdown(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.list()) if (!w.ready) w.abort.abort(new StartCancelled());
    await Promise.allSettled([...this.jobs]);
  }

  /** Room for one more warm container: the pool's cap, the user's and the hub's limits. */
  private hasRoom(user: string): boolean {
    const { settings, registry } = this.ctx;
    if (this.entries.size >= this.settings.max_containers) return false;
    const { mine, total } = registry.live(user);
    return mine < settings.max_per_user && total + this.entries.size < settings.max_total;
  }

  private async prewarm(user: string): Promise<void> {
    const since = new Date(Date.now() - this.settings.history_days * 86_400_000);
    const guess = await this.history?.favourite(user, since, this.settings.min_launches);
    if (!guess) return;
    const grant = await this.ctx.deps.grants.get(guess.mappingId);
    if (!grant || grant.user !== user || grant.userDisabled) return;
    const key = progressKey(user, guess.mappingId);
    // A start or stop of the grant under way settles it; users' starts come before guesses.
    if (this.ctx.lock.busy(key) || this.slots.full) return;
    await this.ctx.lock.run(key, () => this.warmLocked(grant, key, guess.configurables));
  }

  private async warmLocked(
    grant: GrantInfo,
    key: string,
    configurables: RepeatableConfigurables | undefined,
  ): Promise<void> {
    const { deps, settings, registry } = this.ctx;
    if (!this.enabled || this.entries.has(key) || registry.byKey(grant.user, grant.mappingId))
      return;
    if (!this.hasRoom(grant.user)) return;
    const { req, uiName } = await resolveStart(this.ctx, grant, newUrlId(), configurables);
    const w: WarmContainer = {
      key,
      urlId: req.urlId,
      user: req.user,
      mappingId: req.mappingId,
      image: req.image,
      uiName,
      fingerprint: requestFingerprint(req),
      abort: new AbortController(),
      containerId: null,
      imageId: null,
      target: null,
      startedAt: new Date(),
      ready: false,
      expiresAt: Number.POSITIVE_INFINITY,
    };
    this.entries.set(key, w);
    const signal = w.abort.signal;
    let release: (() => void) | null = null;
    try {
      release = await this.slots.acquire(signal);
      const info = await deps.spawner.start({ ...req, warm: true }, () => undefined);
      w.containerId = info.id;
      w.imageId = info.imageId;
      w.target = info.target;
      w.startedAt = info.startedAt ?? w.startedAt;
      signal.throwIfAborted();
      await waitForHttp(`${info.target}${containerPath(w.user, w.urlId)}`, {
        timeoutMs: settings.http_timeout_seconds * 1000,
        signal,
        check: () => this.deathCheck(w.urlId),
      });
      signal.throwIfAborted();
      w.ready = true;
      w.expiresAt = Date.now() + this.settings.ttl_seconds * 1000;
      this.arm();
      await deps.audit({
        actor: null,
        action: 'container.warm',
        target: w.urlId,
        details: { user: w.user, mapping_id: w.mappingId },
      });
      deps.log.info(
        { url_id: w.urlId, user: w.user, mapping_id: w.mappingId },
        'warm container ready',
      );
    } catch (err) {
      if (this.entries.get(key) === w) this.entries.delete(key);
      // At shutdown the container is left: the next boot removes it, and closing stays quick.
      if (!this.closed) await deps.spawner.stop(w.urlId).catch(() => undefined);
      if (!signal.aborted) throw err;
    } finally {
      release?.();
    }
  }

  private async deathCheck(urlId: string): Promise<Error | null> {
    const info = await this.ctx.deps.spawner.inspect(urlId).catch(() => undefined);
    if (info === undefined) return null;
    return !info || info.state !== 'running' ? new ContainerDied(info?.exitCode ?? null) : null;
  }

  /** One timer for the earliest expiry, and none while no warm container waits. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.closed) return;
    const next = Math.min(...this.list().map((w) => w.expiresAt));
    if (!Number.isFinite(next)) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.expire().finally(() => this.arm());
      },
      // setTimeout takes at most 2^31-1 ms; a longer TTL just re-arms.
      Math.min(Math.max(0, next - Date.now()), 2 ** 31 - 1),
    );
    this.timer.unref();
  }
}
