import { z } from './zod';

export const ShareMode = z.enum(['view', 'control']).openapi('ShareMode', {
  description:
    '`view`: the viewer watches, the hub drops its keyboard, mouse and clipboard input (VNC apps only). `control`: the viewer uses the app like its owner.',
});
export type ShareMode = z.infer<typeof ShareMode>;

/** POST /api/v1/containers/<url_id>/shares. */
export const ShareCreate = z
  .object({
    mode: ShareMode,
    expires_in: z
      .number()
      .int('expires_in: whole seconds')
      .positive('expires_in: seconds, above 0')
      .optional()
      .openapi({
        description: 'Seconds until the link ends; default and cap shares.max_expires_hours.',
      }),
    user: z.string().min(1, 'user: a user name').max(64).nullable().optional().openapi({
      description:
        'The one hub user who may use the link. Without it any signed-in hub user may, or anyone when the hub allows anonymous shares (config shares.anonymous).',
    }),
  })
  .strict()
  .openapi('ShareCreate');
export type ShareCreate = z.infer<typeof ShareCreate>;

export const ShareCreated = z
  .object({
    id: z.string(),
    url: z.string().openapi({ description: 'The link to give the viewer (on the hub origin).' }),
  })
  .openapi('ShareCreated');
export type ShareCreated = z.infer<typeof ShareCreated>;

export const Share = ShareCreated.extend({
  mode: ShareMode,
  user: z.string().nullable().openapi({ description: 'The named viewer; null: anyone allowed.' }),
  state: z.enum(['live', 'revoked', 'expired']),
  created_at: z.string().datetime(),
  expires_at: z.string().datetime().nullable(),
  revoked_at: z.string().datetime().nullable(),
  connected: z
    .array(
      z.object({
        user: z.string().nullable().openapi({ description: 'null: an anonymous viewer.' }),
        since: z.string().datetime(),
      }),
    )
    .openapi({ description: 'The viewer connections (WebSockets) open through this link now.' }),
}).openapi('Share');
export type Share = z.infer<typeof Share>;
