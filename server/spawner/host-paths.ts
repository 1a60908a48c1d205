import fs from 'node:fs';
import path from 'node:path';
import type { ContainerDetails } from './docker-client';
import type { MountSpec } from './spawner';

/**
 * Bind sources as the Docker engine sees them. The engine resolves a bind source on its host,
 * so a path the hub sees inside its own container (`/data/workspaces/alice` on a named volume at
 * `/data`) must become the host path behind that mount before an app's container is created;
 * otherwise the engine makes an empty host folder of that name. A hub on the host sees host
 * paths already: there the map is the identity.
 */

/** One of the hub container's mounts that an app can share: its host side is a path. */
export interface HostMount {
  /** Where the hub's container sees it. */
  destination: string;
  /** Where the engine's host has it (a named volume's mountpoint for `Type: volume`). */
  source: string;
  readOnly: boolean;
}

/** A path the hub holds in its container's own layer: no app container can mount it. */
export class PathNotShared extends Error {
  constructor(readonly hubPath: string) {
    super(`${hubPath} is on the hub container's own filesystem, not on a volume or bind mount`);
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = path.posix.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.posix.isAbsolute(rel));
}

/** The symlink-free absolute form of `p` in the hub's view (as given when it does not exist). */
function realOrResolved(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    return abs;
  }
}

/** Hub paths → engine host paths; `null` mounts mean the hub runs on the host. */
export class HostPaths {
  private constructor(private readonly mounts: HostMount[] | null) {}

  /** A hub on the host (or in a container the engine does not know): paths stay as they are. */
  static identity(): HostPaths {
    return new HostPaths(null);
  }

  /**
   * From the engine's inspect of the hub's own container. Only binds and volumes with a host
   * path count: a tmpfs, or a volume whose driver keeps its data elsewhere, has no host side an
   * app could be given.
   */
  static fromContainer(self: ContainerDetails): HostPaths {
    const mounts: HostMount[] = [];
    for (const m of self.Mounts ?? []) {
      if ((m.Type !== 'bind' && m.Type !== 'volume') || !m.Source || !m.Destination) continue;
      mounts.push({
        destination: path.posix.normalize(m.Destination),
        source: m.Source,
        readOnly: m.RW === false,
      });
    }
    // Longest first: a mount inside another one (a bind at /data/share over a volume at /data) wins.
    mounts.sort((a, b) => b.destination.length - a.destination.length);
    return new HostPaths(mounts);
  }

  /** Whether the hub runs in a container whose mounts are known. */
  get inContainer(): boolean {
    return this.mounts !== null;
  }

  /** The mount `hubPath` lies on, or null when it is on the container's own layer. */
  private mountOf(hubPath: string): HostMount | null {
    return this.mounts?.find((m) => isInside(hubPath, m.destination)) ?? null;
  }

  /**
   * Whether an app could ever be given something under `hubPath`: it is on a mount, or a mount
   * lies inside it (an allowed root `/srv` with only `/srv/share` mounted).
   */
  reaches(hubPath: string): boolean {
    if (!this.mounts) return true;
    const p = realOrResolved(hubPath);
    return !!this.mountOf(p) || this.mounts.some((m) => isInside(m.destination, p));
  }

  /**
   * The host path of `hubPath`. Throws PathNotShared for a path on the container's own layer,
   * which the engine would replace with an empty host folder of the same name.
   */
  toHost(hubPath: string): { source: string; readOnly: boolean } {
    if (!this.mounts) return { source: hubPath, readOnly: false };
    const p = realOrResolved(hubPath);
    const mount = this.mountOf(p);
    if (!mount) throw new PathNotShared(hubPath);
    const rel = path.posix.relative(mount.destination, p);
    return {
      source: rel ? path.posix.join(mount.source, rel) : mount.source,
      readOnly: mount.readOnly,
    };
  }

  /**
   * An app's mounts with host sources. A mount the hub has read-only stays read-only for the
   * app: the admin gave the hub no more than that.
   */
  translate(mounts: MountSpec[]): MountSpec[] {
    if (!this.mounts) return mounts;
    return mounts.map((m) => {
      const host = this.toHost(m.source);
      return { ...m, source: host.source, readOnly: m.readOnly || host.readOnly };
    });
  }
}
