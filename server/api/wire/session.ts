import { z } from './zod';

/** `POST /login` as JSON; a wrong or missing field is simply a failed login (401). */
export const LoginRequest = z
  .object({ username: z.string(), password: z.string() })
  .openapi('LoginRequest');
export type LoginRequest = z.infer<typeof LoginRequest>;

/** `POST /login` from the login form: answered with a redirect to `next` (same-origin only). */
export const LoginForm = LoginRequest.extend({
  next: z
    .string()
    .optional()
    .openapi({ description: 'A same-origin path; anything else is /hub/.' }),
}).openapi('LoginForm');
export type LoginForm = z.infer<typeof LoginForm>;

/** The caller (`GET /api/v1/me`, JSON `POST /login`). */
export const Me = z
  .object({
    name: z.string(),
    admin: z.boolean(),
    csrf_token: z.string().nullable().openapi({
      description:
        'Send as X-CSRF-Token on state-changing cookie-authenticated calls; null for bearer tokens.',
    }),
    apps_domain: z.string().nullable().optional().openapi({
      description:
        'Apps are served on <url_id>.<apps_domain>; null when they share the hub origin (GET /api/v1/me only).',
    }),
    shares_anonymous: z.boolean().optional().openapi({
      description:
        'Whether share links may name no user and open without a hub login (config shares.anonymous; GET /api/v1/me only).',
    }),
  })
  .openapi('Me');
export type Me = z.infer<typeof Me>;

/** `POST /api/v1/me/password`: ends every session of the caller, this one included. */
export const PasswordChange = z
  .object({
    current_password: z.string({ required_error: 'current_password: required' }).max(1024),
    new_password: z.string({ required_error: 'new_password: required' }).max(1024),
    revoke_tokens: z
      .boolean({ invalid_type_error: 'revoke_tokens: true or false' })
      .optional()
      .openapi({ description: 'Also revoke every API token of the caller.' }),
  })
  .strict()
  .openapi('PasswordChange');
export type PasswordChange = z.infer<typeof PasswordChange>;

/** `GET /api/v1/login-options`: what the login page offers (public: it holds no secret). */
export const LoginOptions = z
  .object({
    form: z.boolean().openapi({
      description: 'Whether the user name and password form works (local accounts or LDAP).',
    }),
    providers: z.array(
      z.object({
        kind: z.string().openapi({ example: 'oidc' }),
        display_name: z.string().openapi({ description: 'Shown as "Log in with <display_name>".' }),
        url: z.string().openapi({ description: 'Where the button goes (GET), e.g. /login/oidc.' }),
      }),
    ),
  })
  .openapi('LoginOptions');
export type LoginOptions = z.infer<typeof LoginOptions>;
