import type { AppUpdates } from './catalog/app-updates';
import type { Catalog } from './catalog/catalog';
import type { Core } from './core';
import type { AppOriginServices } from './proxy/app-origins';
import type { RouteStore } from './proxy/route-store';
import type { Shares } from './shares/shares';
import type { ContainerManager } from './spawner/container-manager';

/**
 * What the routers receive: the core and the running parts, each a typed field that the
 * composition root (server/compose.ts) must fill, so a hub without one does not compile.
 */
export interface Hub extends Core {
  /** Images on the engine and their labels; kept current by Docker events. */
  catalog: Catalog;
  /** Which containers run an older image than their application's name points to now. */
  updates: AppUpdates;
  /** Users' containers: start, stop, reconcile; the only writer of `routes`. */
  containers: ContainerManager;
  /** url_id → container address, read by the proxy on every request. */
  routes: RouteStore;
  /** Apps' own origins: their URLs in API answers, and the portal's frame policy. */
  apps: AppOriginServices;
  /** Share links of running containers; the proxy admits their viewers. */
  shares: Shares;
}
