import { z } from 'zod';
import type { PolicyRow } from '../db/entities';
import { parseMemory } from '../spawner/limits';
import { WORKSPACE_TARGET } from '../spawner/volumes';

/**
 * What a grant allows, as the admin API and the CLI accept it. Only the shape is judged here;
 * whether a volume source lies under `spawner.allowed_volume_roots` and exists is checked by the
 * spawner at start, because folders can appear or vanish between granting and starting.
 *
 * SimPhoNy-Remote's fields and habits are accepted as they are: `allow_view` (the owner may
 * share a running container, see shares), `allow_common` (whether the grant has a common data
 * volume; informational, the volume fields decide), and an empty string wherever a field is
 * unset (its CSV files and forms write `volume_source: ""`), which means "none" here.
 */

/** SimPhoNy writes an unset text field as "": that is null ("none") here. */
const noneIfEmpty = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (v === '' ? null : v), schema);

const containerPath = (what: string) =>
  z
    .string()
    .min(1, `${what}: must not be empty`)
    .max(4096, `${what}: at most 4096 characters`)
    // eslint-disable-next-line no-control-regex
    .refine((p) => !/[\u0000-\u001f\u007f]/.test(p), `${what}: must not contain control characters`)
    .refine((p) => p.startsWith('/'), `${what}: must be an absolute path (start it with /)`)
    .refine((p) => !p.split('/').includes('..'), `${what}: must not contain ".." segments`);

export const policySchema = z
  .object({
    allow_home: z.boolean().default(false),
    allow_startup_data: z.boolean().default(false),
    allow_view: z.boolean().default(false),
    allow_common: z.boolean().default(false),
    volume_source: noneIfEmpty(containerPath('volume_source').nullable().default(null)),
    volume_target: noneIfEmpty(
      containerPath('volume_target')
        .refine((p) => p.replace(/\/+$/, '') !== '', 'volume_target: must not be /')
        .nullable()
        .default(null),
    ),
    volume_mode: noneIfEmpty(z.enum(['ro', 'rw']).nullable().default(null)),
    app_license: noneIfEmpty(
      z.string().max(4096, 'app_license: at most 4096 characters').nullable().default(null),
    ),
    memory_limit: noneIfEmpty(
      z
        .string()
        .refine(
          (m) => (parseMemory(m) ?? 0) >= 6 * 1024 ** 2,
          'memory_limit: use Docker syntax such as 512m or 2g, at least 6m',
        )
        .nullable()
        .default(null),
    ),
    cpu_limit: z.number().positive('cpu_limit: must be above 0').max(1024).nullable().default(null),
    pids_limit: z
      .number()
      .int()
      .min(1, 'pids_limit: at least 1')
      .max(4_194_304)
      .nullable()
      .default(null),
    // Tells two grants of one app apart in the user's launcher ("Project X data").
    label: z
      .string()
      .max(80, 'label: at most 80 characters')
      // eslint-disable-next-line no-control-regex
      .refine((l) => !/[\u0000-\u001f\u007f]/.test(l), 'label: must not contain control characters')
      .transform((l) => l.trim() || null)
      .nullable()
      .default(null),
  })
  .strict()
  .superRefine((p, ctx) => {
    if ((p.volume_source === null) !== (p.volume_target === null)) {
      ctx.addIssue({
        code: 'custom',
        path: [p.volume_source === null ? 'volume_source' : 'volume_target'],
        message: 'give volume_source and volume_target together, or neither',
      });
    }
    if (p.volume_mode !== null && p.volume_source === null && p.volume_target === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['volume_mode'],
        message: 'needs volume_source and volume_target',
      });
    }
    if (p.allow_home && p.volume_target?.replace(/\/+$/, '') === WORKSPACE_TARGET) {
      ctx.addIssue({
        code: 'custom',
        path: ['volume_target'],
        message: `${WORKSPACE_TARGET} is where allow_home mounts the user's workspace; pick another target`,
      });
    }
  })
  // A volume without a mode is read-only: the safe reading of an unstated wish.
  .transform((p) => ({
    ...p,
    volume_mode: p.volume_source !== null ? (p.volume_mode ?? 'ro') : null,
  }));

/** A complete policy: every field present, defaults applied. */
export type Policy = z.output<typeof policySchema>;
/** What a caller may send: every field optional. */
export type PolicyInput = z.input<typeof policySchema>;

export const POLICY_FIELDS = [
  'allow_home',
  'allow_startup_data',
  'allow_view',
  'allow_common',
  'volume_source',
  'volume_target',
  'volume_mode',
  'app_license',
  'memory_limit',
  'cpu_limit',
  'pids_limit',
  'label',
] as const satisfies ReadonlyArray<keyof Policy>;

/** A policy row (or a raw SQL row, where SQLite gives booleans as 0/1) as a Policy. */
export function policyFromRow(row: Omit<PolicyRow, 'id'> | Record<string, unknown>): Policy {
  const r = row as Record<string, unknown>;
  return {
    allow_home: Boolean(r.allow_home),
    allow_startup_data: Boolean(r.allow_startup_data),
    allow_view: Boolean(r.allow_view),
    allow_common: Boolean(r.allow_common),
    volume_source: (r.volume_source as string | null) ?? null,
    volume_target: (r.volume_target as string | null) ?? null,
    volume_mode: (r.volume_mode as 'ro' | 'rw' | null) ?? null,
    app_license: (r.app_license as string | null) ?? null,
    memory_limit: (r.memory_limit as string | null) ?? null,
    cpu_limit: r.cpu_limit === null || r.cpu_limit === undefined ? null : Number(r.cpu_limit),
    pids_limit: r.pids_limit === null || r.pids_limit === undefined ? null : Number(r.pids_limit),
    label: (r.label as string | null) ?? null,
  };
}

export function samePolicy(a: Policy, b: Policy): boolean {
  return POLICY_FIELDS.every((f) => a[f] === b[f]);
}
