import type { Core } from '../core';
import type { HubPart } from '../parts';
import type { Catalog } from './catalog';
import { createCatalog } from './service';

/**
 * The catalogue, first to start so the spawner finds images already scanned. Its start never
 * fails for want of Docker: the catalogue reports the engine as down and keeps trying.
 */
export function catalogPart(core: Pick<Core, 'docker' | 'config'>): HubPart & { catalog: Catalog } {
  const catalog = createCatalog(core);
  return {
    name: 'catalog',
    catalog,
    start: () => catalog.start(),
    stop: () => catalog.stop(),
  };
}
