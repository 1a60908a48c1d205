import type { Core } from '../core';

export type { AccountClosedHook, SignedInHook } from '../hooks';

/** Tells the parts holding per-user state (running containers) that `name`'s account closed. */
export async function runAccountClosedHooks(hub: Pick<Core, 'hooks'>, name: string): Promise<void> {
  for (const hook of hub.hooks.accountClosed) await hook(name);
}

/** Tells the parts that prepare for a user (warm starts) that `name` signed in; never waits. */
export function runSignedInHooks(hub: Pick<Core, 'hooks'>, name: string): void {
  for (const hook of hub.hooks.signedIn) hook(name);
}
