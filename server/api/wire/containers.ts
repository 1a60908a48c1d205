import { MappingId } from './grants';
import { z } from './zod';

export const ContainerStatus = z.enum(['starting', 'running', 'dead']).openapi('ContainerStatus');
export type ContainerStatus = z.infer<typeof ContainerStatus>;

const url = z.string().openapi({
  description:
    'Where the app is served, under /user/<name>/containers/<url_id>/ (absolute when apps ' +
    'have origins of their own).',
});

/** The caller's container of a grant, inside the application list. */
export const ContainerSummary = z
  .object({
    url_id: z.string().openapi({ description: 'Random, 128 bits or more, lower-case hex.' }),
    url,
    status: ContainerStatus,
    update_available: z
      .boolean()
      .optional()
      .openapi({
        description:
          'True when the container runs an older image than its application name points to now ' +
          '(an admin rebuilt, re-tagged or loaded it): restart to update. Absent from the ' +
          'answers of a start and a restart: list or get the container to read it.',
      }),
  })
  .openapi('ContainerSummary');
export type ContainerSummary = z.infer<typeof ContainerSummary>;

/** A container as its owner sees it. */
export const Container = ContainerSummary.extend({
  mapping_id: MappingId,
  image: z.string(),
  ui_name: z.string(),
  started_at: z.string().datetime(),
  last_activity: z.string().datetime(),
  cull_at: z.string().datetime().nullable().openapi({
    description: 'When idle culling stops it unless there is activity; null when culling is off.',
  }),
  exit_code: z.number().int().nullable().optional().openapi({
    description:
      'Only in GET /api/v1/containers/<url_id> of a dead container: how its process ended.',
  }),
}).openapi('Container');
export type Container = z.infer<typeof Container>;

/** A container as admins see it: anyone's. */
export const AdminContainer = Container.extend({
  user: z.string(),
  image_id: z
    .string()
    .nullable()
    .optional()
    .openapi({ description: 'The image id the container runs; null when the engine did not say.' }),
  latest_image_id: z.string().nullable().optional().openapi({
    description: "The id the application's name points to now; null while it is unavailable.",
  }),
  warm: z.boolean().openapi({
    description:
      'True for a warm container: started ahead of a predicted start (spawner.warm_start), ' +
      'unrouted and hidden from its user until they start that application, which claims it; ' +
      'removed unclaimed at `cull_at`. Stopping it removes it and the user loses nothing.',
  }),
}).openapi('AdminContainer');
export type AdminContainer = z.infer<typeof AdminContainer>;

/**
 * The image is deliberately not accepted: it always comes from the grant. Unknown keys are
 * refused so a client that sends `image` learns it is ignored rather than silently overridden.
 */
export const ContainerStart = z
  .object({
    mapping_id: z.string({ required_error: 'mapping_id: required' }).min(1).max(128),
    configurables: z
      .record(z.unknown())
      .nullable()
      .optional()
      .openapi({
        description:
          'Values of the configurables the image offers, flat ({"resolution": "1280x800"}) ' +
          'or nested as SimPhoNy-Remote sends them ({"resolution": {"resolution": "1280x800"}}).',
        example: { resolution: '1280x800' },
      }),
  })
  .strict()
  .openapi('ContainerStart');
export type ContainerStart = z.infer<typeof ContainerStart>;

/** A restart: the same grant again, with new launch options if given. */
export const ContainerRestart = ContainerStart.pick({ configurables: true })
  .strict()
  .openapi('ContainerRestart');
export type ContainerRestart = z.infer<typeof ContainerRestart>;

export const ProgressStage = z
  .enum(['queued', 'creating', 'starting', 'waiting', 'ready', 'failed'])
  .openapi('ProgressStage');
export type ProgressStage = z.infer<typeof ProgressStage>;

/** The data of one Server-Sent Event `progress` of a start. */
export const ProgressEvent = z
  .object({
    mapping_id: z.string(),
    stage: ProgressStage,
    progress: z.number().openapi({ description: '0..100, for a progress bar.' }),
    message: z.string(),
    url_id: z.string().optional(),
    url: z.string().optional(),
  })
  .openapi('ProgressEvent');
export type ProgressEvent = z.infer<typeof ProgressEvent>;

export const LogsQuery = z.object({
  tail: z.coerce
    .number()
    .int('tail: a whole number of lines')
    .min(1, 'tail: at least 1')
    .max(10_000, 'tail: at most 10000')
    .default(200),
});
export type LogsQuery = z.infer<typeof LogsQuery>;

/** Live use of one running container, as `docker stats` reads it. */
export const ContainerStats = z
  .object({
    url_id: z.string(),
    cpu_percent: z
      .number()
      .openapi({ description: 'Percent of one core over the last second (200: two cores).' }),
    memory_bytes: z.number().nullable().openapi({ description: 'Without the page cache.' }),
    memory_limit_bytes: z.number().nullable(),
  })
  .openapi('ContainerStats');
export type ContainerStats = z.infer<typeof ContainerStats>;
