import type { Core } from '../core';

export type { AccountClosedHook } from '../hooks';

/** Tells the parts holding per-user state (running containers) that `name`'s account closed. */
export async function runAccountClosedHooks(hub: Pick<Core, 'hooks'>, name: string): Promise<void> {
  for (const hook of hub.hooks.accountClosed) await hook(name);
}
