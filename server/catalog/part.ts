import { PARTS } from '../parts';
import { createCatalog } from './service';

/**
 * The catalogue part: first in PARTS, so the spawner finds images already scanned. Its start
 * never fails for want of Docker; the catalogue reports the engine as down and keeps trying.
 */
PARTS.push((hub) => {
  const catalog = createCatalog(hub);
  hub.services.catalog = catalog;
  return {
    name: 'catalog',
    start: () => catalog.start(),
    stop: () => catalog.stop(),
  };
});
