import type { Dockerode } from '../docker/client';
import { HubError } from '../errors';
import type { Logger } from '../log';
import { chooseWebPort } from './container-spec';
import { DockerUnavailable, dockerMessage, statusOf } from './docker-client';
import { logTail, SpawnFailed } from './docker-spawner';
import type { InstallIdentity } from './install-id';
import { LABELS, labelFilter } from './names';
import { ownerOf } from './ownership';
import type {
  ContainerFilter,
  ContainerInfo,
  ContainerState,
  EventListener,
  ProgressCallback,
  SpawnRequest,
  Spawner,
} from './spawner';
import { networkJoined, onAttachedNetwork, ownContainerId } from './attached-networks';
import { StartTimeSpent, type SwarmClient, type SwarmNodeInfo } from './swarm-client';
import {
  appNetworkName,
  buildServiceSpec,
  serviceName,
  SWARM_IMAGE_LABEL,
  SWARM_NETWORK_LABEL,
  SWARM_PORT_LABEL,
} from './swarm-spec';
import {
  engineRefusal,
  isPassingRefusal,
  RETRY_PAUSE_MS,
  TASK_ATTEMPTS,
  taskFault,
  TaskNotRun,
} from './swarm-refusals';
import { latestTask, taskState, type Service, type Task } from './swarm-tasks';

export interface SwarmSpawnerSettings {
  realm: string;
  install: InstallIdentity;
  init: boolean;
  containerPort: number;
  startTimeoutMs: number;
  stopGraceSeconds: number;
  /** How often tasks are polled while starting, and by watch(). */
  pollMs: number;
  /** The hub's container; null when the hub runs on a host (then it cannot join overlays). */
  selfId?: string | null;
}

/** How long a removed app's network is retried: its container lingers 6-16 s after the service. */
const NETWORK_CLEANUP_MS = 60_000;

/**
 * Each app a Docker Swarm service with its own attachable overlay network, which the hub's
 * container joins (overlapped with the service create) and leaves after the app. The hub must
 * run as a container (images/hub): the host has no route to overlay subnets, and every target
 * is checked against this process's interfaces before it is handed out.
 */
export class SwarmSpawner implements Spawner {
  private readonly selfId: string | null;
  /** App networks this hub's container has joined (a restarted hub starts empty and re-joins). */
  private readonly attached = new Set<string>();

  constructor(
    /** Every engine call goes through it, under the hub's per-call deadline. */
    private readonly docker: SwarmClient,
    private readonly settings: SwarmSpawnerSettings,
    private readonly log: Logger,
  ) {
    this.selfId = settings.selfId === undefined ? ownContainerId() : settings.selfId;
  }

  /** Checks the engine is a swarm manager and the hub can join overlays; removes stale networks. */
  async init(): Promise<void> {
    await this.checkManager();
    this.requireSelf();
    await this.pruneNetworks();
  }

  private async checkManager(docker = this.docker): Promise<void> {
    let info: SwarmNodeInfo;
    try {
      info = await docker.info();
    } catch (err) {
      if (err instanceof DockerUnavailable) throw err;
      if (err instanceof StartTimeSpent) throw this.explain(err);
      throw new DockerUnavailable(`the Docker engine does not answer: ${dockerMessage(err)}`);
    }
    const state = info.Swarm?.LocalNodeState ?? 'unknown';
    if (state !== 'active' || info.Swarm?.ControlAvailable !== true) {
      throw new SpawnFailed(
        `spawner.class is swarm, but the Docker engine is not a swarm manager (swarm state: ${state}${state === 'active' ? ', a worker' : ''}); run \`docker swarm init\` there, point DOCKER_HOST at a manager, or set spawner.class to docker`,
        503,
        'swarm_unavailable',
      );
    }
  }

  private requireSelf(): string {
    if (!this.selfId) {
      throw new SpawnFailed(
        'spawner.class is swarm, but the hub does not run in a container: it could not join the apps\u2019 overlay networks, and the host has no route to them; run the hub image (npm run build:hub-image, config/swarm.md)',
        503,
        'swarm_needs_container',
      );
    }
    return this.selfId;
  }

  async start(req: SpawnRequest, onProgress: ProgressCallback): Promise<ContainerInfo> {
    const deadline = Date.now() + this.settings.startTimeoutMs;
    // Every engine call of the start ends by its deadline too; the clean-up after a failure
    // goes through this.docker, with whole per-call deadlines of its own.
    const docker = this.docker.within(deadline);
    onProgress('creating', 'creating the service');
    await this.checkManager(docker);
    const selfId = this.requireSelf();
    let image: Dockerode.ImageInspectInfo | null;
    try {
      image = await docker.inspectImage(req.image);
    } catch (err) {
      throw this.explain(err);
    }
    if (!image)
      throw new SpawnFailed(
        `the image ${req.image} is not present on the Docker host; an admin must load or build it`,
        503,
        'image_unavailable',
      );
    const port = chooseWebPort(image.Config?.ExposedPorts, this.settings.containerPort);
    const install = this.settings.install.id;
    const name = serviceName(this.settings.realm, req.user, req.mappingId, install);
    const network = appNetworkName(name, req.urlId);
    await this.removeLeftover(docker, name);
    let serviceId: string | null = null;
    try {
      const networkId = await docker.createOverlay({
        Name: network,
        Driver: 'overlay',
        Attachable: true,
        CheckDuplicate: true,
        Labels: {
          [LABELS.realm]: this.settings.realm,
          [LABELS.install]: install,
          [LABELS.urlId]: req.urlId,
        },
      });
      const spec = buildServiceSpec({ ...req, name, imageId: image.Id, networkId, network }, port, {
        realm: this.settings.realm,
        installId: install,
        init: this.settings.init,
        stopGraceSeconds: this.settings.stopGraceSeconds,
      });
      const create = (gone?: string) =>
        this.createService(
          docker,
          spec as Dockerode.CreateServiceOptions,
          req.urlId,
          deadline,
          gone,
        );
      // Joining a network takes most of a second: done while the service is being created.
      [serviceId] = await Promise.all([create(), this.join(docker, network, selfId, deadline)]);
      onProgress('starting', 'waiting for the task to run');
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.waitRunning(docker, serviceId, deadline);
        } catch (err) {
          if (!(err instanceof TaskNotRun) || err.fault !== 'cluster') throw err;
          if (attempt >= TASK_ATTEMPTS || Date.now() + RETRY_PAUSE_MS >= deadline) throw err;
          // A task the cluster failed before the app ran (a sandbox join, an attachment timing
          // out while the old app's network goes): a new service of the same spec gets a new
          // task, which a restart policy of none would never make.
          this.log.warn({ name, state: err.state, reason: err.reason }, 'task failed; again');
          const gone = serviceId;
          await docker.removeService(gone);
          serviceId = null;
          serviceId = await create(gone);
        }
      }
    } catch (err) {
      await this.removeApp(serviceId ?? name, network, true);
      throw this.explain(err);
    }
  }

  /**
   * Creates the service, asking again while the refusal is passing. A name still held is our
   * own old service on its way out (a restart's stop removed it a moment ago) or one whose
   * removal failed: ours is removed and waited for; one this hub did not make is refused. A 5xx
   * may come after the create went through: a service of the name for this url_id is that one,
   * unless it is `gone`, the one this start has just removed (its network is this start's own).
   */
  private async createService(
    docker: SwarmClient,
    spec: Dockerode.CreateServiceOptions,
    urlId: string,
    deadline: number,
    gone?: string,
  ): Promise<string> {
    const name = spec.Name as string;
    for (;;) {
      try {
        return await docker.createService(spec);
      } catch (err) {
        if (!isPassingRefusal(err)) throw err;
        this.log.warn({ name, err: dockerMessage(err) }, 'service create refused; again');
        const held = await docker.inspectService(name);
        if (held && held.ID === gone) await docker.removeService(held.ID);
        else if (held?.Spec?.Labels?.[LABELS.urlId] === urlId) return held.ID;
        else if (held && this.ownerOf(held) !== 'self') throw nameTaken(name);
        else if (held) await this.removeApp(held.ID, held.Spec?.Labels?.[SWARM_NETWORK_LABEL]);
        if (Date.now() + RETRY_PAUSE_MS >= deadline) throw err;
        await pause();
      }
    }
  }

  /** The hub's container joins the app's network, asking again while the refusal is passing. */
  private async join(
    docker: SwarmClient,
    network: string,
    selfId: string,
    deadline: number,
  ): Promise<void> {
    for (;;) {
      try {
        await docker.connectNetwork(network, selfId);
        this.joined(network);
        return;
      } catch (err) {
        if (!isPassingRefusal(err) || Date.now() + RETRY_PAUSE_MS >= deadline) throw err;
        this.log.warn(
          { network, err: dockerMessage(err) },
          'joining the app network refused; again',
        );
        await pause();
      }
    }
  }

  /** Polls the service's task until it runs (then its info), or fails at once when it cannot. */
  private async waitRunning(
    docker: SwarmClient,
    serviceId: string,
    deadline: number,
  ): Promise<ContainerInfo> {
    /** Where the start was when last seen, for one that runs out of time. */
    let last = 'service created';
    try {
      for (;;) {
        const found = await this.pollTask(docker, serviceId, deadline);
        if (typeof found !== 'string') return found;
        last = found;
        await new Promise((r) => setTimeout(r, this.settings.pollMs));
      }
    } catch (err) {
      if (err instanceof StartTimeSpent) throw this.startTimeout(`${last}; ${err.message}`);
      throw err;
    }
  }

  /** One look at the task: its info once it runs, else what it is doing (or why it failed). */
  private async pollTask(
    docker: SwarmClient,
    serviceId: string,
    deadline: number,
  ): Promise<ContainerInfo | string> {
    const service = await docker.inspectService(serviceId);
    if (!service)
      throw new SpawnFailed(
        'the service was removed before its task ran (the app was stopped while it started)',
        409,
        'service_removed',
      );
    const task = latestTask(await docker.listTasks({ service: [serviceId] }));
    const state = task?.Status?.State;
    if (state === 'running') {
      const info = this.toInfo(service, task);
      if (!info.target) throw this.unreachable(service, task);
      return info;
    }
    if (
      state &&
      ['rejected', 'failed', 'shutdown', 'orphaned', 'complete', 'remove'].includes(state)
    ) {
      const logs = await docker.serviceLogs(serviceId, 20).catch(() => '');
      const reason = task?.Status?.Err ?? task?.Status?.Message ?? 'no reason given';
      const name = service.Spec?.Name ?? serviceId;
      throw new TaskNotRun(state, reason, taskFault(state, reason), logTail(logs), name);
    }
    const doing = `task ${state ?? 'not scheduled'}${task?.Status?.Message ? `: ${task.Status.Message}` : ''}`;
    if (Date.now() >= deadline) throw this.startTimeout(doing);
    return doing;
  }

  /** The start's own time limit ran out; `doing` says where the start was. */
  private startTimeout(doing: string): SpawnFailed {
    return new SpawnFailed(
      `Swarm did not run the app within ${Math.round(this.settings.startTimeoutMs / 1000)} s (${doing}); raise spawner.start_timeout_seconds if the cluster is just slow`,
      504,
      'start_timeout',
    );
  }

  private unreachable(service: Service, task: Task | undefined): SpawnFailed {
    const ip = taskAddress(task, service.Spec?.Labels?.[SWARM_NETWORK_LABEL]);
    return new SpawnFailed(
      `the app's address ${ip ?? '(none)'} is not on a network the hub is attached to, so the hub refuses to send traffic to it; run the hub as a container that can join the app's overlay network (config/swarm.md)`,
      502,
      'target_unreachable',
    );
  }

  /** A service of this installation with the name (a hub that died mid-spawn) is removed first. */
  private async removeLeftover(docker: SwarmClient, name: string): Promise<void> {
    let existing: Service | null;
    try {
      existing = await docker.inspectService(name);
    } catch (err) {
      throw this.explain(err);
    }
    if (!existing) return;
    if (this.ownerOf(existing) !== 'self') throw nameTaken(name);
    this.log.info({ name }, 'removing leftover service with the same name');
    // Its network is named after its own url_id: no need to wait for it within the start.
    await this.removeApp(existing.ID, existing.Spec?.Labels?.[SWARM_NETWORK_LABEL]);
  }

  /**
   * Removes the service at once (the proxy's route goes with the caller), then the network: its
   * container lingers 6-16 s after the service, so the network is retried in the background.
   * An engine that does not answer or refuses fails the removal (the app may still run: a stop
   * that said otherwise would leave it running unlisted, and the next start of the grant would
   * find its name held) unless `quiet` (the clean-up after a failed start, whose own error is
   * the one to report).
   */
  private async removeApp(
    service: string,
    network: string | undefined,
    quiet = false,
  ): Promise<void> {
    try {
      await this.docker.removeService(service);
    } catch (err) {
      if (!quiet) throw this.explain(err);
      this.log.warn({ service, err: dockerMessage(err) }, 'service remove failed');
    }
    if (!network) return;
    void this.removeNetwork(network);
  }

  private async removeNetwork(network: string): Promise<void> {
    this.attached.delete(network);
    if (this.selfId)
      await this.docker
        .disconnectNetwork(network, this.selfId)
        .catch((err) =>
          this.log.warn({ network, err: dockerMessage(err) }, 'leaving the app network failed'),
        );
    const until = Date.now() + NETWORK_CLEANUP_MS;
    for (;;) {
      try {
        await this.docker.removeNetwork(network);
        return;
      } catch (err) {
        if (Date.now() >= until) {
          this.log.warn(
            { network, err: dockerMessage(err) },
            'app network not removed; the next start removes it',
          );
          return;
        }
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** Networks of this installation whose service is gone (the hub stopped mid-cleanup). */
  private async pruneNetworks(): Promise<void> {
    const nets = await this.docker.listNetworks([
      `${LABELS.realm}=${this.settings.realm}`,
      `${LABELS.install}=${this.settings.install.id}`,
    ]);
    if (!nets.length) return;
    const services = await this.docker.listServices([`${LABELS.realm}=${this.settings.realm}`]);
    const used = new Set(services.map((s) => s.Spec?.Labels?.[SWARM_NETWORK_LABEL]));
    for (const n of nets) if (!used.has(n.Name)) void this.removeNetwork(n.Name);
  }

  private explain(err: unknown): HubError {
    if (err instanceof HubError) return err;
    if (err instanceof StartTimeSpent) return this.startTimeout(err.message);
    const msg = dockerMessage(err);
    if (!statusOf(err)) return new DockerUnavailable(`the Docker engine does not answer: ${msg}`);
    const refusal = engineRefusal(err);
    this.log[refusal.status >= 500 ? 'error' : 'warn'](
      { status: statusOf(err), code: refusal.code, err: msg },
      'swarm refused the service',
    );
    return refusal;
  }

  private async own(urlId: string): Promise<Service[]> {
    let found: Service[];
    try {
      found = await this.docker.listServices(labelFilter(this.settings.realm, { urlId }));
    } catch (err) {
      throw this.explain(err);
    }
    return found.filter((s) => this.ownerOf(s) === 'self');
  }

  private ownerOf(s: Service) {
    return ownerOf(
      this.settings.install,
      s.Spec?.Labels?.[LABELS.install],
      s.CreatedAt ? new Date(s.CreatedAt) : null,
    );
  }

  async stop(urlId: string): Promise<void> {
    for (const s of await this.own(urlId))
      await this.removeApp(s.ID, s.Spec?.Labels?.[SWARM_NETWORK_LABEL]);
  }

  async inspect(urlId: string): Promise<ContainerInfo | null> {
    const [service] = await this.own(urlId);
    return service ? this.infoOf(service) : null;
  }

  async list(filter?: ContainerFilter): Promise<ContainerInfo[]> {
    let services: Service[];
    let tasks: Task[];
    try {
      const labels = labelFilter(this.settings.realm, filter);
      // Two calls whatever the number of apps: tasks carry their service's labels.
      [services, tasks] = await Promise.all([
        this.docker.listServices(labels),
        this.docker.listTasks({ label: labels }),
      ]);
    } catch (err) {
      throw this.explain(err);
    }
    const byService = new Map<string, Task[]>();
    for (const t of tasks)
      byService.set(t.ServiceID ?? '', [...(byService.get(t.ServiceID ?? '') ?? []), t]);
    return Promise.all(services.map((s) => this.infoOf(s, byService.get(s.ID) ?? [])));
  }

  /** The hub's container is on `network` now: its addresses read as attached at once. */
  private joined(network: string): void {
    this.attached.add(network);
    networkJoined();
  }

  /** Reads the newest task; after a hub restart its container joins the app network again. */
  private async infoOf(service: Service, known?: Task[]): Promise<ContainerInfo> {
    const tasks = known ?? (await this.docker.listTasks({ service: [service.ID] }));
    const task = latestTask(tasks);
    const network = service.Spec?.Labels?.[SWARM_NETWORK_LABEL];
    if (
      task?.Status?.State === 'running' &&
      this.selfId &&
      network &&
      !this.attached.has(network) &&
      this.ownerOf(service) === 'self'
    ) {
      await this.docker.connectNetwork(network, this.selfId).then(
        () => this.joined(network),
        (err) =>
          this.log.warn({ network, err: dockerMessage(err) }, 'joining the app network failed'),
      );
    }
    return this.toInfo(service, task);
  }

  async logs(urlId: string, tail: number): Promise<string> {
    const [service] = await this.own(urlId);
    if (!service) return '';
    return this.docker.serviceLogs(service.ID, tail);
  }

  /**
   * Swarm has no task events and container events are local to a node: tasks of the realm are
   * polled and a change from running to anything else (or a vanished service) is reported.
   */
  watch(listener: EventListener): () => void {
    const known = new Map<string, { id: string; running: boolean }>();
    let connected: boolean | null = null;
    let stopped = false;
    const poll = async () => {
      try {
        const infos = await this.list();
        if (connected !== true) listener.onConnection((connected = true));
        const seen = new Set<string>();
        for (const info of infos) {
          seen.add(info.urlId);
          const running = info.state === 'running';
          const before = known.get(info.urlId);
          if (before?.running && !running)
            listener.onEvent({
              kind: 'died',
              urlId: info.urlId,
              containerId: info.id,
              exitCode: info.exitCode,
            });
          known.set(info.urlId, { id: info.id, running });
        }
        for (const [urlId, k] of known) {
          if (seen.has(urlId)) continue;
          known.delete(urlId);
          listener.onEvent({ kind: 'removed', urlId, containerId: k.id, exitCode: null });
        }
      } catch {
        if (connected !== false) listener.onConnection((connected = false));
      }
    };
    let timer: NodeJS.Timeout | null = null;
    const loop = async () => {
      await poll();
      if (!stopped) timer = setTimeout(() => void loop(), this.settings.pollMs * 5);
      timer?.unref();
    };
    void loop();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }

  async ping(): Promise<boolean> {
    try {
      await this.docker.ping();
      return true;
    } catch {
      return false;
    }
  }

  private toInfo(service: Service, task: Task | undefined): ContainerInfo {
    const labels = service.Spec?.Labels ?? {};
    const port = Number(labels[SWARM_PORT_LABEL] ?? this.settings.containerPort);
    const state: ContainerState = taskState(task);
    const ip = state === 'running' ? taskAddress(task, labels[SWARM_NETWORK_LABEL]) : null;
    // The one place a target is handed out: only an address on a network this process is on.
    const target = ip && onAttachedNetwork(ip) ? `http://${ip}:${port}` : null;
    const exitCode = task?.Status?.ContainerStatus?.ExitCode;
    const specImage = (service.Spec?.TaskTemplate?.ContainerSpec?.Image ?? '').split('@')[0];
    return {
      id: service.ID,
      name: service.Spec?.Name ?? '',
      urlId: labels[LABELS.urlId] ?? '',
      user: labels[LABELS.user] ?? '',
      mappingId: labels[LABELS.mappingId] ?? '',
      // Services older than the image label know only the id they run.
      image: labels[SWARM_IMAGE_LABEL] ?? specImage,
      // Services are created from the image id (swarm-spec.ts): the spec says what the task runs.
      imageId: IMAGE_ID.test(specImage) ? specImage : null,
      state,
      target,
      startedAt:
        state === 'running' && task?.Status?.Timestamp ? new Date(task.Status.Timestamp) : null,
      exitCode: state === 'running' ? null : typeof exitCode === 'number' ? exitCode : null,
      owner: this.ownerOf(service),
      warm: labels[LABELS.warm] === '1',
    };
  }
}

/** A local image id as the engine writes it. */
const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/** The task's address on the app network (NetworksAttachments carry CIDR addresses). */
function taskAddress(task: Task | undefined, network: string | undefined): string | null {
  for (const a of task?.NetworksAttachments ?? []) {
    if (network && a.Network?.Spec?.Name !== network) continue;
    const addr = a.Addresses?.[0];
    if (addr) return addr.split('/')[0];
  }
  return null;
}

function pause(): Promise<void> {
  return new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
}

function nameTaken(name: string): SpawnFailed {
  return new SpawnFailed(
    `the service name ${name} is taken by a service this hub did not create; remove it with \`docker service rm ${name}\` if it is not needed`,
    409,
    'name_taken',
  );
}
