import { GatewayTimeout, HubError, NotFound, ServiceUnavailable, TooManyRequests } from '../errors';
import { clip } from '../log';
import { containerEnv } from './container-env';
import type { ContainerRecord } from './container-record';
import { containerPath, type StartResult } from './container-view';
import { SpawnFailed, logTail } from './docker-spawner';
import { ContainerDied, StartCancelled } from './errors';
import type { GrantInfo } from './grant-source';
import type { ManagerContext } from './manager-context';
import { newUrlId } from './names';
import { progressKey, STAGE_PROGRESS, type ProgressStage } from './progress';
import { AppNotReady, waitForHttp } from './readiness';
import { SpawnSlots } from './spawn-slots';
import { requestFingerprint, resolveStart } from './spawn-request';
import { repeatableConfigurables } from './warm-configurables';
import type { SpawnRequest } from './spawner';
import type { Stopper } from './stopper';
import { WarmPool, type WarmContainer } from './warm-pool';
import type { LaunchHistory } from './warm-history';

/** Lines of container output appended to a failed start's reason. */
const FAILURE_LOG_LINES = 15;

/** Who starts what: the grant (already checked to be the caller's) and the request's extras. */
export interface StartOrder {
  grant: GrantInfo;
  configurables: unknown;
  address: string | null;
}

/**
 * One start, from the request to the app answering HTTP: one at a time per (user, grant) and
 * shared by concurrent callers, at most `max_concurrent_spawns` talking to the engine, progress
 * reported at each stage, and on failure nothing left behind (container, record or route).
 * A warm container of the grant made from the very request this start would make is claimed
 * instead of spawning (warm-pool.ts); one made from another request is removed first.
 */
export class StartFlow {
  private readonly inflight = new Map<string, Promise<StartResult>>();
  private readonly slots: SpawnSlots;
  /** Warm containers, sharing this flow's spawn slots so guesses never outnumber them. */
  readonly warm: WarmPool;

  constructor(
    private readonly ctx: ManagerContext,
    private readonly stopper: Stopper,
    private readonly view: (rec: ContainerRecord) => StartResult['container'],
    history: LaunchHistory | null = null,
  ) {
    this.slots = new SpawnSlots(ctx.settings.max_concurrent_spawns);
    this.warm = new WarmPool(ctx, this.slots, history);
  }

  /** Starts the grant's app, or joins the start under way, or returns the one running. */
  start(order: StartOrder): Promise<StartResult> {
    const key = progressKey(order.grant.user, order.grant.mappingId);
    const shared = this.inflight.get(key);
    if (shared) return shared;
    const run = this.ctx.lock.run(key, () => this.startLocked(order, key));
    this.inflight.set(key, run);
    const forget = () => {
      if (this.inflight.get(key) === run) this.inflight.delete(key);
    };
    run.then(forget, forget);
    return run;
  }

  private async startLocked(order: StartOrder, key: string): Promise<StartResult> {
    const { grant } = order;
    const { settings, registry } = this.ctx;
    const existing = registry.byKey(grant.user, grant.mappingId);
    if (existing?.status === 'running' && existing.target) {
      await this.refuseBadConfigurables(grant, existing.urlId, order.configurables);
      // An adopted container may still be booting (the hub died mid-spawn): keep the promise
      // that a start answers once the app does. A long-running app answers the first probe.
      try {
        await waitForHttp(`${existing.target}${containerPath(existing.user, existing.urlId)}`, {
          timeoutMs: settings.http_timeout_seconds * 1000,
          check: () => this.deathCheck(existing.urlId),
        });
        return { container: this.view(existing), created: false };
      } catch (err) {
        // Died before its death event arrived: the caller asked for a running app, so it is
        // replaced below, as a container known to be dead is.
        if (!(err instanceof ContainerDied)) throw await this.describeFailure(err, existing.urlId);
        existing.markDead();
      }
    }
    if (existing)
      await this.stopper.removeLocked(existing, {
        actor: existing.user,
        action: 'container.replace',
        address: null,
      });

    const warm = this.warm.peek(key);
    if (warm) {
      const claimed = await this.claim(warm, order, key);
      if (claimed) return { container: claimed, created: true };
    }

    const { req, uiName } = await resolveStart(this.ctx, grant, newUrlId(), order.configurables);
    this.checkCapacity(grant.user);
    const rec = registry.add({
      urlId: req.urlId,
      user: grant.user,
      mappingId: grant.mappingId,
      image: grant.image,
      uiName,
      startedAt: new Date(),
    });
    return { container: await this.spawn(rec, req, key, order), created: true };
  }

  /**
   * Configurables a cold start would refuse are refused when the app already runs too: they are
   * the caller's mistake either way (DESIGN.md: 4xx with a reason), not silently ignored.
   */
  private async refuseBadConfigurables(
    grant: GrantInfo,
    urlId: string,
    configurables: unknown,
  ): Promise<void> {
    if (configurables === undefined) return;
    // An engine that cannot be asked about the image must not fail a start that needs no engine.
    const image = await this.ctx.deps.images.configurablesOf(grant.image).catch(() => null);
    if (image) containerEnv(grant, urlId, image, configurables);
  }

  /**
   * Hands a warm container to this start when the start would have made exactly that container
   * (same request fingerprint) and it still answers; otherwise removes it and returns null for a
   * cold start. Bad configurables or a full hub throw as for a cold start and leave it warm.
   */
  private async claim(
    w: WarmContainer,
    order: StartOrder,
    key: string,
  ): Promise<StartResult['container'] | null> {
    const { deps, registry, progress } = this.ctx;
    const began = performance.now();
    const { req } = await resolveStart(this.ctx, order.grant, w.urlId, order.configurables);
    if (requestFingerprint(req) !== w.fingerprint) {
      await this.warm.discard(w, 'mismatch');
      return null;
    }
    this.checkCapacity(order.grant.user);
    if (!(await this.warm.answers(w))) {
      await this.warm.discard(w, 'not-answering');
      return null;
    }
    this.warm.take(w);
    const rec = registry.add({
      urlId: w.urlId,
      user: w.user,
      mappingId: w.mappingId,
      image: w.image,
      uiName: w.uiName,
      startedAt: w.startedAt,
    });
    rec.imageId = w.imageId;
    rec.markRunning(w.containerId as string, w.target as string);
    const url = containerPath(rec.user, rec.urlId);
    progress.emit(key, {
      mapping_id: rec.mappingId,
      stage: 'ready',
      progress: STAGE_PROGRESS.ready,
      message: 'ready',
      url_id: rec.urlId,
      url,
    });
    deps.startObserved?.('ready', (performance.now() - began) / 1000);
    await deps.audit({
      actor: rec.user,
      action: 'container.start',
      target: rec.urlId,
      address: order.address,
      details: {
        mapping_id: rec.mappingId,
        image: rec.image,
        configurables: repeatableConfigurables(order.configurables),
        warm: true,
      },
    });
    return this.view(rec);
  }

  /** Per-user and per-hub limits; spawns in flight count, dead containers do not. */
  private checkCapacity(user: string): void {
    const { mine, total } = this.ctx.registry.live(user);
    if (mine >= this.ctx.settings.max_per_user) {
      throw new TooManyRequests(
        `you already run ${mine} applications, the most this hub allows per user (spawner.max_per_user); stop one first`,
        30,
      );
    }
    if (total >= this.ctx.settings.max_total) {
      throw new ServiceUnavailable(
        `the hub already runs its maximum of ${total} applications (spawner.max_total); try again later`,
        'hub_full',
        60,
      );
    }
  }

  private async spawn(
    rec: ContainerRecord,
    req: SpawnRequest,
    key: string,
    order: StartOrder,
  ): Promise<StartResult['container']> {
    const { deps, settings, progress } = this.ctx;
    const { address } = order;
    const emit = (
      stage: ProgressStage,
      message: string,
      extra: { url_id?: string; url?: string } = {},
    ) =>
      progress.emit(key, {
        mapping_id: rec.mappingId,
        stage,
        progress: STAGE_PROGRESS[stage],
        message,
        ...extra,
      });
    const signal = rec.abort.signal;
    const began = performance.now();
    const observe = (outcome: 'ready' | 'failed') =>
      deps.startObserved?.(outcome, (performance.now() - began) / 1000);
    let release: (() => void) | null = null;
    try {
      emit(
        'queued',
        this.slots.full
          ? `the hub is busy starting other applications; waiting for a free slot (${this.slots.queued} ahead in the queue)`
          : 'about to start',
      );
      release = await this.slots.acquire(signal);
      const info = await deps.spawner.start(req, (stage, message) => emit(stage, message));
      rec.containerId = info.id;
      rec.imageId = info.imageId;
      rec.startedAt = info.startedAt ?? rec.startedAt;
      signal.throwIfAborted();
      emit('waiting', 'waiting for the application to answer');
      const target = info.target as string;
      await waitForHttp(`${target}${containerPath(rec.user, rec.urlId)}`, {
        timeoutMs: settings.http_timeout_seconds * 1000,
        signal,
        check: () => this.deathCheck(rec.urlId),
      });
      signal.throwIfAborted();
      rec.markRunning(info.id, target);
      const url = containerPath(rec.user, rec.urlId);
      emit('ready', 'ready', { url_id: rec.urlId, url });
      observe('ready');
      await deps.audit({
        actor: rec.user,
        action: 'container.start',
        target: rec.urlId,
        address,
        // The screen size lets the next warm start make what this user asks for (warm-history.ts).
        details: {
          mapping_id: rec.mappingId,
          image: rec.image,
          configurables: repeatableConfigurables(order.configurables),
        },
      });
      return this.view(rec);
    } catch (err) {
      const failure = await this.describeFailure(err, rec.urlId);
      await this.cleanupFailed(rec);
      emit('failed', failure.expose ? failure.message : 'internal error');
      observe('failed');
      await deps.audit({
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
    const info = await this.ctx.deps.spawner.inspect(urlId).catch(() => undefined);
    if (info === undefined) return null; // engine hiccup: keep waiting, the deadline still holds
    return !info || info.state !== 'running' ? new ContainerDied(info?.exitCode ?? null) : null;
  }

  /** A failed start as an error for the caller; app output is appended when it explains. */
  private async describeFailure(err: unknown, urlId: string): Promise<HubError> {
    const { spawner, log } = this.ctx.deps;
    const reason = err instanceof Error ? err : new Error(String(err));
    const logs = () => spawner.logs(urlId, FAILURE_LOG_LINES).catch(() => '');
    if (reason instanceof StartCancelled || reason.name === 'AbortError')
      return new StartCancelled();
    if (reason instanceof AppNotReady)
      return new GatewayTimeout(`${reason.message}${logTail(await logs(), FAILURE_LOG_LINES)}`);
    // The app's own failure, not the hub's: a bad gateway, with what the app printed.
    if (reason instanceof ContainerDied)
      return new SpawnFailed(
        `${reason.message}${logTail(await logs(), FAILURE_LOG_LINES)}`,
        502,
        'app_exited',
      );
    if (reason instanceof HubError) return reason;
    log.error({ err: reason, url_id: urlId }, 'start failed');
    return new SpawnFailed(`the container could not be started: ${clip(reason.message, 300)}`);
  }

  /** Removes what a failed start left; the start still holds the grant's lock. */
  private async cleanupFailed(rec: ContainerRecord): Promise<void> {
    rec.beginStop();
    try {
      await this.ctx.deps.spawner.stop(rec.urlId);
    } catch (err) {
      // The engine went away: the next re-sync removes the container (it is not tracked).
      this.ctx.deps.log.warn(
        { url_id: rec.urlId, err: (err as Error).message },
        'could not remove the container of a failed start',
      );
    } finally {
      this.ctx.registry.remove(rec);
    }
  }
}

/** The grant, when it exists and is the caller's; 404 otherwise (no hint that it exists). */
export async function ownGrant(
  ctx: ManagerContext,
  userId: number,
  mappingId: string,
): Promise<GrantInfo> {
  const grant =
    typeof mappingId === 'string' && mappingId.length <= 128
      ? await ctx.deps.grants.get(mappingId)
      : null;
  if (!grant || grant.userId !== userId) {
    throw new NotFound(`you have no application with mapping_id "${clip(mappingId, 64)}"`);
  }
  return grant;
}
