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

/**
 * Whether `ip` lies in the subnet of one of this process's interfaces (loopback excluded):
 * only then does a packet to it stay on a network the hub is attached to.
 */
export function onAttachedNetwork(
  ip: string,
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): boolean {
  const target = ipv4ToInt(ip);
  if (target === null) return false;
  for (const list of Object.values(interfaces)) {
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
