import { ConfigError } from '../config/load';
import { HubError } from '../errors';
import type { Logger } from '../log';
import { buildCreateOptions, chooseWebPort, type ConnectMode } from './container-spec';
import { APP_NETWORK_LABEL, AppNetworks, appNetworkName } from './docker-attach';
import {
  dockerMessage,
  statusOf,
  type ContainerDetails,
  type ContainerSummary,
  type DockerClient,
} from './docker-client';
import { followEvents } from './docker-events';
import { HostPaths, PathNotShared } from './host-paths';
import type { InstallIdentity } from './install-id';
import { containerName, LABEL_PREFIX, LABELS, labelFilter } from './names';
import { ownerOf } from './ownership';
import type {
  ContainerFilter,
  ContainerInfo,
  ContainerOwner,
  ContainerState,
  EventListener,
  MountSpec,
  ProgressCallback,
  SpawnRequest,
  Spawner,
} from './spawner';
import { POOL_SETTING, type PoolSetting } from './subnet-pool';
import { onAttachedNetwork, ownContainerId } from './attached-networks';
import { WORKSPACE_TARGET } from './volumes';

/** Extra label: the app port chosen at creation, so a restarted hub targets the same port. */
export const PORT_LABEL = `${LABEL_PREFIX}web_port`;

/** Creates tried after a name conflict; each removes the holder first (if still ours). */
const NAME_RETRIES = 3;

/** Bridge option that stops containers on the hub network from reaching each other. */
const NO_ICC = 'com.docker.network.bridge.enable_icc';

export interface DockerSpawnerSettings {
  realm: string;
  /** This installation: labels its containers, and only those are ever stopped or removed. */
  install: InstallIdentity;
  network: string;
  connect: ConnectMode;
  /** Docker's init as PID 1 in every container (config `spawner.init`). */
  init?: boolean;
  containerPort: number;
  /** Deadline for create and start together (spawner.start_timeout_seconds). */
  startTimeoutMs: number;
  /** Seconds an app gets to exit cleanly on stop before it is killed. */
  stopGraceSeconds: number;
  /**
   * The container the hub runs in; found in /proc/self/mountinfo when undefined, null for a hub
   * on the host. A hub in a container with a network namespace of its own gives each app a
   * network that it joins (docker-attach.ts); one on the host or in the host's namespace
   * reaches apps on `network` directly.
   */
  selfId?: string | null;
  /**
   * Hub folders apps mount from, with the setting that names each (data_dir for workspaces,
   * spawner.allowed_volume_roots): a hub container that holds one on its own layer, where no
   * app can be given it, refuses to start.
   */
  sharedFolders?: SharedFolder[];
  /** `spawner.app_network_pool`: where per-app networks take their subnets (null: the engine picks). */
  appNetworkPool?: PoolSetting | null;
}

/** A folder whose contents apps mount, and the setting a person changes to move it. */
export interface SharedFolder {
  setting: string;
  path: string;
}

/** A spawn failure the caller can act on; the message is shown to the user. */
export class SpawnFailed extends HubError {
  constructor(message: string, status = 500, code = 'spawn_failed') {
    super(status, code, message);
  }
  override get expose(): boolean {
    return true;
  }
}

/**
 * Containers on the local Docker engine. Stateless: every container is found again through its
 * labels (realm + url_id), so this class can be thrown away and rebuilt at any time.
 */
export class DockerSpawner implements Spawner {
  private networkReady = false;
  private readonly selfId: string | null;
  /** Whether `appNets` was decided (from the engine's view of the hub's container). */
  private modeKnown = false;
  /** Per-app networks: set when the hub runs in a container with its own network namespace. */
  private appNets: AppNetworks | null = null;
  /** The last inspect of running containers, by id, for `list` (see there). */
  private readonly inspected = new Map<string, { key: string; info: ContainerInfo }>();
  /** Bind sources as the engine sees them: decided with `appNets`, from the same inspect. */
  private hostPaths = HostPaths.identity();

  constructor(
    private readonly client: DockerClient,
    private readonly settings: DockerSpawnerSettings,
    private readonly log: Logger,
  ) {
    this.selfId = settings.selfId === undefined ? ownContainerId() : settings.selfId;
  }

  async init(): Promise<void> {
    this.networkReady = false;
    this.modeKnown = false;
    await this.ensureMode();
    this.checkSharedFolders();
    if (this.appNets) await this.pruneAppNetworks();
    else await this.ensureNetwork();
  }

  /** Refuses a configuration whose app mounts would come from the hub container's own layer. */
  private checkSharedFolders(): void {
    for (const { setting, path } of this.settings.sharedFolders ?? []) {
      if (this.hostPaths.reaches(path)) continue;
      throw new ConfigError(
        `${setting} is ${path}, which is on the hub container's own filesystem: apps cannot mount anything from there. Mount a volume or host folder at ${path} when running the hub container (e.g. -v hubdata:${path}), or point ${setting} at a mounted folder`,
      );
    }
  }

  /**
   * The request's bind sources as host paths: the engine resolves them on its host, not in the
   * hub's container. A source on the container's own layer would silently become an empty
   * host folder, so it is refused instead.
   */
  private hostMounts(mounts: MountSpec[]): MountSpec[] {
    try {
      return this.hostPaths.translate(mounts);
    } catch (err) {
      if (!(err instanceof PathNotShared)) throw err;
      const home = mounts.find((m) => m.source === err.hubPath)?.target === WORKSPACE_TARGET;
      if (home) {
        throw new SpawnFailed(
          `the home workspace ${err.hubPath} is on the hub container's own filesystem, so the app cannot mount it; an admin must mount a volume at data_dir (e.g. -v hubdata:/data) and restart the hub`,
          503,
          'workspace_not_shared',
        );
      }
      throw new SpawnFailed(
        `the grant's volume source ${err.hubPath} is on the hub container's own filesystem, so the app cannot mount it; an admin must mount that folder into the hub's container or fix the grant`,
        403,
        'volume_not_shared',
      );
    }
  }

  /**
   * Decides how apps are reached. A hub container with a network namespace of its own cannot
   * use the shared network (inter-container traffic is off there), so it gets per-app networks;
   * one sharing the host's namespace (`network_mode: host`) or another container's cannot join
   * networks and reaches the shared bridge as the host does.
   */
  private async ensureMode(): Promise<void> {
    if (this.modeKnown) return;
    const self = this.selfId ? await this.client.inspectContainer(this.selfId) : null;
    const mode = self?.HostConfig?.NetworkMode ?? '';
    if (self && mode !== 'host' && !mode.startsWith('container:')) {
      // Kept across inits (one after each engine outage): starts in flight hold its networks.
      this.appNets ??= new AppNetworks(
        this.client,
        self.Id,
        {
          realm: this.settings.realm,
          installId: this.installId,
          pool: this.settings.appNetworkPool,
        },
        this.log,
      );
      this.appNets.load(Object.keys(self.NetworkSettings?.Networks ?? {}));
      this.log.info(
        { self: self.Id.slice(0, 12) },
        'the hub runs in a container: each app gets a network of its own that the hub joins',
      );
    } else {
      this.appNets = null;
    }
    this.hostPaths = self ? HostPaths.fromContainer(self) : HostPaths.identity();
    if (this.selfId && !self) {
      this.log.warn(
        { self: this.selfId.slice(0, 12) },
        'the hub runs in a container this Docker engine does not know, so it cannot join app networks (apps on addresses it is not attached to are refused) and gives bind sources to the engine as it sees them',
      );
    }
    this.modeKnown = true;
  }

  /** Removes this installation's app networks that no container of the realm uses any more. */
  private async pruneAppNetworks(): Promise<void> {
    const containers = await this.client.listContainers([`${LABELS.realm}=${this.settings.realm}`]);
    const inUse = new Set(
      containers.map((c) => c.Labels?.[APP_NETWORK_LABEL]).filter((n): n is string => !!n),
    );
    await this.appNets?.prune(inUse);
  }

  /** The hub network, created with inter-container communication off (one user cannot reach another). */
  private async ensureNetwork(): Promise<void> {
    if (this.networkReady) return;
    const name = this.settings.network;
    const existing = await this.client.inspectNetwork(name);
    if (!existing) {
      await this.client.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Options: { [NO_ICC]: 'false' },
        Labels: { [LABELS.realm]: this.settings.realm },
      });
    } else if (existing.Options?.[NO_ICC] !== 'false') {
      this.log.warn(
        { network: name },
        `network ${name} allows inter-container traffic: user containers can reach each other; recreate it with -o ${NO_ICC}=false`,
      );
    }
    this.networkReady = true;
  }

  async start(req: SpawnRequest, onProgress: ProgressCallback): Promise<ContainerInfo> {
    const deadline = Date.now() + this.settings.startTimeoutMs;
    const left = () => {
      const ms = deadline - Date.now();
      if (ms <= 0) throw this.startTimeout();
      return ms;
    };
    onProgress('creating', 'creating the container');
    await this.ensureMode();
    const mounts = this.hostMounts(req.mounts);
    const nets = this.appNets;
    if (!nets) await this.ensureNetwork();
    const name = containerName(this.settings.realm, req.user, req.mappingId, this.installId);
    const network = nets ? appNetworkName(name, req.urlId) : this.settings.network;
    let id: string | null = null;
    try {
      // Creating a bridge costs several times a container create: done while the image is read.
      const [image] = await settleAll([
        this.client.inspectImage(req.image),
        nets?.create(network, req.urlId),
      ]);
      if (!image) {
        throw new SpawnFailed(
          `the image ${req.image} is not present on the Docker host; an admin must load or build it`,
          503,
          'image_unavailable',
        );
      }
      const port = chooseWebPort(image.Config?.ExposedPorts, this.settings.containerPort);
      const opts = buildCreateOptions({ ...req, name, mounts }, port, {
        ...this.settings,
        network,
        // Loopback in the hub's container is its own: a published port would not be reached.
        connect: nets ? 'container-ip' : this.settings.connect,
        installId: this.installId,
      });
      opts.Labels = {
        ...opts.Labels,
        [PORT_LABEL]: String(port),
        ...(nets ? { [APP_NETWORK_LABEL]: network } : {}),
      };
      // The hub joins the app's network while the container is being created.
      const [created, joined] = await Promise.allSettled([
        this.create(opts, left, !nets),
        nets?.join(network),
      ]);
      if (created.status === 'rejected') throw created.reason;
      id = created.value;
      if (joined.status === 'rejected') throw joined.reason;
      onProgress('starting', 'starting the container');
      await this.client.startContainer(id, left());
      const details = await this.client.inspectContainer(id);
      const info = details && this.toInfo(details);
      if (!info || info.state !== 'running') {
        const logs = await this.client.logs(id, 20).catch(() => '');
        throw new SpawnFailed(
          `the container stopped right after starting (exit code ${info?.exitCode ?? '?'})${logTail(logs)}`,
          502,
          'app_exited',
        );
      }
      if (!info.target) throw this.unreachable(details);
      return info;
    } catch (err) {
      if (id)
        await this.client
          .removeContainer(id)
          .catch((e) =>
            this.log.warn({ id, err: dockerMessage(e) }, 'cleanup after failed start failed'),
          );
      if (nets) await nets.remove(network);
      throw this.explain(err);
    } finally {
      nets?.settled(network);
    }
  }

  /**
   * Creates the container. A leftover holding the name (exited, or from a hub that died
   * mid-spawn) makes create answer 409; it is removed then, so the common case costs no extra
   * call.
   */
  private async create(
    opts: Parameters<DockerClient['createContainer']>[0],
    left: () => number,
    sharedNetwork: boolean,
  ): Promise<string> {
    try {
      return await this.client.createContainer(opts, left());
    } catch (err) {
      return this.retryCreate(err, opts, left, sharedNetwork);
    }
  }

  /** A running app whose address the hub is not attached to: refused, never contacted. */
  private unreachable(d: ContainerDetails): SpawnFailed {
    const ip = this.appAddress(d);
    return new SpawnFailed(
      `the app's address ${ip ?? '(none)'} is not on a network the hub is attached to, so the hub refuses to send traffic to it; run the hub on the Docker host, or as the hub image with its own network (config/compose.yaml)`,
      502,
      'target_unreachable',
    );
  }

  /**
   * Retries the two recoverable create failures: the name taken by a leftover (removed first;
   * tried again while it is still on its way out), the shared network deleted (made again).
   */
  private async retryCreate(
    err: unknown,
    opts: Parameters<DockerClient['createContainer']>[0],
    left: () => number,
    sharedNetwork: boolean,
  ): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const status = statusOf(err);
      if (status === 409 && attempt <= NAME_RETRIES) {
        await this.removeByName(opts.name ?? '');
      } else if (
        sharedNetwork &&
        status === 404 &&
        /network/i.test(dockerMessage(err)) &&
        attempt === 1
      ) {
        this.networkReady = false;
        await this.ensureNetwork();
      } else {
        throw this.explain(err);
      }
      try {
        return await this.client.createContainer(opts, left());
      } catch (again) {
        err = again;
      }
    }
  }

  private startTimeout(): SpawnFailed {
    return new SpawnFailed(
      `Docker did not create and start the container within ${Math.round(this.settings.startTimeoutMs / 1000)} s; raise spawner.start_timeout_seconds if the engine is just slow`,
      504,
      'start_timeout',
    );
  }

  /** Engine errors become messages a person can act on; HubErrors pass through. */
  private explain(err: unknown): HubError {
    if (err instanceof HubError) return err;
    const status = statusOf(err);
    const msg = dockerMessage(err);
    if ((err as Error)?.name === 'TimeoutError' || (err as Error)?.name === 'AbortError')
      return this.startTimeout();
    // Docker 20.10 says "could not find an available, non-overlapping IPv4 address pool among
    // the defaults"; later engines "all predefined address pools have been fully subnetted".
    if (/fully subnetted|non-overlapping IPv\d address pool/i.test(msg)) {
      this.log.error({ status, err: msg }, "the engine's default address pools are exhausted");
      return new SpawnFailed(
        `the Docker engine has no address range left for the app's network (its default address pools are used up); an admin must set ${POOL_SETTING} (README "The hub as a container") or widen default-address-pools in the engine's daemon.json`,
        503,
        'network_pool_exhausted',
      );
    }
    this.log.error({ status, err: msg }, 'docker refused the container');
    return new SpawnFailed(`Docker could not start the container: ${msg.slice(0, 300)}`);
  }

  /**
   * Removes a leftover of this installation holding `name` (exited, or from a hub that crashed
   * mid-spawn). A container someone else made keeps its name: the start fails and says so.
   */
  private async removeByName(name: string): Promise<void> {
    const leftover = await this.client.inspectContainer(name);
    if (!leftover) return;
    if (this.ownerOfDetails(leftover) !== 'self') {
      throw new SpawnFailed(
        `the container name ${name} is taken by a container this hub did not create; remove it with \`docker rm ${name}\` if it is not needed`,
        409,
        'name_taken',
      );
    }
    this.log.info({ id: leftover.Id, name }, 'removing leftover container with the same name');
    await this.client.removeContainer(leftover.Id);
    await this.dropAppNetwork(leftover.Config?.Labels?.[APP_NETWORK_LABEL]);
  }

  private get installId(): string {
    return this.settings.install.id;
  }

  /** This installation's containers with `urlId` (another's are never touched). */
  private async own(urlId: string): Promise<ContainerSummary[]> {
    const found = await this.client.listContainers(labelFilter(this.settings.realm, { urlId }));
    return found.filter(
      (c) =>
        ownerOf(this.settings.install, c.Labels?.[LABELS.install], new Date(c.Created * 1000)) ===
        'self',
    );
  }

  private ownerOfDetails(d: ContainerDetails): ContainerOwner {
    const labels = d.Config?.Labels ?? {};
    return ownerOf(
      this.settings.install,
      labels[LABELS.install],
      d.Created ? new Date(d.Created) : null,
    );
  }

  async stop(urlId: string): Promise<void> {
    for (const c of await this.own(urlId)) {
      if (c.State === 'running')
        await this.client.stopContainer(c.Id, this.settings.stopGraceSeconds);
      await this.client.removeContainer(c.Id);
      await this.dropAppNetwork(c.Labels?.[APP_NETWORK_LABEL]);
    }
  }

  /** Removes a removed container's own network, if it had one (a hub on the host only removes it). */
  private async dropAppNetwork(network: string | undefined): Promise<void> {
    if (!network) return;
    await this.ensureMode();
    if (this.appNets) await this.appNets.remove(network);
    else
      await this.client
        .removeNetwork(network)
        .catch((err) =>
          this.log.warn({ network, err: dockerMessage(err) }, 'app network not removed'),
        );
  }

  async inspect(urlId: string): Promise<ContainerInfo | null> {
    const [summary] = await this.own(urlId);
    if (!summary) return null;
    const details = await this.client.inspectContainer(summary.Id);
    return details ? this.describe(details) : null;
  }

  /**
   * The realm's containers. A running container whose listing reads as at its last inspect
   * (same state, image and addresses) is described from that inspect: the re-sync lists every
   * minute, and an inspect per container made it 1,000 engine calls a minute at 1,000 apps.
   */
  async list(filter?: ContainerFilter): Promise<ContainerInfo[]> {
    const summaries = await this.client.listContainers(labelFilter(this.settings.realm, filter));
    const out: ContainerInfo[] = [];
    for (const s of summaries) {
      const key = runningKey(s);
      const known = key === null ? undefined : this.inspected.get(s.Id);
      if (known && known.key === key) {
        out.push({ ...known.info });
        continue;
      }
      const details = await this.client.inspectContainer(s.Id);
      if (!details) continue;
      const info = await this.describe(details);
      out.push(info);
      if (key !== null && info.state === 'running') {
        if (this.inspected.size >= INSPECTED_MAX) this.inspected.clear();
        this.inspected.set(s.Id, { key, info: { ...info } });
      } else this.inspected.delete(s.Id);
    }
    if (!filter) {
      const listed = new Set(summaries.map((s) => s.Id));
      for (const id of this.inspected.keys()) if (!listed.has(id)) this.inspected.delete(id);
    }
    return out;
  }

  /**
   * The container's info, after joining its network when this hub's container is not on it
   * (a hub container made anew, e.g. by `docker compose up` with a new image, has lost its
   * memberships; a restarted one keeps them).
   */
  private async describe(d: ContainerDetails): Promise<ContainerInfo> {
    const network = d.Config?.Labels?.[APP_NETWORK_LABEL];
    if (network && d.State?.Running && this.ownerOfDetails(d) === 'self') {
      await this.ensureMode();
      await this.appNets
        ?.join(network)
        .catch((err) =>
          this.log.warn({ network, err: dockerMessage(err) }, 'joining the app network failed'),
        );
    }
    return this.toInfo(d);
  }

  async logs(urlId: string, tail: number): Promise<string> {
    const [summary] = await this.own(urlId);
    if (!summary) return '';
    return this.client.logs(summary.Id, tail);
  }

  watch(listener: EventListener): () => void {
    return followEvents(this.client, this.settings.realm, listener, this.log);
  }

  async ping(): Promise<boolean> {
    try {
      await this.client.ping();
      return true;
    } catch {
      return false;
    }
  }

  /** The app's address on its own network, or else on the shared one. */
  private appAddress(d: ContainerDetails): string | null {
    const network = d.Config?.Labels?.[APP_NETWORK_LABEL] ?? this.settings.network;
    return d.NetworkSettings?.Networks?.[network]?.IPAddress || null;
  }

  /**
   * Reads labels and the address the hub reaches the app at. The one place a target is handed
   * out: a container address only when it lies on a network this process is attached to
   * (locally, a bridge of the host or of the hub's container); otherwise none, and nothing is
   * ever sent to it.
   */
  private toInfo(d: ContainerDetails): ContainerInfo {
    const labels = d.Config?.Labels ?? {};
    const port = Number(labels[PORT_LABEL] ?? this.settings.containerPort);
    const running = d.State?.Running === true;
    let target: string | null = null;
    if (running) {
      const binding = d.NetworkSettings?.Ports?.[`${port}/tcp`]?.[0];
      if (!labels[APP_NETWORK_LABEL] && this.settings.connect === 'host-port') {
        if (binding?.HostPort) target = `http://127.0.0.1:${binding.HostPort}`;
      } else {
        const ip = this.appAddress(d);
        if (ip && onAttachedNetwork(ip)) target = `http://${ip}:${port}`;
      }
    }
    const started =
      d.State?.StartedAt && !d.State.StartedAt.startsWith('0001')
        ? new Date(d.State.StartedAt)
        : null;
    return {
      id: d.Id,
      name: d.Name.replace(/^\//, ''),
      urlId: labels[LABELS.urlId] ?? '',
      user: labels[LABELS.user] ?? '',
      mappingId: labels[LABELS.mappingId] ?? '',
      image: d.Config?.Image ?? '',
      // Inspect's `Image` is the id the container was created from; `Config.Image` the name.
      imageId: d.Image || null,
      state: (d.State?.Status ?? 'dead') as ContainerState,
      target,
      startedAt: started,
      exitCode: running ? null : (d.State?.ExitCode ?? null),
      owner: this.ownerOfDetails(d),
      warm: labels[LABELS.warm] === '1',
    };
  }
}

/** Bounds the inspect memo of `list` (more running containers than this: inspected again). */
const INSPECTED_MAX = 20_000;

/**
 * What a listing says of a running container that an inspect would too: its state, image,
 * labels and addresses. Null for any other state (an exit code needs the inspect).
 */
function runningKey(s: ContainerSummary): string | null {
  if (s.State !== 'running') return null;
  const nets = Object.entries(s.NetworkSettings?.Networks ?? {})
    .map(([name, n]) => `${name}=${n.IPAddress}`)
    .sort()
    .join(',');
  const ports = (s.Ports ?? []).map((p) => `${p.PrivatePort}:${p.PublicPort ?? ''}`).join(',');
  return `${s.ImageID}|${s.Created}|${nets}|${ports}|${JSON.stringify(s.Labels ?? {})}`;
}

/** Formats the last log lines for an error message. */
export function logTail(logs: string, lines = 10): string {
  const tail = logs.trimEnd().split('\n').slice(-lines).join('\n').slice(-1500);
  return tail ? `; last output:\n${tail}` : '';
}

/**
 * Waits for every promise (so that nothing is still creating what a failure path removes),
 * then resolves with their values or rejects with the first failure.
 */
async function settleAll<T extends readonly unknown[]>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}
