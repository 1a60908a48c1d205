import { Gauge } from 'prom-client';
import { accountClosedHooks } from '../auth/account-hooks';
import { grantsRemovedHooks } from '../catalog/grants';
import { PARTS } from '../parts';
import { createContainerManager } from './service';

/**
 * The spawner part: after the catalogue, before the proxy (register-parts.ts). Its start
 * reconciles with the engine, adopting running containers and their routes, before the port
 * opens. Import this module only from register-parts.ts: importing it registers the part.
 */
PARTS.push((hub) => {
  const manager = createContainerManager(hub);
  hub.services.containers = manager;
  accountClosedHooks(hub).push((name) => manager.stopForUser(name, null));
  grantsRemovedHooks(hub).push(async (ids) => {
    for (const id of ids) await manager.stopForGrant(id, null);
  });
  new Gauge({
    name: 'hub_containers',
    help: 'User containers the hub manages, by status (starting, running, dead).',
    labelNames: ['status'],
    registers: [hub.registry],
    collect() {
      this.reset();
      for (const c of manager.listAll()) this.inc({ status: c.status });
    },
  });
  return {
    name: 'spawner',
    start: () => manager.boot(),
    stop: () => manager.shutdown(),
  };
});
