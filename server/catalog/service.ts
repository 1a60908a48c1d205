import { ServiceUnavailable } from '../errors';
import type { Hub } from '../hub';
import { logger } from '../log';
import { Catalog } from './catalog';

/** The catalogue registered on `hub.services.catalog` by the part; 503 if it did not start. */
export function catalogOf(hub: Hub): Catalog {
  const catalog = hub.services.catalog;
  if (!(catalog instanceof Catalog)) {
    throw new ServiceUnavailable('the application catalogue is not running', 'catalog_unavailable');
  }
  return catalog;
}

/** Builds the catalogue from the hub's Docker client and `catalog.*` settings. */
export function createCatalog(hub: Pick<Hub, 'docker' | 'config'>): Catalog {
  return new Catalog({
    docker: hub.docker,
    rescanSeconds: hub.config.catalog.rescan_seconds,
    iconMaxBytes: hub.config.catalog.icon_max_bytes,
    log: logger('catalog'),
  });
}

/**
 * The running catalogue, or (in the CLI, where no parts run) an unstarted one: its `lookup`
 * asks the engine directly, which is all a one-off registration needs.
 */
export function catalogForLookup(hub: Pick<Hub, 'docker' | 'config' | 'services'>): Catalog {
  const catalog = hub.services.catalog;
  return catalog instanceof Catalog ? catalog : createCatalog(hub);
}
