import type { CatalogEntry } from './catalog';
import type { Configurable } from './configurables';
import type { AppType } from './labels';
import type { Policy } from './policy';

/** The `image` object of GET /api/v1/applications (shared/DESIGN.md). */
export interface ImageView {
  /** The registered application's id (also in icon_url). */
  id: number;
  /** The image reference. */
  name: string;
  ui_name: string;
  description: string;
  /** Legacy images without a `type` label are served, and shown, as web apps. */
  type: AppType;
  icon_url: string;
  configurables: Configurable[];
  /** False while the image is not on the engine or the engine is down. */
  available: boolean;
}

/** The same with what only an admin needs: the raw type, declared env, warnings. */
export interface AdminImageView extends Omit<ImageView, 'type'> {
  /** The image reference again, under the name the admin API's requests use. */
  image: string;
  type: AppType | null;
  image_id: string | null;
  repo_tags: string[];
  env: string[];
  labelled: boolean;
  warnings: string[];
}

/**
 * Icons are served apart from the list (one request each, cached by the browser). The `v`
 * query carries the icon's ETag, so a changed icon gets a new URL and old ones stay cacheable.
 */
export function iconUrl(applicationId: number, entry: CatalogEntry): string {
  return `/api/v1/applications/icons/${applicationId}.png?v=${iconVersion(entry.icon_etag)}`;
}

export function iconVersion(etag: string): string {
  return etag.replace(/"/g, '').slice(0, 16);
}

export function imageView(applicationId: number, entry: CatalogEntry): ImageView {
  return {
    id: applicationId,
    name: entry.image,
    ui_name: entry.ui_name,
    description: entry.description,
    type: entry.type ?? 'webapp',
    icon_url: iconUrl(applicationId, entry),
    configurables: entry.configurables,
    available: entry.available,
  };
}

export function adminImageView(applicationId: number, entry: CatalogEntry): AdminImageView {
  return {
    ...imageView(applicationId, entry),
    image: entry.image,
    type: entry.type,
    image_id: entry.image_id,
    repo_tags: entry.repo_tags,
    env: entry.env,
    labelled: entry.labelled,
    warnings: entry.warnings,
  };
}

/** The policy as its user sees it: the licence key stays with the admin (the app gets it). */
export type UserPolicyView = Omit<Policy, 'app_license'> & { app_license: boolean };

export function userPolicyView(policy: Policy): UserPolicyView {
  return { ...policy, app_license: policy.app_license !== null };
}
