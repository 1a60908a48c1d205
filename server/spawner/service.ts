import { Gauge, Histogram } from 'prom-client';
import type { Core } from '../core';
import type { Hub } from '../hub';
import { logger } from '../log';
import { catalogImages } from './app-images';
import { ContainerManager } from './container-manager';
import { DbGrantSource } from './grant-source';
import { loadInstallIdentity } from './install-id';
import { createSpawner } from './registry';
import { AuditLaunchHistory } from './warm-history';

/** The running container manager. */
export function containersOf(hub: Pick<Hub, 'containers'>): ContainerManager {
  return hub.containers;
}

/** Builds the manager from the hub: spawner by `spawner.class`, grants from the database. */
export function createContainerManager(
  hub: Core & Pick<Hub, 'catalog' | 'routes'>,
): ContainerManager {
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
    routes: hub.routes,
    grants: new DbGrantSource(hub.db),
    images: catalogImages(hub.catalog),
    audit: (e) => hub.audit(e),
    log,
    launches: new AuditLaunchHistory(hub.db),
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
