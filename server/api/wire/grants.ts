import { z } from './zod';

/** The id of a grant (user × image × policy): 32 lower-case hex digits. */
export const MappingId = z
  .string()
  .openapi({ pattern: '^[0-9a-f]{32}$', example: '0123456789abcdef0123456789abcdef' });

const path = z.string().openapi({ description: 'An absolute path without `..` segments.' });

/**
 * A policy as the admin sends it: every field optional. This is the shape; the rules between
 * fields (a volume needs source and target, paths absolute, Docker memory syntax) are judged by
 * server/catalog/policy.ts, shared with the CLI, whose messages name the field to fix.
 */
export const PolicyInput = z
  .object({
    allow_home: z
      .boolean()
      .optional()
      .openapi({ description: "Mount the user's workspace at /workspace." }),
    allow_startup_data: z.boolean().optional(),
    allow_view: z.boolean().optional().openapi({
      description: 'The owner may share a running container of this grant (see shares).',
    }),
    allow_common: z.boolean().optional().openapi({
      description:
        "SimPhoNy-Remote's flag for a common data volume; informational, the volume fields decide.",
    }),
    volume_source: path
      .nullable()
      .optional()
      .openapi({
        description:
          'A host folder under spawner.allowed_volume_roots. Here and in the other text fields, ' +
          '"" means none, as SimPhoNy-Remote writes it.',
      }),
    volume_target: path.nullable().optional(),
    volume_mode: z
      .enum(['ro', 'rw', ''])
      .nullable()
      .optional()
      .openapi({ description: 'Default ro; "" is none, as SimPhoNy-Remote writes it.' }),
    app_license: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: 'Passed to the app as APP_LICENSE.' }),
    memory_limit: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: "Docker syntax (512m, 2g); null: the hub's default." }),
    cpu_limit: z.number().nullable().optional(),
    pids_limit: z.number().int().nullable().optional(),
    label: z.string().nullable().optional().openapi({
      description: "Shown to the user on the app's card, to tell grants of one app apart.",
    }),
  })
  .strict()
  .openapi('PolicyInput');
export type PolicyInput = z.infer<typeof PolicyInput>;

/** A complete policy, as admins read it. */
export const Policy = z
  .object({
    allow_home: z.boolean(),
    allow_startup_data: z.boolean(),
    allow_view: z.boolean(),
    allow_common: z.boolean(),
    volume_source: z.string().nullable(),
    volume_target: z.string().nullable(),
    volume_mode: z.enum(['ro', 'rw']).nullable(),
    app_license: z.string().nullable(),
    memory_limit: z.string().nullable(),
    cpu_limit: z.number().nullable(),
    pids_limit: z.number().int().nullable(),
    label: z.string().nullable(),
  })
  .openapi('Policy');
export type Policy = z.infer<typeof Policy>;

/** The policy as its user reads it: the licence key stays with the admin (the app gets it). */
export const UserPolicy = Policy.extend({
  app_license: z.boolean().openapi({ description: 'Whether the app gets a licence key.' }),
}).openapi('UserPolicy');
export type UserPolicy = z.infer<typeof UserPolicy>;

export const GrantCreate = z
  .object({
    user: z.string({ required_error: 'user: required' }).min(1, 'user: required').max(64),
    image: z.string({ required_error: 'image: required' }).min(1, 'image: required').max(512),
    policy: PolicyInput.optional(),
  })
  .strict()
  .openapi('GrantCreate');
export type GrantCreate = z.infer<typeof GrantCreate>;

/** 201 for a new grant; 200 when the same user, image and policy were granted already. */
export const GrantCreated = z.object({ mapping_id: MappingId }).openapi('GrantCreated');
export type GrantCreated = z.infer<typeof GrantCreated>;

export const Grant = z
  .object({
    mapping_id: MappingId,
    user: z.string(),
    image: z.string(),
    application_id: z.number().int(),
    policy: Policy,
    created_at: z.string().datetime(),
  })
  .openapi('Grant');
export type Grant = z.infer<typeof Grant>;

/** Filters of the admin's grant list; all given ones must match. */
export const GrantListQuery = z.object({
  user: z.string().max(64).optional(),
  image: z.string().max(512).optional(),
});
export type GrantListQuery = z.infer<typeof GrantListQuery>;
