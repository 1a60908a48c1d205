import type { Core } from '../core';
import type { Hub } from '../hub';
import { logger } from '../log';
import { Catalog } from './catalog';

/** The running catalogue. */
export function catalogOf(hub: Pick<Hub, 'catalog'>): Catalog {
  return hub.catalog;
}

/** Builds the catalogue from the hub's Docker client and `catalog.*` settings. */
export function createCatalog(hub: Pick<Core, 'docker' | 'config'>): Catalog {
  return new Catalog({
    docker: hub.docker,
    rescanSeconds: hub.config.catalog.rescan_seconds,
    iconMaxBytes: hub.config.catalog.icon_max_bytes,
    log: logger('catalog'),
  });
}

/**
 * The running catalogue, or (in the CLI and before the hub's parts start) an unstarted one:
 * its `lookup` asks the engine directly, which is all a one-off registration needs.
 */
export function catalogForLookup(
  hub: Pick<Core, 'docker' | 'config'> & Partial<Pick<Hub, 'catalog'>>,
): Catalog {
  return hub.catalog ?? createCatalog(hub);
}
