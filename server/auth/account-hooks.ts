import type { Hub } from '../hub';

/**
 * Called with a user's name when their account closes (deleted or disabled), so parts holding
 * per-user state (running containers) can end it. Parts push theirs at registration.
 */
export type AccountClosedHook = (name: string) => Promise<void>;

export function accountClosedHooks(hub: Pick<Hub, 'services'>): AccountClosedHook[] {
  return (hub.services.accountClosedHooks ??= []) as AccountClosedHook[];
}

export async function runAccountClosedHooks(
  hub: Pick<Hub, 'services'>,
  name: string,
): Promise<void> {
  for (const hook of accountClosedHooks(hub)) await hook(name);
}
