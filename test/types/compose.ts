/**
 * Type checks, enforced by `tsc -p tsconfig.json` (part of `npm test`), never run: starting the
 * hub without one of its parts does not compile. Each `@ts-expect-error` fails the build if the
 * line below it ever compiles, i.e. if a part became optional.
 */
import { createApp } from '../../server/app';
import type { AppUpdates } from '../../server/catalog/app-updates';
import type { Catalog } from '../../server/catalog/catalog';
import type { Core } from '../../server/core';
import type { Hub } from '../../server/hub';
import type { AppOriginServices } from '../../server/proxy/app-origins';
import type { RouteStore } from '../../server/proxy/route-store';
import type { Shares } from '../../server/shares/shares';
import type { ContainerManager } from '../../server/spawner/container-manager';
import { createHubServer } from '../../server/web/dispatch';

export function composeWithEveryPart(
  core: Core,
  catalog: Catalog,
  updates: AppUpdates,
  containers: ContainerManager,
  routes: RouteStore,
  apps: AppOriginServices,
  shares: Shares,
): Hub {
  return { ...core, catalog, updates, containers, routes, apps, shares };
}

export function composeWithoutParts(
  core: Core,
  catalog: Catalog,
  updates: AppUpdates,
  containers: ContainerManager,
  routes: RouteStore,
  apps: AppOriginServices,
  shares: Shares,
): void {
  // @ts-expect-error a hub without its container manager
  const noContainers: Hub = { ...core, catalog, updates, routes, apps, shares };
  // @ts-expect-error routers without the catalogue
  createApp({ ...core, updates, containers, routes, apps, shares });
  // @ts-expect-error routers without the update watch
  createApp({ ...core, catalog, containers, routes, apps, shares });
  // @ts-expect-error routers without app origins
  createApp({ ...core, catalog, updates, containers, routes, shares });
  // @ts-expect-error routers without share links
  createApp({ ...core, catalog, updates, containers, routes, apps });
  // @ts-expect-error a server without the proxy
  createHubServer(undefined, createApp(noContainers).callback());
}
