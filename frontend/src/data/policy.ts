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
  label: string;
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
  label: '',
};

const MEMORY = /^\d+(\.\d+)?\s*[bkmg]?$/i;

const MEMORY_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
/** Docker refuses less memory than this (the server says the same). */
const MEMORY_MIN = 6 * 1024 ** 2;

function memoryBytes(m: string): number {
  const unit = m.slice(-1).toLowerCase();
  const factor = MEMORY_UNITS[unit];
  return factor ? Number(m.slice(0, -1)) * factor : Number(m);
}

/** The first problem of a policy form: the field (its API name) and what to change. */
export interface PolicyFormError {
  field: keyof PolicyForm;
  error: string;
}

/**
 * Turns the form into the API's policy, or says which field to fix. Empty limits become null
 * (the hub's defaults apply); the server checks everything again, this only catches typos early.
 */
export function policyFromForm(form: PolicyForm): { policy: Policy } | PolicyFormError {
  const fail = (field: keyof PolicyForm, error: string): PolicyFormError => ({ field, error });
  const source = form.volume_source.trim();
  const target = form.volume_target.trim();
  if (source && !target) return fail('volume_target', 'Say where the extra volume is mounted (e.g. /data).');
  if (target && !source)
    return fail('volume_source', 'Give the host folder of the extra volume, or clear "Mounted at".');
  if (source && !source.startsWith('/'))
    return fail('volume_source', 'The volume’s host folder must be an absolute path, starting with /.');
  if (target && !target.startsWith('/'))
    return fail('volume_target', 'The mount point must be an absolute path, starting with /.');
  if (source.split('/').includes('..') || target.split('/').includes('..'))
    return fail(source.split('/').includes('..') ? 'volume_source' : 'volume_target', 'Write the path without "..".');
  if (target && target.replace(/\/+$/, '') === '') return fail('volume_target', 'Pick a folder other than /.');
  if (form.allow_home && target.replace(/\/+$/, '') === '/workspace')
    return fail('volume_target', 'The home folder is mounted at /workspace: pick another folder.');
  const memory = form.memory_limit.trim();
  if (memory && !MEMORY.test(memory)) return fail('memory_limit', 'Write the memory limit like 512m or 2g.');
  if (memory && memoryBytes(memory.replace(/\s+/g, '')) < MEMORY_MIN)
    return fail('memory_limit', 'Give at least 6m: Docker cannot run a container with less.');
  const cpu = form.cpu_limit.trim();
  const cpuValue = cpu ? Number(cpu) : null;
  if (cpuValue !== null && !(cpuValue > 0))
    return fail('cpu_limit', 'The CPU limit must be a positive number, like 1 or 0.5.');
  const pids = form.pids_limit.trim();
  const pidsValue = pids ? Number(pids) : null;
  if (pidsValue !== null && !(Number.isInteger(pidsValue) && pidsValue > 0))
    return fail('pids_limit', 'The process limit must be a whole number above 0.');
  const label = form.label.trim();
  if (label.length > 80) return fail('label', 'Keep the label to 80 characters or fewer.');
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
      label: label || null,
    },
  };
}

/** What sets a grant apart, in a few words each: for admins (full) and users (no secrets). */
export function describePolicy(
  p: Omit<Policy, 'app_license'> & { app_license: string | boolean | null },
  forUser = false,
): string[] {
  const parts: string[] = [];
  if (forUser) {
    if (p.allow_home) parts.push('your workspace');
  } else parts.push(p.allow_home ? 'home folder' : 'no home folder');
  if (p.volume_source || p.volume_target)
    parts.push(
      `${p.volume_target ?? '?'} ${p.volume_mode === 'rw' ? 'read-write' : 'read-only'}` +
        (p.volume_source && !forUser ? ` (from ${p.volume_source})` : ''),
    );
  if (p.allow_startup_data) parts.push('startup file');
  if (p.allow_view) parts.push(forUser ? 'can be shared' : 'sharing');
  if (p.app_license) parts.push('licence');
  if (p.memory_limit) parts.push(`${p.memory_limit} memory`);
  if (p.cpu_limit) parts.push(`${p.cpu_limit} CPU`);
  if (p.pids_limit) parts.push(`${p.pids_limit} processes`);
  return parts;
}
