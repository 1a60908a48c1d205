/**
 * The shapes of the hub's REST API, as declared once in server/api/wire (zod) and documented in
 * docs/openapi.json. Imported as types only, so no zod reaches the bundle.
 */
export type {
  AdminContainer,
  Application,
  ApplicationUnregistered,
  UnusedImage,
  UnusedImagesRemoved,
  UserDeleted,
  WorkspacePreview,
  AppType,
  AuditEvent,
  Configurable,
  Container,
  ContainerStart,
  ContainerStats,
  ContainerSummary,
  DiscoveredImage,
  Grant,
  GrantCreate,
  GrantCreated,
  Me,
  Policy,
  ProgressEvent,
  ProgressStage,
  RegisteredApplication,
  RegisteredApplicationRow,
  ResolutionConfigurable,
  StartupDataConfigurable,
  TokenCreate,
  TokenCreated,
  TokenInfo,
  User,
  UserCreate,
  UserCreated,
  UserPatch,
  UserPolicy,
} from '../../../server/api/wire';

/** Values of the configurables form, sent as `configurables` of `POST /api/v1/containers`. */
export type ConfigurableValues = {
  resolution?: string;
  startupdata?: string;
};
