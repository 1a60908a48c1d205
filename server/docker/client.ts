// First: it must run before dockerode is loaded (it defers two parts dockerode loads eagerly).
import './deferred-modules';
import Docker from 'dockerode';
import { withDeadline } from './deadline';

/**
 * dockerode's types, for the thin clients that speak the engine's verbs (the catalogue's
 * discovery, the spawners): no file outside server/docker imports dockerode itself
 * (test/unit/docker/dockerode-imports.test.ts), so there is one client and one way to build it.
 */
export type { default as Dockerode } from 'dockerode';

const HINT =
  'the Docker engine is hung or overloaded; raise spawner.docker_timeout_seconds if it is just slow';

export interface DockerHealth {
  ok: boolean;
  version?: string;
  error?: string;
}

/**
 * The hub's one Docker client: one connection setting (DOCKER_HOST or `docker.socket`), one
 * deadline for every call (`call`), one way to open an event stream (`openEvents`, whose
 * reconnecting is EventStream's). Built once by the core and handed to the catalogue, the
 * spawner, /health and the CLI: a hung engine fails each of them with the same clear error
 * within the deadline, instead of hanging a catalogue refresh or a start.
 */
export class HubDocker {
  constructor(
    /** dockerode itself: reached only through `call` and `openEvents`, so never without the deadline. */
    private readonly api: Docker,
    /** Per-call deadline (spawner.docker_timeout_seconds); a slower engine counts as down. */
    readonly timeoutMs: number,
  ) {}

  /** One Docker call with the deadline; `fn` gets the AbortSignal to hand to dockerode. */
  call<T>(
    verb: string,
    fn: (api: Docker, signal: AbortSignal) => Promise<T>,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    return withDeadline(verb, timeoutMs, HINT, (signal) => fn(this.api, signal));
  }

  /**
   * Opens the engine's /events stream (JSON lines). The deadline covers the opening only (an
   * engine that accepts and never answers must not leave the follower waiting forever); the
   * stream itself lives until `signal` ends it.
   */
  async openEvents(
    filters: Record<string, string[]>,
    signal: AbortSignal,
  ): Promise<NodeJS.ReadableStream> {
    const opened = new AbortController();
    const onAbort = () => opened.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await withDeadline('events', this.timeoutMs, HINT, (deadline) => {
        deadline.addEventListener('abort', () => opened.abort(deadline.reason), { once: true });
        return this.api.getEvents({ filters, abortSignal: opened.signal });
      });
    } catch (err) {
      signal.removeEventListener('abort', onAbort);
      opened.abort(err);
      throw err;
    }
  }

  /** Pings the engine with a short deadline: a stuck engine must not stall /health. */
  async health(timeoutMs = 2000): Promise<DockerHealth> {
    try {
      const version = await this.call('version', (api) => api.version(), timeoutMs);
      return { ok: true, version: version.Version };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }
}

/**
 * The engine the hub drives: DOCKER_HOST when set (tcp://, unix://, ssh://), else the socket
 * from the config. A `unix://` DOCKER_HOST is read from `env` here; the other forms go to
 * dockerode, which reads them, with their TLS and SSH variables, from the process environment
 * (the same as `env` for a hub process; a test that gives the core an environment of its own
 * can point it at another socket with `unix://`).
 */
export function createDockerClient(
  socketPath: string,
  timeoutMs: number,
  env = process.env,
): HubDocker {
  const host = env.DOCKER_HOST;
  if (!host) return new HubDocker(new Docker({ socketPath }), timeoutMs);
  if (host.startsWith('unix://'))
    return new HubDocker(new Docker({ socketPath: host.slice(7) || socketPath }), timeoutMs);
  return new HubDocker(new Docker(), timeoutMs);
}
