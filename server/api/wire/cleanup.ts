import { z } from './zod';

/** `true`/`1` or `false`/`0` in a query string; anything else is refused with the field named. */
const flag = (name: string) =>
  z
    .enum(['true', 'false', '1', '0'], {
      errorMap: () => ({ message: `${name}: true or false` }),
    })
    .optional()
    .transform((v) => v === 'true' || v === '1');

export const UnregisterQuery = z.object({
  remove_image: flag('remove_image').openapi({
    description: 'Also remove the image; refused (409, nothing changed) while a container uses it.',
  }),
});
export type UnregisterQuery = z.infer<typeof UnregisterQuery>;

/** The answer of an unregistration that was asked to remove the image. */
export const ApplicationUnregistered = z
  .object({
    image: z.string(),
    image_removal: z.object({
      id: z.string().nullable().openapi({ description: 'null: the engine did not have it.' }),
      removed: z.boolean(),
      reason: z.string().optional().openapi({ description: 'Why the engine kept it.' }),
    }),
  })
  .openapi('ApplicationUnregistered');
export type ApplicationUnregistered = z.infer<typeof ApplicationUnregistered>;

/** An image "remove unused images" would remove. */
export const UnusedImage = z
  .object({
    id: z.string(),
    repo_tags: z.array(z.string()),
    reason: z.enum(['dangling', 'unregistered']).openapi({
      description:
        'dangling: an old build whose tag moved on; unregistered: tagged, but no registered ' +
        'application names it.',
    }),
    ui_name: z.string().nullable(),
    size_bytes: z.number().int(),
    created_at: z.string().datetime(),
  })
  .openapi('UnusedImage');
export type UnusedImage = z.infer<typeof UnusedImage>;

export const RemoveUnusedImages = z
  .object({
    confirm: z.literal(true, {
      errorMap: () => ({
        message: 'confirm: must be true; list what would go with GET first (the dry run)',
      }),
    }),
    image_ids: z.array(z.string().max(80)).max(10_000).optional().openapi({
      description:
        'Only these, each still in the dry-run list; without it, the whole current list.',
    }),
  })
  .strict()
  .openapi('RemoveUnusedImages');
export type RemoveUnusedImages = z.infer<typeof RemoveUnusedImages>;

const Removal = z
  .object({
    id: z.string(),
    repo_tags: z.array(z.string()),
    removed: z.boolean(),
    reason: z.string().optional(),
  })
  .openapi('ImageRemoval');

export const UnusedImagesRemoved = z
  .object({ removed: z.array(Removal), skipped: z.array(Removal) })
  .openapi('UnusedImagesRemoved');
export type UnusedImagesRemoved = z.infer<typeof UnusedImagesRemoved>;

export const UserDeleteQuery = z.object({
  delete_workspace: flag('delete_workspace').openapi({
    description: "Also delete the user's home workspace folder (see GET …/workspace first).",
  }),
});
export type UserDeleteQuery = z.infer<typeof UserDeleteQuery>;

/** What deleting a user's workspace would remove. */
export const WorkspacePreview = z
  .object({
    path: z.string().openapi({ description: 'The folder on the Docker host.' }),
    exists: z.boolean(),
    files: z.number().int(),
    bytes: z.number().int(),
    sample: z
      .array(z.string())
      .openapi({ description: 'Up to 20 paths inside it, relative, to show what goes.' }),
  })
  .openapi('WorkspacePreview');
export type WorkspacePreview = z.infer<typeof WorkspacePreview>;

export const UserDeleted = z
  .object({
    name: z.string(),
    workspace: WorkspacePreview.extend({
      deleted: z.boolean(),
      reason: z.string().optional(),
    }),
  })
  .openapi('UserDeleted');
export type UserDeleted = z.infer<typeof UserDeleted>;
