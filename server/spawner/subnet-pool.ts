import { HubError } from '../errors';
import type { LinkRoute } from './attached-networks';

/**
 * Subnets for per-app networks taken from a pool the hub is given (`spawner.app_network_pool`)
 * instead of the engine's default address pools, which hold about 30 bridges. The engine checks
 * a given subnet only against its own networks, so the hub also keeps clear of the routes of its
 * own container; the routes of the Docker host (a LAN the pool might collide with) are out of
 * its sight, which is why there is no default pool.
 */

/** An IPv4 block: its first address (host bits zero) and prefix length. */
export interface Subnet {
  network: number;
  prefix: number;
}

/** The setting as validated: the pool and the prefix length of each app's subnet. */
export interface PoolSetting {
  pool: Subnet;
  size: number;
}

/**
 * The longest prefix an app's subnet may have: network, gateway, the hub, the app and broadcast
 * need 5 addresses, so /29 (8) is the smallest block that holds them.
 */
export const MAX_APP_PREFIX = 29;

/** The setting's name as operators write it, for messages. */
export const POOL_SETTING = 'spawner.app_network_pool';

const maskOf = (prefix: number): number => (prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0);
const lastOf = (s: Subnet): number => (s.network | ~maskOf(s.prefix)) >>> 0;

/** `a.b.c.d/n` as a Subnet, or a sentence saying what is wrong with it. */
export function parseCidr(text: string): Subnet | string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!m) return `"${text}" is not an IPv4 CIDR such as 10.213.0.0/16`;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32)
    return `"${text}" is not an IPv4 CIDR such as 10.213.0.0/16`;
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const network = (address & maskOf(prefix)) >>> 0;
  if (network !== address)
    return `"${text}" has host bits set; the block it lies in is ${formatCidr({ network, prefix })}`;
  return { network, prefix };
}

export function formatCidr(s: Subnet): string {
  const n = s.network;
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}/${s.prefix}`;
}

/** Whether two blocks share an address (one of two CIDR blocks always contains the other then). */
export function overlaps(a: Subnet, b: Subnet): boolean {
  const mask = maskOf(Math.min(a.prefix, b.prefix));
  return (a.network & mask) >>> 0 === (b.network & mask) >>> 0;
}

/** A link route as the block it covers (its mask read as a prefix). */
export function routeSubnet(r: LinkRoute): Subnet {
  let prefix = 0;
  while (prefix < 32 && r.mask & (0x80000000 >>> prefix)) prefix++;
  return { network: (r.network & maskOf(prefix)) >>> 0, prefix };
}

/** How many app subnets the setting's pool holds. */
export function poolCapacity(s: PoolSetting): number {
  return 2 ** (s.size - s.pool.prefix);
}

/**
 * The lowest subnet of `size` in `pool` that overlaps nothing in `taken`, or null. A taken block
 * is skipped over in one step, so this costs the sort of `taken`, not the pool's size.
 */
export function nextFreeSubnet(pool: Subnet, size: number, taken: Iterable<Subnet>): Subnet | null {
  const block = 2 ** (32 - size);
  const end = lastOf(pool);
  const ranges = [...taken]
    .filter((t) => overlaps(t, pool))
    .map((t) => [t.network, lastOf(t)] as const)
    .sort((a, b) => a[0] - b[0]);
  let candidate = pool.network;
  for (const [first, last] of ranges) {
    if (last < candidate) continue;
    if (first > candidate + block - 1) break;
    candidate = (Math.floor(last / block) + 1) * block;
    if (candidate > end) return null;
  }
  return candidate + block - 1 <= end ? { network: candidate, prefix: size } : null;
}

/** Blocks no bridge may use: "this" network, loopback, link-local, multicast and reserved. */
const RESERVED: { block: string; what: string }[] = [
  { block: '0.0.0.0/8', what: '"this" network' },
  { block: '127.0.0.0/8', what: 'loopback' },
  { block: '169.254.0.0/16', what: 'link-local' },
  { block: '224.0.0.0/3', what: 'multicast and reserved' },
];

/**
 * What is wrong with a pool setting, by sub-key (checked once at start by the config schema):
 * not a CIDR, a reserved block, or subnets larger than the pool.
 */
export function poolIssues(
  base: string,
  size: number,
): { key: 'base' | 'size'; message: string }[] {
  const pool = parseCidr(base);
  if (typeof pool === 'string') return [{ key: 'base', message: pool }];
  for (const r of RESERVED) {
    const block = parseCidr(r.block) as Subnet;
    if (overlaps(pool, block))
      return [
        {
          key: 'base',
          message: `${base} overlaps ${r.block} (${r.what}), which no network may use; choose a private range such as 10.213.0.0/16`,
        },
      ];
  }
  if (size < pool.prefix)
    return [
      {
        key: 'size',
        message: `/${size} subnets do not fit in the pool ${base}: use a size from ${pool.prefix} to ${MAX_APP_PREFIX}, or a larger pool`,
      },
    ];
  return [];
}

/** The validated setting as the spawner uses it; null when unset (the engine picks). */
export function poolSettingOf(
  value: { base: string; size: number } | undefined,
): PoolSetting | null {
  if (!value) return null;
  const pool = parseCidr(value.base);
  if (typeof pool === 'string') throw new Error(`${POOL_SETTING}.base: ${pool}`);
  return { pool, size: value.size };
}

/** Every subnet of the pool is taken: the operator widens the pool. */
export class NetworkPoolExhausted extends HubError {
  constructor(setting: PoolSetting) {
    super(
      503,
      'network_pool_exhausted',
      `all ${poolCapacity(setting)} app networks of ${POOL_SETTING} (${formatCidr(setting.pool)} in /${setting.size} subnets) are in use or overlap other networks; an admin must widen ${POOL_SETTING}.base, or stop apps`,
    );
  }
  override get expose(): boolean {
    return true;
  }
}

/**
 * The pool's bookkeeping: the subnets of the engine's networks (as last listed, plus what this
 * hub created or removed since), subnets the engine refused though no listed network had them,
 * and reservations of starts in flight, so two concurrent starts never pick the same subnet.
 */
export class SubnetPool {
  /** Networks on the engine by name, with their IPv4 subnets. */
  private engine = new Map<string, Subnet[]>();
  /** Refused by the engine as overlapping though no listed network had them; until the next init. */
  private refused: Subnet[] = [];
  /** This hub's app networks (created or being created) by name. */
  private readonly reserved = new Map<string, Subnet>();

  constructor(
    readonly setting: PoolSetting,
    /** The link routes of the hub's own network namespace (null where there is no table). */
    private readonly routes: () => LinkRoute[] | null,
  ) {}

  /**
   * Replaces what is known of the engine's networks with a fresh listing. Refused subnets are
   * kept unless `forgetRefused`: the engine may refuse for a network a listing does not show
   * (one being made by another installation), and the create right after must not retry it.
   */
  loadNetworks(
    networks: Iterable<{ Name: string; IPAM?: { Config?: { Subnet?: string }[] } }>,
    forgetRefused = false,
  ): void {
    this.engine = new Map();
    if (forgetRefused) this.refused = [];
    for (const n of networks) {
      const subnets = (n.IPAM?.Config ?? [])
        .map((c) => (c.Subnet ? parseCidr(c.Subnet) : ''))
        .filter((s): s is Subnet => typeof s !== 'string');
      this.engine.set(n.Name, subnets);
    }
  }

  /** A free subnet held for `name` until `release`, or null when the pool has none left. */
  reserve(name: string): Subnet | null {
    this.reserved.delete(name);
    const taken = [
      ...[...this.engine.values()].flat(),
      ...this.refused,
      ...this.reserved.values(),
      ...(this.routes() ?? []).map(routeSubnet),
    ];
    const subnet = nextFreeSubnet(this.setting.pool, this.setting.size, taken);
    if (subnet) this.reserved.set(name, subnet);
    return subnet;
  }

  /** The engine refused `name`'s subnet as overlapping: it stays taken until the next init. */
  refuse(name: string): void {
    const subnet = this.reserved.get(name);
    if (subnet) this.refused.push(subnet);
    this.release(name);
  }

  /** `name` is gone from the engine (or was never made): its subnet is free again. */
  release(name: string): void {
    this.reserved.delete(name);
    this.engine.delete(name);
  }
}
