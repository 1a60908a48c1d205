import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Which hub installation created a container. Realms separate hubs by configuration, which a
 * copied config or a test with the default realm defeats; the install id is made once per data
 * folder, so two hubs never share one unless their data folder is the same. Containers carry it
 * as a label, and a hub removes only containers that carry its own (see ownership.ts).
 */
export interface InstallIdentity {
  /** 128 random bits as lower-case hex, kept in `<data_dir>/install-id`. */
  id: string;
  /**
   * Set when the id was made for a data folder that already existed (an upgrade from a version
   * without install ids): containers of the realm without an install label created before this
   * moment were made by this installation and are claimed as its own. Null for a new folder.
   */
  legacyBefore: Date | null;
}

const FILE = 'install-id';
const ID = /^[0-9a-f]{32}$/;
/** secrets.json older than the process by this much means the data folder predates it. */
const PREDATES_MS = 1000;

interface Stored {
  id: string;
  legacy_before: string | null;
}

/** Reads the install id of `dataDir`, making it on first use. */
export function loadInstallIdentity(dataDir: string): InstallIdentity {
  const file = path.join(dataDir, FILE);
  if (fs.existsSync(file)) {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Stored>;
    if (typeof stored.id !== 'string' || !ID.test(stored.id))
      throw new Error(`${file} holds no valid install id; restore it from a backup`);
    return {
      id: stored.id,
      legacyBefore: stored.legacy_before ? new Date(stored.legacy_before) : null,
    };
  }
  const stored: Stored = {
    id: randomBytes(16).toString('hex'),
    legacy_before: predatesThisProcess(dataDir) ? new Date().toISOString() : null,
  };
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(stored)}\n`, { mode: 0o644 });
  // A second process racing on the same folder keeps the first id written (link fails on EEXIST).
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return loadInstallIdentity(dataDir);
}

/**
 * Whether the data folder was in use before this process started: its secrets file, written
 * once on an installation's first start, is older than the process.
 */
function predatesThisProcess(dataDir: string): boolean {
  try {
    return (
      fs.statSync(path.join(dataDir, 'secrets.json')).mtimeMs < performance.timeOrigin - PREDATES_MS
    );
  } catch {
    return false;
  }
}
