import crypto from 'node:crypto';
import type { Logger } from '../log';
import { networkJoined } from './attached-networks';
import { dockerMessage, type DockerClient } from './docker-client';
import { LABEL_PREFIX, LABELS } from './names';

/**
 * Per-app bridge networks for a hub that runs in a container (shared/DESIGN.md "Deployment and
 * spawners"). The shared hub network has inter-container traffic off so that apps cannot reach
 * each other, and that switch blocks a hub container on it as well. So each app gets a bridge
 * of its own that the hub's container joins: the hub reaches every app, and Docker's isolation
 * between bridges keeps the apps apart. A hub on the host keeps the shared network (see the
 * README, "The hub as a container", for the measurement behind that choice).
 */

/** Label on an app's container naming its own network, so a restarted hub can join it again. */
export const APP_NETWORK_LABEL = `${LABEL_PREFIX}app_network`;

/** Label marking a network as one app's (the shared hub network does not carry it). */
export const APP_NETWORK_MARK = `${LABEL_PREFIX}app_network_of`;

/** Tries to remove a network whose last endpoint the engine is still letting go of. */
const REMOVE_TRIES = 5;
const REMOVE_PAUSE_MS = 200;

/** `<container name>-<12 hex of the url_id>`: one per app, unique across restarts of one grant. */
export function appNetworkName(containerName: string, urlId: string): string {
  const hash = crypto.createHash('sha256').update(urlId).digest('hex').slice(0, 12);
  return `${containerName}-${hash}`;
}

export interface AppNetworkSettings {
  realm: string;
  installId: string;
}

/** The hub container's memberships in app networks, and the networks' whole lifecycle. */
export class AppNetworks {
  /** Networks this hub's container is connected to (read from the engine at `load`). */
  private readonly attached = new Set<string>();
  /** Networks being set up by a start in flight: never pruned as orphans. */
  private readonly pending = new Set<string>();

  constructor(
    private readonly client: DockerClient,
    private readonly selfId: string,
    private readonly settings: AppNetworkSettings,
    private readonly log: Logger,
  ) {}

  /** Reads which networks the hub's container is on now (it keeps them across its restarts). */
  load(networks: Iterable<string>): void {
    this.attached.clear();
    for (const n of networks) this.attached.add(n);
  }

  /** Creates the app's network, labelled with realm, installation and url_id. */
  async create(name: string, urlId: string): Promise<void> {
    this.pending.add(name);
    await this.client.createNetwork({
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: {
        [LABELS.realm]: this.settings.realm,
        [LABELS.install]: this.settings.installId,
        [LABELS.urlId]: urlId,
        [APP_NETWORK_MARK]: '1',
      },
    });
  }

  /** Connects the hub's container, unless it already is. */
  async join(name: string): Promise<void> {
    if (this.attached.has(name)) return;
    await this.client.connectNetwork(name, this.selfId);
    networkJoined();
    this.attached.add(name);
  }

  /** The start is over (either way): the network is an orphan again once its container goes. */
  settled(name: string): void {
    this.pending.delete(name);
  }

  /**
   * Leaves and removes the app's network after its container is gone. A failure is logged, not
   * thrown: the app is stopped either way, and `prune` removes the network on the next init.
   */
  async remove(name: string): Promise<void> {
    this.pending.delete(name);
    try {
      await this.client.disconnectNetwork(name, this.selfId);
      this.attached.delete(name);
      for (let i = 1; ; i++) {
        try {
          await this.client.removeNetwork(name);
          return;
        } catch (err) {
          // "has active endpoints": the removed container's endpoint goes a moment later.
          if (i >= REMOVE_TRIES || !/active endpoints/i.test(dockerMessage(err))) throw err;
          await new Promise((r) => setTimeout(r, REMOVE_PAUSE_MS));
        }
      }
    } catch (err) {
      this.log.warn(
        { network: name, err: dockerMessage(err) },
        'app network not removed; the next reconcile removes it',
      );
    }
  }

  /**
   * Removes this installation's app networks that no container uses any more (a hub stopped
   * between an app's removal and its network's). Networks of other installations sharing the
   * realm and engine are never touched.
   */
  async prune(inUse: ReadonlySet<string>): Promise<number> {
    const nets = await this.client.listNetworks([
      `${LABELS.realm}=${this.settings.realm}`,
      `${LABELS.install}=${this.settings.installId}`,
      `${APP_NETWORK_MARK}=1`,
    ]);
    let removed = 0;
    for (const n of nets) {
      if (inUse.has(n.Name) || this.pending.has(n.Name)) continue;
      this.log.info({ network: n.Name }, 'removing orphan app network');
      await this.remove(n.Name);
      removed++;
    }
    return removed;
  }
}
