/**
 * What the core's services announce to parts built after them. The lists are filled in one
 * place, the composition root (server/compose.ts), once the parts that listen exist; the CLI
 * runs with empty lists (the hub reconciles what it missed on its next start).
 */

/** A user's account closed (deleted or disabled): end what runs for them. */
export type AccountClosedHook = (name: string) => Promise<void>;

/**
 * Grants were removed (revoked, or their application unregistered): stop what runs under
 * them. Failures are logged, not raised: the grants are gone either way.
 */
export type GrantsRemovedHook = (mappingIds: string[]) => Promise<void>;

/**
 * A user signed in (any authenticator), or came back to their session after a pause
 * (`spawner.warm_start.return_after_minutes`): parts may prepare for them (a warm start).
 * Called without waiting; a hook must return at once and never throw.
 */
export type SignedInHook = (name: string) => void;

export interface CoreHooks {
  readonly accountClosed: AccountClosedHook[];
  readonly grantsRemoved: GrantsRemovedHook[];
  readonly signedIn: SignedInHook[];
}

export function createHooks(): CoreHooks {
  return { accountClosed: [], grantsRemoved: [], signedIn: [] };
}
