import { HubError } from '../errors';
import { onAttachedNetwork } from '../spawner/attached-networks';

/**
 * The proxy's own check of the network rule (shared/DESIGN.md "Deployment and spawners"): it
 * sends traffic only to loopback or to an address on a network this process is attached to.
 * The spawners hand out no other target; this guards the route table against anything that
 * would put one there anyway (an overlay address seen from the host leaves the machine through
 * its default route).
 */

/** Route targets already found local; a refused one is checked again on the next request. */
const local = new Map<string, true>();
/** Bounds the memo: targets change with every app start. */
const MEMO_MAX = 10_000;

/** Whether `target` (`http://host:port`) is loopback or on a network the hub is attached to. */
export function isLocalTarget(target: string): boolean {
  if (local.has(target)) return true;
  let host: string;
  try {
    host = new URL(target).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return false;
  }
  const ok =
    host === 'localhost' || host === '::1' || /^127\./.test(host) || onAttachedNetwork(host);
  if (ok) {
    if (local.size >= MEMO_MAX) local.clear();
    local.set(target, true);
  }
  return ok;
}

/** Answer for a route whose target is not local: nothing is sent to it. */
export class TargetNotLocal extends HubError {
  constructor() {
    super(
      502,
      'target_not_local',
      'the app\u2019s address is not on a network the hub is attached to, so the hub does not send traffic to it; an admin should check how the hub is deployed (README "The hub as a container")',
    );
  }
  override get expose(): boolean {
    return true;
  }
}
