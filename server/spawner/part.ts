import { Gauge } from 'prom-client';
import type { Core } from '../core';
import type { Hub } from '../hub';
import type { HubPart } from '../parts';
import type { ContainerManager } from './container-manager';
import { createContainerManager } from './service';

/**
 * The users' containers, after the catalogue (whose labels they read) and before the proxy.
 * Its start reconciles with the engine, adopting running containers and their routes, before
 * the port opens.
 */
export function containersPart(
  hub: Core & Pick<Hub, 'catalog' | 'routes'>,
): HubPart & { containers: ContainerManager } {
  const manager = createContainerManager(hub);
  new Gauge({
    name: 'hub_containers',
    help: 'User containers the hub manages, by status (starting, running, dead; warm: made ahead of a predicted start, not yet claimed).',
    labelNames: ['status'],
    registers: [hub.registry],
    collect() {
      this.reset();
      for (const c of manager.listAll()) this.inc({ status: c.status });
      for (const _ of manager.warmContainers()) this.inc({ status: 'warm' });
    },
  });
  return {
    name: 'spawner',
    containers: manager,
    start: () => manager.boot(),
    stop: () => manager.shutdown(),
  };
}
