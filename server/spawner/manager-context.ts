import type { AuditEvent } from '../audit';
import type { HubConfig } from '../config/schema';
import type { Logger } from '../log';
import type { AppImages } from './app-images';
import type { ContainerRegistry } from './container-registry';
import type { GrantSource } from './grant-source';
import type { KeyedLock } from './keyed-lock';
import type { ProgressHub } from './progress';
import type { RouteTable } from './route-table';
import type { Spawner } from './spawner';
import type { LaunchHistory } from './warm-history';

export interface ManagerDeps {
  config: HubConfig;
  spawner: Spawner;
  routes: RouteTable;
  grants: GrantSource;
  images: AppImages;
  audit(e: AuditEvent): Promise<void>;
  log: Logger;
  /** Past starts, for warm starts (warm-pool.ts); without it no warm container is made. */
  launches?: LaunchHistory;
  /** Told how each start ended and how long it took from the request (queue included). */
  startObserved?(outcome: 'ready' | 'failed', seconds: number): void;
}

/**
 * What the manager's parts (start flow, stopper, reconciler, idle culler) share: the
 * dependencies, the records, and one lock per (user, grant) under which every start, stop and
 * reconcile step of that grant runs, so no two of them ever act on one grant's container at once.
 */
export interface ManagerContext {
  deps: ManagerDeps;
  settings: HubConfig['spawner'];
  registry: ContainerRegistry;
  lock: KeyedLock;
  progress: ProgressHub;
}
