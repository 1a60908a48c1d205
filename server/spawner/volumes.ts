import fs from 'node:fs';
import path from 'node:path';
import { BadRequest, Forbidden } from '../errors';
import { clip } from '../log';
import { workspaceDir } from './workspace-files';
import type { MountSpec } from './spawner';

/** Where a user's home workspace appears inside the container (allow_home). */
export const WORKSPACE_TARGET = '/workspace';

/** The policy fields that become mounts. */
export interface VolumePolicy {
  allow_home: boolean;
  volume_source: string | null;
  volume_target: string | null;
  volume_mode: 'ro' | 'rw' | null;
}

export interface VolumeSettings {
  dataDir: string;
  allowedRoots: string[];
  /** Owner given to a new workspace folder so a container user (uid 1000 by convention) can write. */
  workspaceUid: number;
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** `<data_dir>/workspaces/<escaped user>`, created on first use and owned by the container uid. */
export function ensureWorkspace(settings: VolumeSettings, user: string): string {
  const dir = workspaceDir(settings.dataDir, user);
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
    // Only root can give a folder away; a hub run as a normal user keeps its own uid, which
    // works when the containers run as that uid too.
    if (process.getuid?.() === 0) fs.chownSync(dir, settings.workspaceUid, settings.workspaceUid);
  }
  return dir;
}

/**
 * Checks the policy's volume: source must exist and, after resolving symlinks, lie under one of
 * `spawner.allowed_volume_roots` (also resolved); target must be an absolute container path.
 * The resolved path is what gets mounted, so a symlink swapped in later cannot widen it.
 */
export function checkPolicyVolume(settings: VolumeSettings, policy: VolumePolicy): MountSpec {
  const source = policy.volume_source ?? '';
  const target = policy.volume_target ?? '';
  const shown = clip(source, 200);
  if (!path.isAbsolute(source) || source.split(/[\\/]/).includes('..')) {
    throw new Forbidden(
      `the grant's volume source "${shown}" must be an absolute path without ".."`,
    );
  }
  if (
    !path.posix.isAbsolute(target) ||
    target.split('/').includes('..') ||
    path.posix.normalize(target) === '/'
  ) {
    throw new Forbidden(
      `the grant's volume target "${clip(target, 200)}" must be an absolute container path other than / without ".."`,
    );
  }
  if (settings.allowedRoots.length === 0) {
    throw new Forbidden(
      `the grant mounts "${shown}" but no volume may be mounted: an admin must list its root in spawner.allowed_volume_roots`,
    );
  }
  let real: string;
  try {
    real = fs.realpathSync(source);
  } catch {
    throw new BadRequest(
      `the grant's volume source "${shown}" does not exist on the Docker host; an admin must create it or fix the grant`,
    );
  }
  const roots = settings.allowedRoots.flatMap((r) => {
    try {
      return [fs.realpathSync(r)];
    } catch {
      return []; // a missing root allows nothing
    }
  });
  if (!roots.some((root) => isInside(real, root))) {
    throw new Forbidden(
      `the grant's volume source "${shown}" resolves outside spawner.allowed_volume_roots; an admin must fix the grant or the setting`,
    );
  }
  return {
    source: real,
    target: path.posix.normalize(target),
    readOnly: policy.volume_mode !== 'rw',
  };
}

/** All mounts a policy asks for, checked. */
export function resolveMounts(
  settings: VolumeSettings,
  user: string,
  policy: VolumePolicy,
): MountSpec[] {
  const mounts: MountSpec[] = [];
  if (policy.allow_home) {
    mounts.push({
      source: ensureWorkspace(settings, user),
      target: WORKSPACE_TARGET,
      readOnly: false,
    });
  }
  if (policy.volume_source || policy.volume_target) {
    const vol = checkPolicyVolume(settings, policy);
    if (mounts.some((m) => m.target === vol.target)) {
      throw new Forbidden(
        `the grant's volume target ${vol.target} clashes with the home workspace`,
      );
    }
    mounts.push(vol);
  }
  return mounts;
}
