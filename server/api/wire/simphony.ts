import { ContainerStatus } from './containers';
import { MappingId } from './grants';
import { AppType } from './images';
import { z } from './zod';

/**
 * SimPhoNy-Remote's REST API under /user/<name>/api/v1/, in its tornado-webapi shapes, for its
 * clients (remoteapprest). Field names are SimPhoNy's; the hub's own API is /api/v1.
 */

export const SimphonyContainer = z
  .object({
    name: z.string().openapi({ description: 'The container’s identifier here: its url_id.' }),
    image_name: z.string(),
    ui_name: z.string(),
    mapping_id: MappingId,
    url_id: z.string(),
    url: z.string(),
    status: ContainerStatus,
  })
  .openapi('SimphonyContainer');
export type SimphonyContainer = z.infer<typeof SimphonyContainer>;

export const SimphonyPolicy = z
  .object({
    allow_home: z.boolean(),
    allow_view: z.boolean(),
    allow_common: z.boolean(),
    allow_startup_data: z.boolean(),
    volume_source: z.string().nullable(),
    volume_target: z.string().nullable(),
    volume_mode: z.enum(['ro', 'rw']).nullable(),
  })
  .openapi('SimphonyPolicy');

export const SimphonyApplication = z
  .object({
    mapping_id: MappingId,
    image: z.object({
      name: z.string(),
      ui_name: z.string(),
      icon_128: z.string().openapi({ description: 'Base64 PNG.' }),
      description: z.string(),
      type: AppType,
      configurables: z.array(z.string()).openapi({ description: 'Their names.' }),
      policy: SimphonyPolicy,
    }),
    container: z.union([SimphonyContainer, z.null()]),
  })
  .openapi('SimphonyApplication');
export type SimphonyApplication = z.infer<typeof SimphonyApplication>;

/** A tornado-webapi collection: the ids, and the items by id. */
export interface SimphonyCollection<T> {
  identifiers: string[];
  items: Record<string, T>;
  total: number;
}

export function simphonyCollection<T extends z.ZodTypeAny>(item: T) {
  return z.object({
    identifiers: z.array(z.string()),
    items: z.record(item).openapi({ description: 'The items by identifier.' }),
    total: z.number().int(),
  });
}
