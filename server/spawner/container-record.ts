import { progressKey } from './progress';
import type { RouteEntry, RouteTable } from './route-table';

/** What a record starts from: who, which grant, which image. */
export interface RecordInit {
  urlId: string;
  user: string;
  mappingId: string;
  image: string;
  uiName: string;
  startedAt: Date;
}

export type RecordStatus = 'starting' | 'running' | 'dead';

/**
 * The live state of one container the hub manages (a runtime object, not a row), and the owner
 * of its route: every status change goes through a method here, and each method puts the route
 * table in the matching state, so "running means routed" holds by construction:
 * - starting: no route (nothing answers yet);
 * - running: routed to the target (unless a stop is under way: then unrouted, so no request
 *   reaches a container on its way out, and routed again if the stop fails);
 * - dead: a dead route, so the URL answers 503 "start it again" instead of 404;
 * - detached (left the registry): no route.
 */
export class ContainerRecord {
  readonly urlId: string;
  readonly user: string;
  readonly mappingId: string;
  readonly image: string;
  readonly uiName: string;
  /** Aborts a start in flight (stop requested, container died). */
  readonly abort = new AbortController();
  startedAt: Date;
  containerId: string | null = null;
  /**
   * The id of the image the container runs (ContainerInfo.imageId), known once the spawner
   * made it; app updates compare it with what the image's name points to now.
   */
  imageId: string | null = null;
  target: string | null = null;
  private current: RecordStatus = 'starting';
  private stopping = false;
  private detached = false;
  /** Built once per container and target; re-entered as it was when a failed stop restores it. */
  private route: RouteEntry | null = null;

  constructor(
    init: RecordInit,
    private readonly routes: RouteTable,
  ) {
    this.urlId = init.urlId;
    this.user = init.user;
    this.mappingId = init.mappingId;
    this.image = init.image;
    this.uiName = init.uiName;
    this.startedAt = init.startedAt;
  }

  get status(): RecordStatus {
    return this.current;
  }

  /** The (user, grant) key: starts, stops and reconcile steps of one grant never interleave. */
  get key(): string {
    return progressKey(this.user, this.mappingId);
  }

  /** True between beginStop and the end of that stop. */
  get isStopping(): boolean {
    return this.stopping;
  }

  /** Whether the registry still holds this record. */
  get isDetached(): boolean {
    return this.detached;
  }

  /** Epoch ms of the last proxied activity (the route's), else the start. */
  get lastActivity(): number {
    return this.routes.get(this.urlId)?.lastActivity ?? this.startedAt.getTime();
  }

  /** The container runs and its app answers at `target`: route it. */
  markRunning(containerId: string, target: string, lastActivity = Date.now()): void {
    if (this.detached) return;
    if (this.route?.containerId !== containerId || this.route.target !== target) {
      this.route = {
        urlId: this.urlId,
        user: this.user,
        target,
        containerId,
        status: 'running',
        mappingId: this.mappingId,
        lastActivity,
      };
    }
    this.containerId = containerId;
    this.target = target;
    this.current = 'running';
    this.route.status = 'running';
    if (!this.stopping) this.routes.set(this.route);
  }

  /** The container stopped by itself; returns false when it was not running. */
  markDead(): boolean {
    if (this.current !== 'running' || this.detached) return false;
    this.current = 'dead';
    if (this.route) this.route.status = 'dead';
    if (!this.stopping) this.routes.markDead(this.urlId);
    return true;
  }

  /** A stop begins: unroute at once, remembering the activity for a failed stop. */
  beginStop(): void {
    const live = this.routes.get(this.urlId);
    if (live && this.route) this.route.lastActivity = live.lastActivity;
    this.stopping = true;
    this.routes.delete(this.urlId);
  }

  /** The stop failed (engine unreachable): the container still runs, so it is routed again. */
  stopFailed(): void {
    this.stopping = false;
    if (this.detached || !this.route || this.current === 'starting') return;
    this.routes.set(this.route);
    if (this.current === 'dead') this.routes.markDead(this.urlId);
  }

  /** Left the registry (stopped, removed, vanished): no route from now on. */
  detach(): void {
    this.detached = true;
    this.stopping = false;
    this.routes.delete(this.urlId);
  }
}
