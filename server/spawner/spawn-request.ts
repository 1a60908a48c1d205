import { ServiceUnavailable } from '../errors';
import { containerEnv } from './container-env';
import type { GrantInfo } from './grant-source';
import { resolveLimits } from './limits';
import type { ManagerContext } from './manager-context';
import type { SpawnRequest } from './spawner';
import { resolveMounts } from './volumes';

/** A resolved request and the display name of its image. */
export interface ResolvedStart {
  req: SpawnRequest;
  uiName: string;
}

/**
 * The one place a grant and a caller's configurables become a SpawnRequest (env, mounts, limits
 * from the policy), for cold starts and warm ones alike, so a warm container is exactly what a
 * cold start would have made. Throws 400/403 for bad configurables, 503 for a missing image.
 */
export async function resolveStart(
  ctx: ManagerContext,
  grant: GrantInfo,
  urlId: string,
  configurables: unknown,
): Promise<ResolvedStart> {
  const { deps, settings } = ctx;
  const image = await deps.images.configurablesOf(grant.image);
  if (!image) {
    throw new ServiceUnavailable(
      `the image ${grant.image} is not available on this hub; an admin must load it`,
      'image_unavailable',
    );
  }
  const req: SpawnRequest = {
    urlId,
    user: grant.user,
    mappingId: grant.mappingId,
    image: grant.image,
    env: containerEnv(grant, urlId, image, configurables),
    mounts: resolveMounts(
      {
        dataDir: deps.config.data_dir,
        allowedRoots: settings.allowed_volume_roots,
        workspaceUid: settings.workspace_uid,
      },
      grant.user,
      grant.policy,
    ),
    limits: resolveLimits(settings, grant.policy),
  };
  return { req, uiName: image.ui_name };
}

/**
 * What makes two requests start the same container: everything but the warm flag. A start may
 * claim a warm container only when its own request has the same fingerprint (same url_id, so
 * the same env; same mounts, limits and image), so a claim can never hand over anything a cold
 * start would not have made.
 */
export function requestFingerprint(req: SpawnRequest): string {
  const env = Object.keys(req.env)
    .sort()
    .map((k) => [k, req.env[k]]);
  return JSON.stringify([
    req.urlId,
    req.user,
    req.mappingId,
    req.image,
    env,
    req.mounts,
    req.limits,
  ]);
}
