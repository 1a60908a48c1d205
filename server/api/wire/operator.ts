import { z } from './zod';

/** `GET /health`: 200 while the process serves; `degraded` when Docker does not answer. */
export const Health = z
  .object({
    status: z.enum(['ok', 'degraded']),
    docker: z.object({
      ok: z.boolean(),
      version: z.string().optional(),
      error: z.string().optional(),
    }),
    catalog: z
      .object({
        engine: z.enum(['unknown', 'up', 'down']),
        error: z.string().nullable(),
        scanned_at: z.string().datetime().nullable(),
        images: z.number().int(),
        events_connected: z.boolean(),
      })
      .nullable(),
    containers: z.object({ docker_available: z.boolean() }).nullable(),
  })
  .openapi('Health');
export type Health = z.infer<typeof Health>;
