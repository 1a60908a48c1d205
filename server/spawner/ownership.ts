import type { InstallIdentity } from './install-id';
import type { ContainerOwner } from './spawner';

/**
 * Whose container this is, from its install label and creation time:
 * - `self`: labelled with this install's id, or unlabelled and made before this install got
 *   its id (an upgrade: the earlier version of this very hub made it);
 * - `legacy`: unlabelled and not claimable (another hub of the realm, on an older version);
 * - `other`: labelled by another installation sharing realm and engine.
 * Only `self` containers are ever adopted, stopped or removed.
 */
export function ownerOf(
  install: InstallIdentity,
  label: string | undefined,
  createdAt: Date | null,
): ContainerOwner {
  if (label) return label === install.id ? 'self' : 'other';
  if (install.legacyBefore && createdAt && createdAt < install.legacyBefore) return 'self';
  return 'legacy';
}
