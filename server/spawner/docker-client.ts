import type { Dockerode, HubDocker } from '../docker/client';
import { DockerTimeout } from '../docker/deadline';
import { ServiceUnavailable } from '../errors';
import type { Logger } from '../log';

/**
 * A thin client over dockerode: one method per Docker verb, each logging before and after with
 * the container id, and rethrowing. Two kinds of Docker answers are facts, not failures
 * (DockerSpawner's `remove_object`): 404 "already gone" and 409 "already being removed"; 304
 * "already started/stopped" likewise. An engine that does not answer becomes DockerUnavailable,
 * which the API renders as a 503 naming the problem.
 */

/** The engine is unreachable or too slow; the hub keeps serving and retries later. */
export class DockerUnavailable extends ServiceUnavailable {
  constructor(detail: string) {
    super(
      `the Docker engine is not available (${detail}); containers cannot be started or stopped until it is back`,
      'docker_unavailable',
      10,
    );
  }
}

/** Error shape dockerode rejects with when the engine answered with an error status. */
interface DockerApiError {
  statusCode?: number;
  json?: { message?: string } | null;
  reason?: string;
  code?: string;
  name?: string;
  message?: string;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EACCES',
]);

export function statusOf(err: unknown): number | undefined {
  return (err as DockerApiError)?.statusCode;
}

/** The engine's own message for an API error (e.g. "Conflict. The container name ... is already in use"). */
export function dockerMessage(err: unknown): string {
  const e = err as DockerApiError;
  return e?.json?.message ?? e?.reason ?? e?.message ?? String(err);
}

function isConnectionError(err: unknown): boolean {
  const e = err as DockerApiError;
  return (
    (e?.code !== undefined && CONNECTION_CODES.has(e.code)) ||
    e?.name === 'AbortError' ||
    e?.name === 'TimeoutError' ||
    /socket hang up/i.test(e?.message ?? '')
  );
}

/**
 * "Cannot talk to the engine" (no answer within the deadline, a refused or broken connection)
 * as DockerUnavailable, which the edge renders as a 503; an answer from the engine (404, 409,
 * 500 ...) is returned as it came, for the caller to judge. Shared by the Docker and Swarm
 * clients so a hung engine reads the same whichever spawner runs.
 */
export function asEngineError(verb: string, err: unknown): unknown {
  if (!isConnectionError(err)) return err;
  return new DockerUnavailable(
    err instanceof DockerTimeout
      ? err.message
      : `${verb}: ${(err as DockerApiError).code ?? dockerMessage(err)}`,
  );
}

/** How often a removal under way elsewhere is checked. */
const REMOVAL_POLL_MS = 100;

export type ContainerSummary = Dockerode.ContainerInfo;
export type ContainerDetails = Dockerode.ContainerInspectInfo;
export type ImageDetails = Dockerode.ImageInspectInfo;

export class DockerClient {
  /** Per-call deadline (the hub client's); a slower engine counts as down. */
  private readonly timeoutMs: number;

  constructor(
    /** The hub's one client: the engine is reached only through its deadline. */
    private readonly hub: HubDocker,
    protected readonly log: Logger,
  ) {
    this.timeoutMs = hub.timeoutMs;
  }

  /** Runs one call with the hub's deadline; "cannot talk to the engine" is DockerUnavailable. */
  protected async call<T>(
    verb: string,
    id: string | undefined,
    fn: (api: Dockerode, signal: AbortSignal) => Promise<T>,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    try {
      return await this.hub.call(verb, fn, timeoutMs);
    } catch (err) {
      throw this.unreachable(verb, id, err);
    }
  }

  private unreachable(verb: string, id: string | undefined, err: unknown): unknown {
    const mapped = asEngineError(verb, err);
    if (mapped instanceof DockerUnavailable)
      this.log.warn({ verb, id, err: dockerMessage(err) }, 'docker unreachable');
    return mapped;
  }

  async ping(): Promise<void> {
    await this.call('ping', undefined, (api) => api.ping());
  }

  async listContainers(labels: string[], all = true): Promise<ContainerSummary[]> {
    return this.call('list', undefined, (api, abortSignal) =>
      api.listContainers({ all, filters: { label: labels }, abortSignal }),
    );
  }

  /** null when there is no such container (404). */
  async inspectContainer(id: string): Promise<ContainerDetails | null> {
    try {
      return await this.call('inspect', id, (api, abortSignal) =>
        api.getContainer(id).inspect({ abortSignal }),
      );
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  /** null when the image is not present locally (404). */
  async inspectImage(ref: string): Promise<ImageDetails | null> {
    try {
      return await this.call('inspect image', ref, (api) => api.getImage(ref).inspect());
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  async createContainer(
    opts: Dockerode.ContainerCreateOptions,
    timeoutMs?: number,
  ): Promise<string> {
    this.log.debug({ name: opts.name, image: opts.Image }, 'creating container');
    const c = await this.call(
      'create',
      opts.name,
      (api, abortSignal) => api.createContainer({ ...opts, abortSignal }),
      timeoutMs,
    );
    this.log.info({ id: c.id, name: opts.name }, 'container created');
    return c.id;
  }

  async startContainer(id: string, timeoutMs?: number): Promise<void> {
    this.log.debug({ id }, 'starting container');
    try {
      await this.call(
        'start',
        id,
        (api, abortSignal) => api.getContainer(id).start({ abortSignal }),
        timeoutMs,
      );
    } catch (err) {
      if (statusOf(err) !== 304) throw err; // 304: already running
    }
    this.log.info({ id }, 'container started');
  }

  /** Stops with a grace period; already stopped (304) or gone (404) is fine. */
  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    this.log.debug({ id }, 'stopping container');
    try {
      await this.call(
        'stop',
        id,
        (api, abortSignal) => api.getContainer(id).stop({ t: graceSeconds, abortSignal }),
        this.timeoutMs + graceSeconds * 1000,
      );
    } catch (err) {
      const status = statusOf(err);
      if (status !== 304 && status !== 404) throw err;
      this.log.debug({ id, status }, 'container already stopped or gone');
    }
    this.log.info({ id }, 'container stopped');
  }

  /**
   * Force-removes and resolves once the container is gone. Already gone (404) is fine; already
   * being removed (409, by a concurrent call) is waited out: until the engine has removed it,
   * it still holds its name, and a start that reuses the name would meet a conflict.
   */
  async removeContainer(id: string): Promise<void> {
    this.log.debug({ id }, 'removing container');
    try {
      await this.call('remove', id, (api, abortSignal) =>
        api.getContainer(id).remove({ force: true, v: true, abortSignal }),
      );
    } catch (err) {
      const status = statusOf(err);
      if (status !== 404 && status !== 409) throw err;
      if (status === 409) await this.removed(id);
      this.log.debug({ id, status }, 'container already gone or being removed');
    }
    this.log.info({ id }, 'container removed');
  }

  /** Waits until the engine no longer has the container (at most one call deadline). */
  private async removed(id: string): Promise<void> {
    const end = Date.now() + this.timeoutMs;
    while (await this.inspectContainer(id)) {
      if (Date.now() > end)
        throw new DockerUnavailable(
          `container ${id.slice(0, 12)} still being removed after ${Math.round(this.timeoutMs / 1000)} s; raise spawner.docker_timeout_seconds if the engine is just slow`,
        );
      await new Promise((r) => setTimeout(r, REMOVAL_POLL_MS));
    }
  }

  /** The last `tail` lines of stdout+stderr as text (the multiplexed stream decoded). */
  async logs(id: string, tail: number): Promise<string> {
    const raw = await this.call('logs', id, (api, abortSignal) =>
      api.getContainer(id).logs({ stdout: true, stderr: true, tail, follow: false, abortSignal }),
    );
    return demuxLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
  }

  async inspectNetwork(name: string): Promise<Dockerode.NetworkInspectInfo | null> {
    try {
      return await this.call('inspect network', name, (api) => api.getNetwork(name).inspect());
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  async createNetwork(opts: Dockerode.NetworkCreateOptions): Promise<void> {
    this.log.info({ network: opts.Name }, 'creating network');
    try {
      await this.call('create network', opts.Name, (api, abortSignal) =>
        api.createNetwork({ ...opts, abortSignal }),
      );
    } catch (err) {
      // 409: another hub of the same engine created it a moment ago.
      if (statusOf(err) !== 409) throw err;
    }
  }

  /** Networks carrying every one of `labels` (`key=value`). */
  async listNetworks(labels: string[]): Promise<Dockerode.NetworkInspectInfo[]> {
    return this.call('list networks', undefined, (api, abortSignal) =>
      api.listNetworks({ filters: { label: labels }, abortSignal }),
    );
  }

  /**
   * Connects `container` to `network`; already connected is fine (Docker 20.10 answers 403
   * "already exists").
   */
  async connectNetwork(network: string, container: string): Promise<void> {
    this.log.debug({ network, id: container }, 'connecting to network');
    try {
      await this.call('connect network', network, (api, abortSignal) =>
        api
          .getNetwork(network)
          .connect({ Container: container, abortSignal } as Dockerode.NetworkConnectOptions),
      );
    } catch (err) {
      if (!/already exists|already attached/i.test(dockerMessage(err))) throw err;
    }
    this.log.info({ network, id: container }, 'connected to network');
  }

  /** Disconnects `container`; not connected, or either of them gone, is fine. */
  async disconnectNetwork(network: string, container: string): Promise<void> {
    try {
      await this.call('disconnect network', network, (api, abortSignal) =>
        api.getNetwork(network).disconnect({ Container: container, Force: true, abortSignal }),
      );
    } catch (err) {
      if (statusOf(err) !== 404 && !/not connected/i.test(dockerMessage(err))) throw err;
    }
  }

  /** Removes a network; already gone (404) is fine. */
  async removeNetwork(network: string): Promise<void> {
    try {
      await this.call('remove network', network, (api, abortSignal) =>
        api.getNetwork(network).remove({ abortSignal }),
      );
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    this.log.info({ network }, 'network removed');
  }

  /**
   * The raw event stream (JSON lines), opened by the hub client: its opening has the deadline (a
   * hung engine fails it, and EventStream reconnects later), the stream lives until `signal`.
   */
  async events(
    filters: Record<string, string[]>,
    signal: AbortSignal,
  ): Promise<NodeJS.ReadableStream> {
    try {
      return await this.hub.openEvents(filters, signal);
    } catch (err) {
      throw this.unreachable('events', undefined, err);
    }
  }
}

/**
 * Docker multiplexes stdout and stderr of a non-TTY container in frames: 1 byte stream, 3 zero
 * bytes, 4 bytes big-endian length, payload. A buffer that does not look framed (TTY) is text.
 */
export function demuxLogs(buf: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const stream = buf[i];
    if (stream > 2 || buf[i + 1] !== 0 || buf[i + 2] !== 0 || buf[i + 3] !== 0) {
      return buf.toString('utf8');
    }
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  if (i < buf.length && parts.length === 0) return buf.toString('utf8');
  return Buffer.concat(parts).toString('utf8');
}
