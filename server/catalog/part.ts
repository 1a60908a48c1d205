import type { Core } from '../core';
import { logger } from '../log';
import type { HubPart } from '../parts';
import { AppUpdates } from './app-updates';
import type { Catalog } from './catalog';
import { createCatalog } from './service';

/**
 * The catalogue, first to start so the spawner finds images already scanned, and the update
 * watch that follows it. Its start never fails for want of Docker: the catalogue reports the
 * engine as down and keeps trying.
 */
export function catalogPart(
  core: Pick<Core, 'docker' | 'config' | 'db' | 'audit'>,
): HubPart & { catalog: Catalog; updates: AppUpdates } {
  const catalog = createCatalog(core);
  const updates = new AppUpdates({
    catalog,
    db: core.db,
    audit: (e) => core.audit(e),
    log: logger('updates'),
  });
  return {
    name: 'catalog',
    catalog,
    updates,
    start: async () => {
      await catalog.start();
      await updates.start();
    },
    stop: async () => {
      await updates.stop();
      await catalog.stop();
    },
  };
}
