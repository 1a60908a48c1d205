import type { ContainerInfo } from './spawner';

/** What the manager currently believes about one container. */
export interface KnownContainer {
  urlId: string;
  status: 'starting' | 'running' | 'dead';
  /** Where its route points; null while starting. */
  target: string | null;
}

/** One step that brings the manager in line with the engine. */
export type ReconcileAction =
  /** Running and legitimate: (re)build its record and route. */
  | { kind: 'adopt'; container: ContainerInfo }
  /** Known but no longer running: keep the record so the proxy offers a restart. */
  | { kind: 'mark-dead'; container: ContainerInfo }
  /** Stop and remove: its user or grant is gone, or it exited and nobody tracks it. */
  | {
      kind: 'remove';
      container: ContainerInfo;
      reason: 'orphan' | 'exited' | 'unlabelled' | 'warm';
    }
  /** Tracked, but the engine no longer has it. */
  | { kind: 'forget'; urlId: string }
  /** Of this realm but not this installation's: left alone, and told to the operator. */
  | { kind: 'report'; container: ContainerInfo };

/** What the manager knows about warm-labelled containers (warm-pool.ts). */
export interface WarmKnowledge {
  /** Held by the warm pool (hidden, unrouted): the pool settles them. */
  pooled: ReadonlySet<string>;
  /** Handed to their user by a start (the audit log says so): ordinary containers since. */
  claimed: ReadonlySet<string>;
}

/**
 * Compares the engine's containers of this realm with the grants that exist and the records the
 * manager holds, and says what to do (JupyterHub's init_spawners + check_routes, as a pure
 * function so each rule is tested on its own):
 * - made by another installation, or unlabelled by an older hub this one cannot claim → report,
 *   never adopt or remove (a hub only removes what it created);
 * - warm-labelled and untracked: the pool's → left alone; claimed → as any other; else (a
 *   restarted hub's leftover nobody claimed) → remove, so an unclaimed one is never routed;
 * - no url_id label, or its grant is gone, or the grant now belongs to someone else → remove;
 * - running → adopt (a no-op for a record that is already running with that target);
 * - not running and tracked → mark dead; not running and untracked → remove;
 * - a record whose container is gone → forget.
 * Containers of spawns in flight are left alone: their spawn owns them.
 */
export function planReconcile(
  containers: ContainerInfo[],
  grantOwner: (mappingId: string) => string | undefined,
  known: Map<string, KnownContainer>,
  warm: WarmKnowledge = { pooled: new Set(), claimed: new Set() },
): ReconcileAction[] {
  const actions: ReconcileAction[] = [];
  const seen = new Set<string>();
  for (const c of containers) {
    if (c.owner !== 'self') {
      actions.push({ kind: 'report', container: c });
      continue;
    }
    if (!c.urlId) {
      actions.push({ kind: 'remove', container: c, reason: 'unlabelled' });
      continue;
    }
    seen.add(c.urlId);
    const rec = known.get(c.urlId);
    if (rec?.status === 'starting') continue;
    if (c.warm && !rec) {
      if (warm.pooled.has(c.urlId)) continue;
      if (!warm.claimed.has(c.urlId)) {
        actions.push({ kind: 'remove', container: c, reason: 'warm' });
        continue;
      }
    }
    const owner = grantOwner(c.mappingId);
    if (owner === undefined || owner !== c.user) {
      actions.push({ kind: 'remove', container: c, reason: 'orphan' });
    } else if (c.state === 'running' && c.target) {
      if (rec?.status !== 'running' || rec.target !== c.target) {
        actions.push({ kind: 'adopt', container: c });
      }
    } else if (rec) {
      if (rec.status !== 'dead') actions.push({ kind: 'mark-dead', container: c });
    } else {
      actions.push({ kind: 'remove', container: c, reason: 'exited' });
    }
  }
  for (const [urlId, rec] of known) {
    if (!seen.has(urlId) && rec.status !== 'starting') actions.push({ kind: 'forget', urlId });
  }
  return actions;
}
