import type { Policy } from './types';

/** The grant form's fields, as typed (strings) before they become a Policy. */
export interface PolicyForm {
  allow_home: boolean;
  allow_startup_data: boolean;
  /** The user may share a running container of the grant (Shares). */
  allow_view: boolean;
  volume_source: string;
  volume_target: string;
  read_only: boolean;
  app_license: string;
  memory_limit: string;
  cpu_limit: string;
  pids_limit: string;
}

/** A new grant's defaults: the user's workspace, nothing else, hub-wide resource limits. */
export const EMPTY_POLICY_FORM: PolicyForm = {
  allow_home: true,
  allow_startup_data: false,
  allow_view: false,
  volume_source: '',
  volume_target: '',
  read_only: true,
  app_license: '',
  memory_limit: '',
  cpu_limit: '',
  pids_limit: '',
};

const MEMORY = /^\d+(\.\d+)?\s*[bkmg]?$/i;

/**
 * Turns the form into the API's policy, or says which field to fix. Empty limits become null
 * (the hub's defaults apply); the server checks everything again, this only catches typos early.
 */
export function policyFromForm(form: PolicyForm): { policy: Policy } | { error: string } {
  const source = form.volume_source.trim();
  const target = form.volume_target.trim();
  if (source && !target) return { error: 'Say where the extra volume is mounted (e.g. /data).' };
  if (target && !source) return { error: 'Give the host folder of the extra volume, or clear "Mounted at".' };
  if (source && !source.startsWith('/')) return { error: 'The volume’s host folder must be an absolute path.' };
  if (target && !target.startsWith('/')) return { error: 'The mount point must be an absolute path.' };
  const memory = form.memory_limit.trim();
  if (memory && !MEMORY.test(memory)) return { error: 'Write the memory limit like 512m or 2g.' };
  const cpu = form.cpu_limit.trim();
  const cpuValue = cpu ? Number(cpu) : null;
  if (cpuValue !== null && !(cpuValue > 0)) return { error: 'The CPU limit must be a positive number, like 1 or 0.5.' };
  const pids = form.pids_limit.trim();
  const pidsValue = pids ? Number(pids) : null;
  if (pidsValue !== null && !(Number.isInteger(pidsValue) && pidsValue > 0))
    return { error: 'The process limit must be a whole number above 0.' };
  return {
    policy: {
      allow_home: form.allow_home,
      allow_startup_data: form.allow_startup_data,
      allow_view: form.allow_view,
      allow_common: Boolean(source),
      volume_source: source || null,
      volume_target: target || null,
      volume_mode: source ? (form.read_only ? 'ro' : 'rw') : null,
      app_license: form.app_license.trim() || null,
      memory_limit: memory ? memory.replace(/\s+/g, '').toLowerCase() : null,
      cpu_limit: cpuValue,
      pids_limit: pidsValue,
    },
  };
}
