import type { Dockerode, HubDocker } from '../docker/client';
import type { Logger } from '../log';
import { asEngineError, dockerMessage, statusOf } from './docker-client';
import { demuxLogs, type Service, type Task } from './swarm-tasks';

/** What `docker info` says about this node's place in a swarm (the fields read). */
export interface SwarmNodeInfo {
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean };
}

/** Verbs whose `abortSignal` dockerode honours though its types leave it out. */
interface Signalled {
  info(opts: { abortSignal: AbortSignal }): Promise<SwarmNodeInfo>;
  ping(opts: { abortSignal: AbortSignal }): Promise<unknown>;
}
interface SignalledLogs {
  logs(opts: {
    stdout: boolean;
    stderr: boolean;
    tail: number;
    follow: false;
    abortSignal: AbortSignal;
  }): Promise<Buffer | string>;
}

/**
 * The Swarm spawner's thin client: one method per engine verb, each through the hub client's
 * deadline (`HubDocker.call`), so a hung engine fails every Swarm call with "no answer to <verb>
 * within N s" as DockerUnavailable (503 at the edge), as it does the Docker spawner's. Answers
 * that are facts, not failures, are absorbed here: a service or network already gone (404), a
 * network already joined or left.
 */
export class SwarmClient {
  constructor(
    private readonly hub: HubDocker,
    private readonly log: Logger,
  ) {}

  private async call<T>(verb: string, fn: (api: Dockerode, signal: AbortSignal) => Promise<T>) {
    try {
      return await this.hub.call(verb, fn);
    } catch (err) {
      throw asEngineError(verb, err);
    }
  }

  info(): Promise<SwarmNodeInfo> {
    return this.call('info', (api, abortSignal) =>
      (api as unknown as Signalled).info({ abortSignal }),
    );
  }

  async ping(): Promise<void> {
    await this.call('ping', (api, abortSignal) =>
      (api as unknown as Signalled).ping({ abortSignal }),
    );
  }

  /** null when the image is not on the node (404). */
  async inspectImage(ref: string): Promise<Dockerode.ImageInspectInfo | null> {
    try {
      // dockerode's image inspect takes no signal; the deadline's race still bounds it.
      return await this.call('inspect image', (api) => api.getImage(ref).inspect());
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  /** The new network's id. */
  async createNetwork(opts: Dockerode.NetworkCreateOptions): Promise<string> {
    this.log.debug({ network: opts.Name }, 'creating network');
    const net = await this.call('create network', (api, abortSignal) =>
      api.createNetwork({ ...opts, abortSignal }),
    );
    return net.id;
  }

  /** Removes a network; already gone (404) is done. In use (its task lingers) throws. */
  async removeNetwork(network: string): Promise<void> {
    try {
      await this.call('remove network', (api, abortSignal) =>
        api.getNetwork(network).remove({ abortSignal }),
      );
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }

  listNetworks(labels: string[]): Promise<Dockerode.NetworkInspectInfo[]> {
    return this.call('list networks', (api, abortSignal) =>
      api.listNetworks({ filters: { label: labels }, abortSignal }),
    );
  }

  /** Connects a container; already connected is done (Docker 20.10 answers 403 "already exists"). */
  async connectNetwork(network: string, container: string): Promise<void> {
    try {
      await this.call('connect network', (api, abortSignal) =>
        api
          .getNetwork(network)
          .connect({ Container: container, abortSignal } as Dockerode.NetworkConnectOptions),
      );
    } catch (err) {
      if (!/already exists|already attached/i.test(dockerMessage(err))) throw err;
    }
  }

  /** Disconnects a container; not connected, or either of them gone, is done. */
  async disconnectNetwork(network: string, container: string): Promise<void> {
    try {
      await this.call('disconnect network', (api, abortSignal) =>
        api.getNetwork(network).disconnect({ Container: container, Force: true, abortSignal }),
      );
    } catch (err) {
      if (statusOf(err) !== 404 && !/not connected/i.test(dockerMessage(err))) throw err;
    }
  }

  /** The new service's id. */
  async createService(spec: Dockerode.CreateServiceOptions): Promise<string> {
    this.log.debug({ name: spec.Name }, 'creating service');
    const created = await this.call('create service', (api, abortSignal) =>
      api.createService({ ...spec, abortSignal } as Dockerode.CreateServiceOptions),
    );
    const id = (created as { id?: string; ID?: string }).id ?? (created as { ID: string }).ID;
    this.log.info({ id, name: spec.Name }, 'service created');
    return id;
  }

  /** null when there is no such service (404); `ref` is an id or a name. */
  async inspectService(ref: string): Promise<Service | null> {
    try {
      return (await this.call('inspect service', (api, abortSignal) =>
        api.getService(ref).inspect({ abortSignal }),
      )) as Service;
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  /** Removes a service; already gone (404) is done. */
  async removeService(id: string): Promise<void> {
    try {
      await this.call('remove service', (api, abortSignal) =>
        api.getService(id).remove({ abortSignal }),
      );
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    this.log.info({ id }, 'service removed');
  }

  async listServices(labels: string[]): Promise<Service[]> {
    return (await this.call('list services', (api, abortSignal) =>
      api.listServices({ filters: { label: labels }, abortSignal }),
    )) as unknown as Service[];
  }

  /** Tasks by label (`label`) or of one service (`service`). */
  async listTasks(filters: { label: string[] } | { service: string[] }): Promise<Task[]> {
    return (await this.call('list tasks', (api, abortSignal) =>
      api.listTasks({ filters, abortSignal }),
    )) as Task[];
  }

  /** The last `tail` lines of the service's stdout+stderr as text. */
  async serviceLogs(id: string, tail: number): Promise<string> {
    const raw = await this.call('service logs', (api, abortSignal) =>
      (api.getService(id) as unknown as SignalledLogs).logs({
        stdout: true,
        stderr: true,
        tail,
        follow: false,
        abortSignal,
      }),
    );
    return demuxLogs(raw);
  }
}
