import type { Dockerode } from '../docker/client';
import { LABELS } from './names';
import type { SpawnRequest } from './spawner';

/**
 * Capabilities a container keeps after `CapDrop: ALL`: just enough for an image whose entry
 * point starts as root, prepares its files and drops to an unprivileged user (the usual VNC and
 * Jupyter images): CHOWN/FOWNER/DAC_OVERRIDE to fix ownership of /workspace and home folders,
 * SETUID/SETGID to switch user (su, gosu, s6), KILL to signal the app's processes that run as
 * that user. Notably absent: NET_RAW, NET_BIND_SERVICE (ports < 1024), SYS_*, MKNOD, AUDIT_WRITE.
 */
export const CAP_ADD = ['CHOWN', 'SETUID', 'SETGID', 'DAC_OVERRIDE', 'FOWNER', 'KILL'];

/** How the hub reaches a container (config `spawner.connect`). */
export type ConnectMode = 'container-ip' | 'host-port';

export interface SpecSettings {
  realm: string;
  /** Install label value (install-id.ts); omitted for containers made outside a hub (bench). */
  installId?: string;
  network: string;
  connect: ConnectMode;
  /** Docker's init as PID 1 (config `spawner.init`). */
  init?: boolean;
}

/**
 * The web port of an image: `spawner.container_port` (8888) unless the image exposes exactly one
 * port and it is another one, which then must be the app's port. An image exposing several
 * ports gets the configured one (it has to listen there).
 */
export function chooseWebPort(
  exposed: Record<string, unknown> | undefined,
  configured: number,
): number {
  const tcp = Object.keys(exposed ?? {})
    .filter((k) => !k.endsWith('/udp') && !k.endsWith('/sctp'))
    .map((k) => Number(k.split('/')[0]))
    .filter((p) => Number.isInteger(p) && p > 0);
  if (tcp.length === 1 && tcp[0] !== configured) return tcp[0];
  return configured;
}

/** The labels every hub container carries (shared/DESIGN.md "Labels"), plus its installation. */
export function containerLabels(
  realm: string,
  req: Pick<SpawnRequest, 'user' | 'mappingId' | 'urlId' | 'warm'>,
  installId?: string,
): Record<string, string> {
  return {
    [LABELS.user]: req.user,
    [LABELS.mappingId]: req.mappingId,
    [LABELS.urlId]: req.urlId,
    [LABELS.realm]: realm,
    ...(installId ? { [LABELS.install]: installId } : {}),
    ...(req.warm ? { [LABELS.warm]: '1' } : {}),
  };
}

/** Docker create options for one request: secure defaults first, then what the policy allows. */
export function buildCreateOptions(
  req: SpawnRequest & { name: string },
  port: number,
  settings: SpecSettings,
): Dockerode.ContainerCreateOptions {
  const portKey = `${port}/tcp`;
  const hostConfig: Dockerode.HostConfig = {
    NetworkMode: settings.network,
    Privileged: false,
    SecurityOpt: ['no-new-privileges:true'],
    CapDrop: ['ALL'],
    CapAdd: CAP_ADD,
    Memory: req.limits.memoryBytes,
    // Equal to Memory: no swap on top of the limit, so the limit means what it says.
    MemorySwap: req.limits.memoryBytes,
    NanoCpus: req.limits.nanoCpus,
    PidsLimit: req.limits.pidsLimit,
    Mounts: req.mounts.map((m) => ({
      Type: 'bind' as const,
      Source: m.source,
      Target: m.target,
      ReadOnly: m.readOnly,
    })),
    RestartPolicy: { Name: 'no' },
    Init: settings.init ?? false,
    // Bounded logs: the admin reads recent lines, a chatty app must not fill the disk.
    LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
  };
  if (settings.connect === 'host-port') {
    // Loopback only: nothing but the hub (on this host) can reach the app unauthenticated.
    hostConfig.PortBindings = { [portKey]: [{ HostIp: '127.0.0.1', HostPort: '' }] };
  }
  return {
    name: req.name,
    Image: req.image,
    Env: Object.entries(req.env).map(([k, v]) => `${k}=${v}`),
    Labels: containerLabels(settings.realm, req, settings.installId),
    ExposedPorts: { [portKey]: {} },
    HostConfig: hostConfig,
  };
}
