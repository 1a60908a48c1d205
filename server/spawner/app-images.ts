import type { Configurable } from '../catalog/configurables';

/** What an image offers a user, as far as starting it is concerned. */
export interface ImageOffer {
  ui_name: string;
  configurables: readonly Configurable[];
}

/** What the spawner asks the catalogue about an image. */
export interface AppImages {
  /**
   * The image's display name and declared configurables, or null when the image is not on the
   * engine. Asks the engine when the cached answer says "unavailable" (it may have just arrived).
   */
  configurablesOf(image: string): Promise<ImageOffer | null>;
  /** Display name from the cache, for containers adopted at boot; never fails. */
  uiNameOf(image: string): string;
}

type Entry = { available: boolean; configurables: Configurable[]; ui_name: string };

/** The subset of the catalogue's `Catalog` (server/catalog/catalog.ts) this adapter uses. */
export interface CatalogLike {
  get(imageRef: string): Entry | null;
  describe(imageRef: string): Entry;
  lookup(imageRef: string): Promise<Entry | null>;
}

/** Adapts the catalogue: the cache first, the engine when the cache has not seen the image. */
export function catalogImages(catalog: CatalogLike): AppImages {
  return {
    async configurablesOf(image) {
      const cached = catalog.get(image);
      const entry = cached?.available ? cached : await catalog.lookup(image);
      return entry?.available ? entry : null;
    },
    uiNameOf(image) {
      return catalog.describe(image).ui_name;
    },
  };
}
