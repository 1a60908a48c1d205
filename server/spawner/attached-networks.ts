import fs from 'node:fs';
import os from 'node:os';

/**
 * The hub's own place on the networks (shared/DESIGN.md "Deployment and spawners"): it sends
 * traffic only to addresses on a network it is attached to. An overlay address seen from a host
 * that is not on the overlay leaves the machine through the default route, so this is checked
 * against the local interfaces before any target is handed to the proxy.
 */

/** The id of the container this process runs in, or null when it runs on a host. */
export function ownContainerId(): string | null {
  // The engine bind-mounts /etc/hostname, /etc/hosts and /etc/resolv.conf from the container's
  // own folder, whose name is the full id; this holds with cgroup v1 and v2 alike.
  try {
    const info = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    const m = /\/(?:docker\/)?containers\/([0-9a-f]{64})\/(?:hostname|hosts|resolv\.conf)/.exec(
      info,
    );
    return m ? m[1] : null;
  } catch {
    return null;
  }
}

function ipv4ToInt(ip: string): number | null {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    return null;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/** A directly connected IPv4 network: the kernel sends to it without a gateway. */
export interface LinkRoute {
  network: number;
  mask: number;
}

const RTF_GATEWAY = 0x2;
const RTF_REJECT = 0x200;

/** The route table's text, or null where there is none (not Linux). */
function readRouteFile(): string | null {
  try {
    return fs.readFileSync('/proc/net/route', 'utf8');
  } catch {
    return null;
  }
}

/** Addresses whose refusal is remembered; past this the memo starts over (many routes). */
const REFUSED_MAX = 10_000;

/**
 * The link routes as last read, and the addresses found on none of them, each kept for
 * `ttlMs`: a flood of requests to a target that is not local reads the file once, not once a
 * request. An address not refused before always reads the table again when the last read does
 * not cover it, so an app on a network that appeared since (a bridge a hub on the host just
 * created) is never refused from an old read; a network the hub's container joins is on the
 * table at once, because whoever joins it says so (`changed`).
 */
export class RouteTableReader {
  private last: { at: number; routes: LinkRoute[] | null } | null = null;
  /** Address (as a number) → when the table last showed it on no link route. */
  private readonly refused = new Map<number, number>();

  constructor(
    private readonly read: () => string | null = readRouteFile,
    private readonly ttlMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `target` is on a link route; null where there is no route table. */
  covers(target: number): boolean | null {
    const at = this.now();
    const on = (routes: LinkRoute[]) => routes.some((r) => (target & r.mask) >>> 0 === r.network);
    const fresh = this.last !== null && at - this.last.at <= this.ttlMs;
    if (fresh && this.last?.routes && on(this.last.routes)) return true;
    const refusedAt = this.refused.get(target);
    if (refusedAt !== undefined && at - refusedAt <= this.ttlMs) return false;
    const text = this.read();
    this.last = { at, routes: text === null ? null : linkRoutes(text) };
    if (!this.last.routes) return null;
    const yes = on(this.last.routes);
    if (yes) this.refused.delete(target);
    else {
      if (this.refused.size >= REFUSED_MAX) this.refused.clear();
      this.refused.set(target, at);
    }
    return yes;
  }

  /** The hub's container joined or left a network: the next question reads the table again. */
  changed(): void {
    this.last = null;
    this.refused.clear();
  }
}

const routeTable = new RouteTableReader();

/**
 * Tells the check that this process has just joined a network (an app's own network or
 * overlay), so an address on it reads as attached at once rather than after the cache expires.
 */
export function networkJoined(): void {
  routeTable.changed();
}

/**
 * The link routes of this network namespace from `/proc/net/route` (its text in `table`), or
 * null where there is none (not Linux). Addresses there are hex in the machine's byte order.
 */
export function linkRoutes(table?: string): LinkRoute[] | null {
  const text = table ?? readRouteFile();
  if (text === null) return null;
  const little = os.endianness() === 'LE';
  const toInt = (hex: string) => {
    const n = parseInt(hex, 16) >>> 0;
    return little
      ? (((n & 0xff) << 24) |
          (((n >>> 8) & 0xff) << 16) |
          (((n >>> 16) & 0xff) << 8) |
          (n >>> 24)) >>>
          0
      : n;
  };
  const routes: LinkRoute[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const flags = parseInt(f[3], 16);
    const mask = toInt(f[7]);
    if (toInt(f[2]) !== 0 || flags & RTF_GATEWAY || flags & RTF_REJECT || mask === 0) continue;
    routes.push({ network: (toInt(f[1]) & mask) >>> 0, mask });
  }
  return routes;
}

/**
 * Whether `ip` lies on a network this process is attached to, so that a packet to it stays
 * there: on a link route of its network namespace (no gateway; the default route never counts).
 * A route counts while its link is down (a bridge whose only container stopped loses carrier,
 * and its app should read as stopped, not as unreachable by design). Where there is no route
 * table to read, or when `interfaces` is given, the subnets of the interfaces that are up decide
 * (loopback excluded).
 */
export function onAttachedNetwork(
  ip: string,
  interfaces?: NodeJS.Dict<os.NetworkInterfaceInfo[]>,
  table: RouteTableReader = routeTable,
): boolean {
  const target = ipv4ToInt(ip);
  if (target === null) return false;
  if (!interfaces) {
    const covered = table.covers(target);
    if (covered !== null) return covered;
  }
  for (const list of Object.values(interfaces ?? os.networkInterfaces())) {
    for (const nic of list ?? []) {
      if (nic.family !== 'IPv4' || nic.internal || !nic.cidr) continue;
      const bits = Number(nic.cidr.split('/')[1]);
      const own = ipv4ToInt(nic.address);
      if (own === null || !Number.isInteger(bits) || bits <= 0) continue;
      const mask = bits >= 32 ? 0xffffffff : (~0 << (32 - bits)) >>> 0;
      if ((own & mask) === (target & mask)) return true;
    }
  }
  return false;
}
