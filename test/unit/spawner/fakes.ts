import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DockerUnavailable } from '../../../server/spawner/docker-client';
import type { GrantInfo, GrantSource } from '../../../server/spawner/grant-source';
import type {
  ContainerFilter,
  ContainerInfo,
  EventListener,
  ProgressCallback,
  SpawnRequest,
  Spawner,
} from '../../../server/spawner/spawner';

/** An HTTP app that answers every path with `status` (a container's web server, in memory). */
export async function fakeApp(
  status = 200,
): Promise<{ target: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.statusCode = status;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    target: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/**
 * A spawner whose containers "run" at once and point at `target`. Behaviour switches make the
 * slow, failing and engine-down variants (JupyterHub tests/mocking.py style).
 */
export class InstantSpawner implements Spawner {
  containers = new Map<string, ContainerInfo & { env: Record<string, string> }>();
  requests: SpawnRequest[] = [];
  /** Every url_id the manager asked to stop (also those the contract then leaves alone). */
  stops: string[] = [];
  listener: EventListener | null = null;
  /** When set, start waits for this promise (a slow engine). */
  gate: Promise<void> | null = null;
  /** When set, start throws it (Docker refused). */
  failWith: Error | null = null;
  /** Engine down: every call throws DockerUnavailable. */
  down = false;
  logText = 'app log line\n';
  /** Image reference → the id its containers report; `sha256:id-of-<ref>` when not set. */
  imageIds = new Map<string, string>();

  constructor(public target: string) {}

  private check(): void {
    if (this.down) throw new DockerUnavailable('connect ECONNREFUSED');
  }

  async init(): Promise<void> {
    this.check();
  }

  async start(req: SpawnRequest, onProgress: ProgressCallback): Promise<ContainerInfo> {
    this.check();
    this.requests.push(req);
    onProgress('creating', 'creating');
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    onProgress('starting', 'starting');
    const info = {
      id: `c-${req.urlId}`,
      name: `app-${req.user}-${req.mappingId}`,
      urlId: req.urlId,
      user: req.user,
      mappingId: req.mappingId,
      image: req.image,
      imageId: this.imageIds.get(req.image) ?? `sha256:id-of-${req.image}`,
      state: 'running' as const,
      target: this.target,
      startedAt: new Date(),
      exitCode: null,
      owner: 'self' as const,
      env: req.env,
    };
    this.containers.set(req.urlId, info);
    return info;
  }

  /** The contract: only this installation's containers are stopped or inspected. */
  private own(urlId: string) {
    const c = this.containers.get(urlId);
    return c?.owner === 'self' ? c : undefined;
  }

  async stop(urlId: string): Promise<void> {
    this.check();
    this.stops.push(urlId);
    if (this.own(urlId)) this.containers.delete(urlId);
  }

  async inspect(urlId: string): Promise<ContainerInfo | null> {
    this.check();
    return this.own(urlId) ?? null;
  }

  /** When set, list answers (with what ran when it was asked) only once this resolves. */
  listGate: Promise<void> | null = null;

  async list(filter: ContainerFilter = {}): Promise<ContainerInfo[]> {
    this.check();
    const found = [...this.containers.values()].filter(
      (c) =>
        (!filter.user || c.user === filter.user) &&
        (!filter.mappingId || c.mappingId === filter.mappingId),
    );
    if (this.listGate) await this.listGate;
    return found.map((c) => ({ ...c }));
  }

  async logs(): Promise<string> {
    return this.logText;
  }

  watch(listener: EventListener): () => void {
    this.listener = listener;
    return () => {
      this.listener = null;
    };
  }

  async ping(): Promise<boolean> {
    return !this.down;
  }

  /** Simulates `docker kill`: the container exits and the engine says so. */
  kill(urlId: string, exitCode = 137): void {
    const c = this.containers.get(urlId);
    if (c) Object.assign(c, { state: 'exited', target: null, exitCode });
    this.listener?.onEvent({ kind: 'died', urlId, containerId: c?.id ?? '', exitCode });
  }
}

/** Grants in memory. */
export class MemoryGrants implements GrantSource {
  grants = new Map<string, GrantInfo>();

  add(
    mappingId: string,
    user: string,
    userId: number,
    policy: Partial<GrantInfo['policy']> = {},
    image = 'app:1',
  ): GrantInfo {
    const g: GrantInfo = {
      mappingId,
      user,
      userId,
      fullName: null,
      userDisabled: false,
      image,
      policy: {
        allow_home: false,
        allow_startup_data: false,
        allow_view: false,
        allow_common: false,
        volume_source: null,
        volume_target: null,
        volume_mode: null,
        app_license: null,
        memory_limit: null,
        cpu_limit: null,
        pids_limit: null,
        label: null,
        ...policy,
      },
    };
    this.grants.set(mappingId, g);
    return g;
  }

  async get(id: string): Promise<GrantInfo | null> {
    return this.grants.get(id) ?? null;
  }

  async all(): Promise<GrantInfo[]> {
    return [...this.grants.values()];
  }
}
