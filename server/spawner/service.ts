import { Gauge, Histogram } from 'prom-client';
import { catalogForLookup } from '../catalog/service';
import { ServiceUnavailable } from '../errors';
import type { Hub } from '../hub';
import { logger } from '../log';
import { routesOf } from '../proxy/route-store';
import { catalogImages } from './app-images';
import { ContainerManager, type ContainerView } from './container-manager';
import { DbGrantSource } from './grant-source';
import { loadInstallIdentity } from './install-id';
import { createSpawner } from './registry';

/**
 * Accessors and the factory, free of side effects: routers import this, while part.ts (imported
 * once, in order, by register-parts.ts) registers the part.
 */

/** The container manager registered on `hub.services.containers`; 503 when it is not running. */
export function containersOf(hub: Pick<Hub, 'services'>): ContainerManager {
  const m = hub.services.containers;
  if (!(m instanceof ContainerManager)) {
    throw new ServiceUnavailable('the container service is not running', 'spawner_unavailable');
  }
  return m;
}

/** `{url_id, url, status}` of `user`'s container for a grant, or null (for the applications list). */
export function containerSummaryFor(
  hub: Pick<Hub, 'services'>,
  mappingId: string,
  user: string,
): Pick<ContainerView, 'url_id' | 'url' | 'status'> | null {
  const m = hub.services.containers;
  return m instanceof ContainerManager ? m.containerFor(mappingId, user) : null;
}

/** Builds the manager from the hub: spawner by `spawner.class`, grants from the database. */
export function createContainerManager(hub: Hub): ContainerManager {
  const log = logger('spawner');
  const startSeconds = new Histogram({
    name: 'hub_container_start_seconds',
    help: 'From a start request to the app answering HTTP (ready) or giving up (failed).',
    labelNames: ['outcome'],
    buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300],
    registers: [hub.registry],
  });
  const manager = new ContainerManager({
    config: hub.config,
    spawner: createSpawner({
      config: hub.config,
      docker: hub.docker,
      log,
      install: loadInstallIdentity(hub.config.data_dir),
    }),
    routes: routesOf(hub),
    grants: new DbGrantSource(hub.db),
    // Resolved per call, so the manager always talks to the catalogue the hub runs now.
    images: {
      configurablesOf: (image) => catalogImages(catalogForLookup(hub)).configurablesOf(image),
      uiNameOf: (image) => catalogImages(catalogForLookup(hub)).uiNameOf(image),
    },
    audit: (e) => hub.audit(e),
    log,
    startObserved: (outcome, seconds) => startSeconds.observe({ outcome }, seconds),
  });
  new Gauge({
    name: 'hub_containers_not_ours',
    help: 'Containers of this realm another hub installation (other) or an older hub version (legacy) created: never touched, counted at each reconcile.',
    labelNames: ['owner'],
    registers: [hub.registry],
    collect() {
      this.reset();
      this.set({ owner: 'other' }, 0);
      this.set({ owner: 'legacy' }, 0);
      for (const c of manager.notOurs) this.inc({ owner: c.owner });
    },
  });
  return manager;
}
