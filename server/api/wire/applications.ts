import { ContainerSummary } from './containers';
import { MappingId, UserPolicy } from './grants';
import { Image } from './images';
import { z } from './zod';

/** One of the caller's grants, with its image and the caller's container of it. */
export const Application = z
  .object({
    mapping_id: MappingId,
    image: Image,
    policy: UserPolicy,
    // A union, not .nullable(): zod-to-openapi 7 drops the null of a nullable named schema.
    container: z.union([ContainerSummary, z.null()]).openapi({
      description: "The caller's container of this grant; null when none runs.",
    }),
  })
  .openapi('Application');
export type Application = z.infer<typeof Application>;
