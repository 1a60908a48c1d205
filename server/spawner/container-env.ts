import type { Configurable } from '../catalog/configurables';
import { validateConfigurables } from '../catalog/configurables';
import { Forbidden } from '../errors';
import type { GrantInfo } from './grant-source';
import { unixUserName } from './names';

/**
 * The container environment of shared/DESIGN.md. Configurables are judged against what the
 * image declares (400 naming the bad one); startup data only when the grant's policy allows it
 * (403), checked here on the server whatever the portal shows. Nothing of the hub's own
 * environment or secrets is ever copied in.
 */
export function containerEnv(
  grant: Pick<GrantInfo, 'user' | 'fullName' | 'policy'>,
  urlId: string,
  image: { configurables: readonly Configurable[] },
  configurables: unknown,
): Record<string, string> {
  const input = configurables as Record<string, unknown> | null | undefined;
  if (
    input &&
    typeof input === 'object' &&
    input.startupdata != null &&
    !grant.policy.allow_startup_data
  ) {
    throw new Forbidden(
      'this grant does not allow startup data: leave out configurables.startupdata or ask an admin',
    );
  }
  const chosen = validateConfigurables(image, configurables);
  return {
    ...chosen,
    ...(grant.policy.app_license ? { APP_LICENSE: grant.policy.app_license } : {}),
    // The provider's full name (an e-mail) for the app; paths and USER use the safe hub name.
    JPY_USER: grant.fullName || grant.user,
    JPY_BASE_USER_URL: `/user/${grant.user}`,
    USER: unixUserName(grant.user),
    URL_ID: urlId,
  };
}
