import { z } from './zod';

/**
 * `vncapp` or `webapp`, from the image's `type` label. Not a named component: the generator
 * cannot make a named schema nullable in OpenAPI 3.1 (zod-to-openapi PR #387).
 */
export const AppType = z.enum(['vncapp', 'webapp']);
export type AppType = z.infer<typeof AppType>;

/** Screen size for VNC apps: the image declares X11_WIDTH + X11_HEIGHT (and X11_DEPTH). */
export const ResolutionConfigurable = z
  .object({
    name: z.literal('resolution'),
    description: z.string(),
    env: z.array(z.string()).openapi({ description: 'The env variables it sets.' }),
    presets: z.array(z.string()),
    default: z.string(),
    min_width: z.number().int(),
    max_width: z.number().int(),
    min_height: z.number().int(),
    max_height: z.number().int(),
    depths: z.array(z.number().int()).openapi({
      description: 'Colour depths accepted as a third WxHxD part; empty without X11_DEPTH.',
    }),
  })
  .openapi('ResolutionConfigurable');
export type ResolutionConfigurable = z.infer<typeof ResolutionConfigurable>;

/** A file the app opens at start: STARTUPDATA, an absolute path inside the container. */
export const StartupDataConfigurable = z
  .object({
    name: z.literal('startupdata'),
    description: z.string(),
    env: z.array(z.string()),
    max_length: z.number().int(),
  })
  .openapi('StartupDataConfigurable');
export type StartupDataConfigurable = z.infer<typeof StartupDataConfigurable>;

/** A setting the user may choose at start, offered because the image declares its env. */
export const Configurable = z
  .discriminatedUnion('name', [ResolutionConfigurable, StartupDataConfigurable])
  .openapi('Configurable');
export type Configurable = z.infer<typeof Configurable>;

/** The `image` of an application in the caller's list. */
export const Image = z
  .object({
    id: z.number().int().openapi({ description: "The registered application's id." }),
    name: z.string().openapi({ description: 'The image reference.' }),
    ui_name: z.string(),
    description: z.string(),
    type: AppType.openapi({ description: 'Legacy images without a type label are web apps.' }),
    icon_url: z.string(),
    configurables: z.array(Configurable),
    available: z
      .boolean()
      .openapi({ description: 'False while the image is not on the engine or it is down.' }),
  })
  .openapi('Image');
export type Image = z.infer<typeof Image>;

/** A registered image as the admin sees it: raw type, declared env, label warnings. */
export const RegisteredApplication = Image.omit({ type: true })
  .extend({
    image: z.string().openapi({ description: 'The image reference, as requests name it.' }),
    type: AppType.nullable().openapi({ description: 'null: the image has no type label.' }),
    image_id: z.string().nullable(),
    repo_tags: z.array(z.string()),
    env: z.array(z.string()).openapi({ description: 'Declared env variables, MACRO_CASE.' }),
    labelled: z.boolean(),
    warnings: z.array(z.string()),
    created_at: z.string().datetime(),
  })
  .openapi('RegisteredApplication');
export type RegisteredApplication = z.infer<typeof RegisteredApplication>;

/** A row of the admin's application list: with the number of grants that use it. */
export const RegisteredApplicationRow = RegisteredApplication.extend({
  grants: z.number().int(),
}).openapi('RegisteredApplicationRow');
export type RegisteredApplicationRow = z.infer<typeof RegisteredApplicationRow>;

export const RegisterApplication = z
  .object({
    image: z.string({ required_error: 'image: required' }).min(1, 'image: required').max(512),
    force: z
      .boolean()
      .optional()
      .openapi({ description: 'Register even when the engine does not have the image.' }),
  })
  .strict()
  .openapi('RegisterApplication');
export type RegisterApplication = z.infer<typeof RegisterApplication>;

/** An image on the engine carrying the label namespace, registered or not. */
export const DiscoveredImage = z
  .object({
    image: z.string(),
    image_id: z.string().nullable(),
    repo_tags: z.array(z.string()),
    registered: z.boolean(),
    application_id: z.number().int().nullable(),
    ui_name: z.string(),
    description: z.string(),
    type: AppType.nullable(),
    env: z.array(z.string()),
    configurables: z.array(Configurable),
    has_icon: z.boolean(),
    warnings: z.array(z.string()),
  })
  .openapi('DiscoveredImage');
export type DiscoveredImage = z.infer<typeof DiscoveredImage>;
