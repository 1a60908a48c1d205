import { BadRequest } from '../errors';
import type { ResourceLimits } from './spawner';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/** Docker's memory syntax (`512m`, `2g`, `1.5g`, plain bytes) to bytes; null when malformed. */
export function parseMemory(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)b?\s*$/i.exec(text);
  if (!m) return null;
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]);
  return bytes > 0 ? bytes : null;
}

/** Docker refuses less than 6 MiB; a smaller limit is a typo, not a wish. */
const MIN_MEMORY = 6 * 1024 ** 2;

export interface LimitDefaults {
  memory_limit: string;
  cpu_limit: number;
  pids_limit: number;
}

export interface LimitOverrides {
  memory_limit: string | null;
  cpu_limit: number | null;
  pids_limit: number | null;
}

/**
 * The grant's limits: each policy field overrides the hub-wide default; null keeps it.
 * A malformed value is the admin's mistake and is named so it can be fixed.
 */
export function resolveLimits(
  defaults: LimitDefaults,
  policy: Partial<LimitOverrides>,
): ResourceLimits {
  const memText = policy.memory_limit ?? defaults.memory_limit;
  const memoryBytes = parseMemory(memText);
  if (memoryBytes === null || memoryBytes < MIN_MEMORY) {
    throw new BadRequest(
      `memory limit "${memText}" is not valid (use Docker syntax such as 512m or 2g, at least 6m); ` +
        `an admin must fix the grant's policy.memory_limit or spawner.memory_limit`,
    );
  }
  const cpus = policy.cpu_limit ?? defaults.cpu_limit;
  if (!(cpus > 0)) {
    throw new BadRequest(`cpu limit ${cpus} is not valid; an admin must fix policy.cpu_limit`);
  }
  const pids = policy.pids_limit ?? defaults.pids_limit;
  if (!Number.isInteger(pids) || pids < 1) {
    throw new BadRequest(`pids limit ${pids} is not valid; an admin must fix policy.pids_limit`);
  }
  return { memoryBytes, nanoCpus: Math.round(cpus * 1e9), pidsLimit: pids };
}
