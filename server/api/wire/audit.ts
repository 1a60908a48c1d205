import { z } from './zod';

export const AuditQuery = z.object({
  actor: z.string().max(64).optional(),
  action: z
    .string()
    .max(64)
    .optional()
    .openapi({ description: 'A prefix, e.g. "user." for every user change.' }),
  target: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: 'Part of the target (a user name, an image, a url_id).' }),
  since: z
    .string()
    .datetime({ offset: true, message: 'since: a time like 2026-12-06T00:00:00Z' })
    .transform((t) => new Date(t))
    .optional()
    .openapi({ description: 'Only events at or after this time (ISO 8601).' }),
  until: z
    .string()
    .datetime({ offset: true, message: 'until: a time like 2026-12-07T00:00:00Z' })
    .transform((t) => new Date(t))
    .optional()
    .openapi({ description: 'Only events before this time (ISO 8601).' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ description: 'Only events with a smaller id (the next page).' }),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditEvent = z
  .object({
    id: z.number().int(),
    at: z.string().datetime(),
    actor: z.string().nullable().openapi({ description: 'null: the operator, through the CLI.' }),
    action: z.string(),
    target: z.string().nullable(),
    address: z.string().nullable(),
    details: z.unknown().openapi({ description: 'Depends on the action; null when none.' }),
    app: z.string().nullable().openapi({
      description:
        'The name of the app a container or grant event is about, when the hub knows it.',
    }),
  })
  .openapi('AuditEvent');
export type AuditEvent = z.infer<typeof AuditEvent>;
