/**
 * The shapes of the hub's REST API as the portal reads them (see DESIGN.md and the agreed
 * API additions). Fields the portal does not use are left out; optional ones may be absent
 * on older hubs, so the pages treat them as such.
 */

/** The caller, from `GET /api/v1/me` or `POST /login`. */
export interface Me {
  name: string;
  admin: boolean;
  csrf_token: string;
  /** Apps run on `<url_id>.<apps_domain>`; null while they share the hub's origin (unsafe). */
  apps_domain?: string | null;
}

export type AppType = 'vncapp' | 'webapp' | null;

/** A screen-size choice the image understands (it declares X11_WIDTH and X11_HEIGHT). */
export interface ResolutionConfigurable {
  name: 'resolution';
  /** The hub's one-line explanation, shown as the field's hint. */
  description?: string;
  presets: string[];
  min_width?: number;
  max_width?: number;
  min_height?: number;
  max_height?: number;
  default?: string;
}

/** A file the app opens at start (the image declares STARTUPDATA). */
export interface StartupDataConfigurable {
  name: 'startupdata';
  description?: string;
  max_length?: number;
}

export type Configurable = ResolutionConfigurable | StartupDataConfigurable;

/** What the admin granted: how a container of this image is started for this user. */
export interface Policy {
  allow_home: boolean;
  allow_startup_data: boolean;
  volume_source: string | null;
  volume_target: string | null;
  volume_mode: 'ro' | 'rw' | null;
  /** The admin sees the license; its user only learns whether there is one. */
  app_license?: string | boolean | null;
  memory_limit?: string | null;
  cpu_limit?: number | null;
  pids_limit?: number | null;
}

/** A container as the launcher sees it. */
export interface ContainerRef {
  url_id: string;
  url: string;
  status: string;
}

/** One of the caller's grants, from `GET /api/v1/applications`. */
export interface Application {
  mapping_id: string;
  image: {
    name: string;
    ui_name: string;
    description: string;
    type: AppType;
    icon_url: string | null;
    available?: boolean;
    configurables: Configurable[];
  };
  policy: Policy;
  container: ContainerRef | null;
}

/** One of the caller's containers, from `GET /api/v1/containers`. */
export interface Container extends ContainerRef {
  mapping_id: string;
  image: string;
  ui_name?: string;
  started_at?: string | null;
  last_activity?: string | null;
  /** When idle culling will stop it; null when culling is off. */
  cull_at?: string | null;
}

/** Values of the configurables form, sent with `POST /api/v1/containers`. */
export interface ConfigurableValues {
  resolution?: string;
  startupdata?: string;
}

export type ProgressStage = 'queued' | 'creating' | 'starting' | 'waiting' | 'ready' | 'failed';

/** One spawn progress event (SSE event `progress`). */
export interface ProgressEvent {
  mapping_id: string;
  stage: ProgressStage;
  progress: number;
  message: string;
  url_id?: string;
  url?: string;
}

/** A user, as the admin sees it. */
export interface AdminUser {
  name: string;
  admin: boolean;
  disabled: boolean;
  created_at: string | null;
  last_login_at: string | null;
}

/** A registered image. */
export interface RegisteredImage {
  id: string | number;
  image: string;
  ui_name: string;
  description?: string;
  icon_url?: string | null;
  type: AppType;
  available: boolean;
  warnings: string[];
}

/** An image found in Docker with the hub's labels. */
export interface DiscoveredImage {
  image: string;
  image_id: string;
  ui_name: string;
  description: string;
  type: AppType;
  icon_url?: string | null;
  /** The image carries an icon label; it is served once the image is registered. */
  has_icon?: boolean;
  /** The registered application's id, when registered. */
  application_id?: number | null;
  env: string[];
  configurables: Configurable[];
  warnings: string[];
  registered: boolean;
}

/** A grant: user × image × policy. */
export interface Grant {
  mapping_id: string;
  user: string;
  image: string;
  policy: Policy;
}

/** A container of any user, for the admin. */
export interface AdminContainer {
  url_id: string;
  user: string;
  mapping_id: string;
  image: string;
  status: string;
  started_at: string | null;
  last_activity: string | null;
}

/** One audit log entry. */
export interface AuditEvent {
  id: number | string;
  at: string;
  actor: string | null;
  action: string;
  target: string | null;
  address: string | null;
  details: unknown;
}
