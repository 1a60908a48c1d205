import type { Dockerode, HubDocker } from '../docker/client';
import type { Logger } from '../log';
import { DockerClient, statusOf } from './docker-client';
import { demuxLogs, type Service, type Task } from './swarm-tasks';

/** What `docker info` says about this node's place in a swarm (the fields read). */
export interface SwarmNodeInfo {
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean };
}

/** A call of a start (`SwarmClient.within`) that the start's own time limit ended. */
export class StartTimeSpent extends Error {
  constructor(readonly verb: string) {
    super(`the start's time ran out during ${verb}`);
  }
}

/** Verbs whose `abortSignal` dockerode honours though its types leave it out. */
interface Signalled {
  info(opts: { abortSignal: AbortSignal }): Promise<SwarmNodeInfo>;
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
 * The Swarm spawner's client: the Docker spawner's (images, networks, ping) plus the Swarm verbs,
 * one method per engine verb, each through the hub client's
 * deadline (`HubDocker.call`), so a hung engine fails every Swarm call with "no answer to <verb>
 * within N s" as DockerUnavailable (503 at the edge), as it does the Docker spawner's. Answers
 * that are facts, not failures, are absorbed here: a service or network already gone (404), a
 * network already joined or left.
 */
export class SwarmClient extends DockerClient {
  /** The hub's per-call deadline. */
  private readonly perCallMs: number;
  /** Epoch ms by which this view's calls end too (`within`); none for the spawner's own client. */
  private endsBy = Infinity;

  constructor(hub: HubDocker, log: Logger) {
    super(hub, log);
    this.perCallMs = hub.timeoutMs;
  }

  /**
   * This client with every call also cut at `at` (epoch ms): the calls of a start share the
   * start's budget, so one that hangs near its end fails when the budget is spent rather than a
   * whole per-call deadline later. A call cut that way, or asked for with no time left, fails
   * with StartTimeSpent.
   */
  within(at: number): SwarmClient {
    const view = Object.create(this) as SwarmClient;
    view.endsBy = at;
    return view;
  }

  protected override async call<T>(
    verb: string,
    id: string | undefined,
    fn: (api: Dockerode, signal: AbortSignal) => Promise<T>,
    timeoutMs = this.perCallMs,
  ): Promise<T> {
    const left = this.endsBy - Date.now();
    if (left >= timeoutMs) return super.call(verb, id, fn, timeoutMs);
    if (left <= 0) throw new StartTimeSpent(verb);
    // The deadline aborts the call's signal when it fires: that tells a cut from any other error.
    let cut = false;
    try {
      return await super.call(
        verb,
        id,
        (api, signal) => {
          signal.addEventListener('abort', () => (cut = true), { once: true });
          return fn(api, signal);
        },
        left,
      );
    } catch (err) {
      if (cut) throw new StartTimeSpent(verb);
      throw err;
    }
  }

  info(): Promise<SwarmNodeInfo> {
    return this.call('info', undefined, (api, abortSignal) =>
      (api as unknown as Signalled).info({ abortSignal }),
    );
  }

  /** Creates an overlay (or any) network; the new network's id. A name taken (409) throws. */
  async createOverlay(opts: Dockerode.NetworkCreateOptions): Promise<string> {
    this.log.debug({ network: opts.Name }, 'creating network');
    const net = await this.call('create network', undefined, (api, abortSignal) =>
      api.createNetwork({ ...opts, abortSignal }),
    );
    return net.id;
  }

  /** The new service's id. */
  async createService(spec: Dockerode.CreateServiceOptions): Promise<string> {
    this.log.debug({ name: spec.Name }, 'creating service');
    const created = await this.call('create service', undefined, (api, abortSignal) =>
      api.createService({ ...spec, abortSignal } as Dockerode.CreateServiceOptions),
    );
    const id = (created as { id?: string; ID?: string }).id ?? (created as { ID: string }).ID;
    this.log.info({ id, name: spec.Name }, 'service created');
    return id;
  }

  /** null when there is no such service (404); `ref` is an id or a name. */
  async inspectService(ref: string): Promise<Service | null> {
    try {
      return (await this.call('inspect service', undefined, (api, abortSignal) =>
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
      await this.call('remove service', undefined, (api, abortSignal) =>
        api.getService(id).remove({ abortSignal }),
      );
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    this.log.info({ id }, 'service removed');
  }

  async listServices(labels: string[]): Promise<Service[]> {
    return (await this.call('list services', undefined, (api, abortSignal) =>
      api.listServices({ filters: { label: labels }, abortSignal }),
    )) as unknown as Service[];
  }

  /** Tasks by label (`label`) or of one service (`service`). */
  async listTasks(filters: { label: string[] } | { service: string[] }): Promise<Task[]> {
    return (await this.call('list tasks', undefined, (api, abortSignal) =>
      api.listTasks({ filters, abortSignal }),
    )) as Task[];
  }

  /** The last `tail` lines of the service's stdout+stderr as text. */
  async serviceLogs(id: string, tail: number): Promise<string> {
    const raw = await this.call('service logs', undefined, (api, abortSignal) =>
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
