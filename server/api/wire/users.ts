import { z } from './zod';

export const UserCreate = z
  .object({
    name: z.string({ required_error: 'name: required' }).max(64, 'name: at most 32 characters'),
    password: z
      .string()
      .max(1024)
      .optional()
      .openapi({ description: 'Without one, a password is generated and answered once.' }),
    admin: z.boolean().optional(),
  })
  .strict()
  .openapi('UserCreate');
export type UserCreate = z.infer<typeof UserCreate>;

/** At least one field; a new password or `disabled: true` ends the user's sessions. */
export const UserPatch = z
  .object({
    admin: z.boolean().optional(),
    disabled: z.boolean().optional(),
    password: z.string().max(1024).optional(),
  })
  .strict()
  .openapi('UserPatch');
export type UserPatch = z.infer<typeof UserPatch>;

/** A user as admins see it: never the password hash. */
export const User = z
  .object({
    name: z.string(),
    admin: z.boolean(),
    disabled: z.boolean(),
    created_at: z.string().datetime(),
    last_login_at: z.string().datetime().nullable(),
  })
  .openapi('User');
export type User = z.infer<typeof User>;

export const UserCreated = User.extend({
  password: z
    .string()
    .optional()
    .openapi({ description: 'The generated password, when none was sent; shown only here.' }),
}).openapi('UserCreated');
export type UserCreated = z.infer<typeof UserCreated>;
