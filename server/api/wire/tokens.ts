import { z } from './zod';

const MAX_EXPIRY_SECONDS = 366 * 24 * 3600;

export const TokenCreate = z
  .object({
    note: z.string().max(200, 'note: at most 200 characters').optional(),
    expires_in: z
      .number()
      .int('expires_in: whole seconds')
      .positive('expires_in: seconds, more than 0')
      .max(MAX_EXPIRY_SECONDS, `expires_in: at most ${MAX_EXPIRY_SECONDS} seconds (a year)`)
      .optional()
      .openapi({ description: 'Lifetime in seconds; without it the token lasts until revoked.' }),
  })
  .strict()
  .openapi('TokenCreate');
export type TokenCreate = z.infer<typeof TokenCreate>;

/** The only answer that ever shows the secret: the hub keeps its SHA-256. */
export const TokenCreated = z
  .object({
    token: z.string().openapi({ description: 'Send as `Authorization: Bearer <token>`.' }),
    id: z.number().int(),
  })
  .openapi('TokenCreated');
export type TokenCreated = z.infer<typeof TokenCreated>;

export const TokenInfo = z
  .object({
    id: z.number().int(),
    note: z.string().nullable(),
    created_at: z.string().datetime(),
    expires_at: z.string().datetime().nullable(),
    last_used_at: z.string().datetime().nullable(),
  })
  .openapi('TokenInfo');
export type TokenInfo = z.infer<typeof TokenInfo>;
