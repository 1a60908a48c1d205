import fs from 'node:fs';
import path from 'node:path';
import { workspaceFolderName } from './names';

/**
 * A user's home workspace (the `allow_home` mount) as files on the Docker host: where it is,
 * what is in it, and its removal when an admin deletes the user and asks for it. Volumes a
 * policy names (`volume_source`) are shared and are never touched here.
 */

/** `<data_dir>/workspaces/<escaped user>`: one folder per user, whatever the grant. */
export function workspaceDir(dataDir: string, user: string): string {
  return path.resolve(dataDir, 'workspaces', workspaceFolderName(user));
}

export interface WorkspaceContents {
  path: string;
  exists: boolean;
  files: number;
  bytes: number;
  /** Up to SAMPLE_SIZE relative paths, so a person sees what would go. */
  sample: string[];
}

const SAMPLE_SIZE = 20;

/** Walks the folder without following symlinks (a link out of it is one entry, not its target). */
export function describeWorkspace(dataDir: string, user: string): WorkspaceContents {
  const root = workspaceDir(dataDir, user);
  const out: WorkspaceContents = { path: root, exists: false, files: 0, bytes: 0, sample: [] };
  if (!fs.existsSync(root)) return out;
  out.exists = true;
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        stack.push(full);
        continue;
      }
      out.files++;
      out.bytes += fs.lstatSync(full).size;
      if (out.sample.length < SAMPLE_SIZE) out.sample.push(path.relative(root, full));
    }
  }
  out.sample.sort();
  return out;
}

/** Deletes the folder; true when it is gone afterwards. */
export function deleteWorkspace(
  dataDir: string,
  user: string,
): { deleted: boolean; reason?: string } {
  try {
    fs.rmSync(workspaceDir(dataDir, user), { recursive: true, force: true });
    return { deleted: true };
  } catch (err) {
    return { deleted: false, reason: (err as Error).message };
  }
}

/** Deletes the workspace and says what went (or why it stayed), for the answer and the audit. */
export function removeWorkspace(
  dataDir: string,
  user: string,
): WorkspaceContents & { deleted: boolean; reason?: string } {
  const contents = describeWorkspace(dataDir, user);
  if (!contents.exists) return { ...contents, deleted: false, reason: 'there was no workspace' };
  return { ...contents, ...deleteWorkspace(dataDir, user) };
}
