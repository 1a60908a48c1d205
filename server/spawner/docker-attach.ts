import crypto from 'node:crypto';
import type { Logger } from '../log';
import { dockerMessage, type DockerClient } from './docker-client';
import { LABEL_PREFIX, LABELS } from './names';
import { formatCidr, NetworkPoolExhausted, SubnetPool, type PoolSetting } from './subnet-pool';
import { linkRoutes, type LinkRoute, networkJoined } from './attached-networks';

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

/**
 * Creates tried with the next subnet after the engine refused one as overlapping (a network made
 * since the last listing, by another installation or by hand): a few, then the refusal stands.
 */
const OVERLAP_TRIES = 4;

/** `<container name>-<12 hex of the url_id>`: one per app, unique across restarts of one grant. */
export function appNetworkName(containerName: string, urlId: string): string {
  const hash = crypto.createHash('sha256').update(urlId).digest('hex').slice(0, 12);
  return `${containerName}-${hash}`;
}

export interface AppNetworkSettings {
  realm: string;
  installId: string;
  /** `spawner.app_network_pool`: subnets come from there; null lets the engine pick them. */
  pool?: PoolSetting | null;
  /** The link routes of the hub's network namespace (a test gives its own). */
  routes?: () => LinkRoute[] | null;
}

/** The hub container's memberships in app networks, and the networks' whole lifecycle. */
export class AppNetworks {
  /** Networks this hub's container is connected to (read from the engine at `load`). */
  private readonly attached = new Set<string>();
  /** Networks being set up by a start in flight: never pruned as orphans. */
  private readonly pending = new Set<string>();
  /** Subnets of the configured pool; null when the engine picks them. */
  private readonly subnets: SubnetPool | null;

  constructor(
    private readonly client: DockerClient,
    private readonly selfId: string,
    private readonly settings: AppNetworkSettings,
    private readonly log: Logger,
  ) {
    this.subnets = settings.pool
      ? new SubnetPool(settings.pool, settings.routes ?? (() => linkRoutes()))
      : null;
  }

  /** Reads which networks the hub's container is on now (it keeps them across its restarts). */
  load(networks: Iterable<string>): void {
    this.attached.clear();
    for (const n of networks) this.attached.add(n);
  }

  /**
   * Creates the app's network, labelled with realm, installation and url_id, on a free subnet of
   * the pool when there is one.
   */
  async create(name: string, urlId: string): Promise<void> {
    this.pending.add(name);
    const opts = {
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: {
        [LABELS.realm]: this.settings.realm,
        [LABELS.install]: this.settings.installId,
        [LABELS.urlId]: urlId,
        [APP_NETWORK_MARK]: '1',
      },
    };
    const subnets = this.subnets;
    if (!subnets) return this.client.createNetwork(opts);
    for (let attempt = 1; ; attempt++) {
      const subnet = await this.reserve(subnets, name);
      try {
        await this.client.createNetwork({
          ...opts,
          IPAM: { Driver: 'default', Config: [{ Subnet: formatCidr(subnet) }] },
        });
        return;
      } catch (err) {
        if (attempt >= OVERLAP_TRIES || !/overlaps/i.test(dockerMessage(err))) {
          subnets.release(name);
          throw err;
        }
        this.log.info(
          { network: name, subnet: formatCidr(subnet) },
          'the engine has another network on this subnet; trying the next',
        );
        subnets.refuse(name);
        await this.listSubnets(subnets);
      }
    }
  }

  /** A free subnet for `name`; with none left, the engine is listed again once before giving up. */
  private async reserve(subnets: SubnetPool, name: string) {
    const subnet = subnets.reserve(name);
    if (subnet) return subnet;
    await this.listSubnets(subnets);
    const again = subnets.reserve(name);
    if (again) return again;
    this.log.error({ network: name }, 'the app network pool is exhausted');
    throw new NetworkPoolExhausted(subnets.setting);
  }

  /** Reads the subnets of every network on the engine (any realm, any installation, any driver). */
  private async listSubnets(subnets: SubnetPool, forgetRefused = false): Promise<void> {
    subnets.loadNetworks(await this.client.listNetworks([]), forgetRefused);
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
          this.subnets?.release(name);
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
    if (this.subnets) await this.listSubnets(this.subnets, true);
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
