/**
 * The contract every spawner implementation keeps (JupyterHub's `Spawner`, cut down to what a
 * stateless, label-driven hub needs). Docker is the first implementation; a Swarm or Kubernetes
 * spawner implements the same five methods and callers do not change.
 *
 * A spawner knows nothing about users, grants, limits or routes: the ContainerManager above it
 * decides *whether* and *what* to start and hands over a fully resolved SpawnRequest. A spawner
 * keeps no state of its own either: everything it needs to find a container again lives in the
 * container's labels, so a restarted hub sees exactly what the engine runs.
 */

/** A bind mount, already checked against the policy and the allowed roots. */
export interface MountSpec {
  /** Absolute host path, symlinks resolved. */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly: boolean;
}

/** Resource limits, already merged from hub defaults and the grant's policy. */
export interface ResourceLimits {
  memoryBytes: number;
  /** CPU limit in billionths of a core (Docker's NanoCpus). */
  nanoCpus: number;
  pidsLimit: number;
}

/** Everything needed to start one container; nothing in it comes unchecked from a caller. */
export interface SpawnRequest {
  /** Random 128-bit hex id; part of the proxied URL and a label. */
  urlId: string;
  /** Owner's hub user name (label `user`). */
  user: string;
  /** Grant the container is started from (label `mapping_id`). */
  mappingId: string;
  /** Image reference, taken from the grant. */
  image: string;
  /** Complete container environment (JPY_USER, URL_ID, configurables...). */
  env: Record<string, string>;
  mounts: MountSpec[];
  limits: ResourceLimits;
  /** Made ahead of a predicted start (warm-pool.ts): labelled so a restarted hub never routes it unclaimed. */
  warm?: boolean;
}

/** The lifecycle states a caller may see. */
export type ContainerState =
  'created' | 'running' | 'exited' | 'dead' | 'removing' | 'paused' | 'restarting';

/**
 * Who created a container of the realm (ownership.ts): this installation (`self`), an older hub
 * version without install labels that this one cannot claim (`legacy`), or another installation
 * sharing realm and engine (`other`). Only `self` containers are ever adopted, stopped or removed.
 */
export type ContainerOwner = 'self' | 'legacy' | 'other';

/** What a spawner reports about one container of the realm. */
export interface ContainerInfo {
  /** Implementation-specific id (Docker container id). */
  id: string;
  name: string;
  urlId: string;
  user: string;
  mappingId: string;
  /** The image reference it was started from (the grant's). */
  image: string;
  /**
   * The id (`sha256:...`) of the image it runs, fixed at creation: what app updates compare
   * with the id the reference points to now. Null when the engine does not say.
   */
  imageId: string | null;
  state: ContainerState;
  /** Where the hub reaches the app, `http://ip:port`; null while not running. */
  target: string | null;
  startedAt: Date | null;
  /** Exit code when state is exited/dead. */
  exitCode: number | null;
  owner: ContainerOwner;
  /** Carries the warm label (made ahead of a predicted start; claimed or not). */
  warm?: boolean;
}

/** Coarse steps a spawner reports while starting (the manager adds queued/waiting/ready). */
export type SpawnerStage = 'creating' | 'starting';
export type ProgressCallback = (stage: SpawnerStage, message: string) => void;

/** Narrows a list to containers of one user, one grant or one url_id. */
export interface ContainerFilter {
  user?: string;
  mappingId?: string;
  urlId?: string;
}

/** A lifecycle change the engine reported, for containers of this realm only. */
export interface ContainerEvent {
  /** `died`: stopped, killed or crashed (the container still exists); `removed`: gone. */
  kind: 'died' | 'removed';
  urlId: string;
  containerId: string;
  exitCode: number | null;
}

/** Receives container events; `connected` reports when the engine stream is up or lost. */
export interface EventListener {
  onEvent(e: ContainerEvent): void;
  onConnection(connected: boolean): void;
}

export interface Spawner {
  /**
   * Prepares what is shared by all containers (the hub network, for Docker). Idempotent;
   * called once at hub start and again whenever the engine came back.
   */
  init(): Promise<void>;

  /**
   * Creates and starts the container for `req` and resolves once it runs and its target address
   * is known (not once the app answers: readiness is the manager's job, as in JupyterHub).
   * The spawner names it, deterministically per (user, grant) within its installation, so two
   * starts of one grant cannot both succeed. A leftover of this installation holding the name
   * (exited, or from a crashed hub) is removed first.
   * On failure nothing it created is left behind. Throws ServiceUnavailable when the engine is
   * unreachable and a HubError with a reason a person can act on otherwise.
   */
  start(req: SpawnRequest, onProgress: ProgressCallback): Promise<ContainerInfo>;

  /**
   * Stops and removes this installation's container with this url_id. Idempotent: a missing one
   * is not an error. Never touches a container another installation owns.
   */
  stop(urlId: string): Promise<void>;

  /** This installation's container with this url_id as the engine sees it now, or null. */
  inspect(urlId: string): Promise<ContainerInfo | null>;

  /**
   * Every container of this realm (any state, any owner, so that reconcile can report what it
   * leaves alone) matching `filter`.
   */
  list(filter?: ContainerFilter): Promise<ContainerInfo[]>;

  /** The last `tail` lines of this installation's container's output (stdout and stderr). */
  logs(urlId: string, tail: number): Promise<string>;

  /**
   * Follows lifecycle events until the returned function is called; reconnects by itself
   * (with backoff) when the engine goes away, telling the listener through onConnection.
   */
  watch(listener: EventListener): () => void;

  /** Whether the engine answers now. */
  ping(): Promise<boolean>;
}
