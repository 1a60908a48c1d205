import { z } from './zod';

/** Every 4xx/5xx answer of the hub (shared/DESIGN.md): one shape from Koa and the proxy alike. */
export const ErrorBody = z
  .object({
    error: z
      .object({
        code: z.string().openapi({
          description:
            'Stable, for programs: bad_request, unauthorized, forbidden, not_found, conflict, ' +
            'payload_too_large, too_many_requests, invalid_credentials, unavailable, ' +
            'docker_unavailable, timeout, internal, ...',
        }),
        message: z.string().openapi({ description: 'For people: says what to change.' }),
        retry_after: z
          .number()
          .int()
          .optional()
          .openapi({ description: 'Seconds to wait (429), also sent as Retry-After.' }),
      })
      .passthrough(),
  })
  .openapi('Error');
export type ErrorBody = z.infer<typeof ErrorBody>;
