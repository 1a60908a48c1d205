import { z } from './zod';

export const AuditQuery = z.object({
  actor: z.string().max(64).optional(),
  action: z
    .string()
    .max(64)
    .optional()
    .openapi({ description: 'A prefix, e.g. "user." for every user change.' }),
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
  })
  .openapi('AuditEvent');
export type AuditEvent = z.infer<typeof AuditEvent>;
