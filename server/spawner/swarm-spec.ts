import crypto from 'node:crypto';
import { CAP_ADD, containerLabels } from './container-spec';
import { containerName, LABEL_PREFIX } from './names';
import type { SpawnRequest } from './spawner';

/** Extra label: the app port chosen at creation, so a restarted hub targets the same port. */
export const SWARM_PORT_LABEL = `${LABEL_PREFIX}web_port`;
/** Extra label: the app's own overlay network, joined by the hub and removed after the app. */
export const SWARM_NETWORK_LABEL = `${LABEL_PREFIX}network`;
/**
 * Extra label: the image reference the app was started from. The service runs the image by id,
 * so without it a restarted hub would know the app only by an id the catalogue does not list.
 */
export const SWARM_IMAGE_LABEL = `${LABEL_PREFIX}image`;

/** Swarm refuses service names longer than 63 characters (a DNS label). */
export const MAX_SERVICE_NAME = 63;

/**
 * The container name of docker-spawner, cut to a DNS label when needed. The name ends in a hash
 * of (user, grant, install), which is kept whole: only the readable user part is shortened.
 */
export function serviceName(
  realm: string,
  user: string,
  mappingId: string,
  installId: string,
): string {
  const name = containerName(realm, user, mappingId, installId);
  if (name.length <= MAX_SERVICE_NAME) return name;
  const tail = name.slice(-13); // "-" + 12 hex digits
  return name.slice(0, MAX_SERVICE_NAME - tail.length).replace(/-+$/, '') + tail;
}

/**
 * The app's own network: one overlay per app, so two apps never share a switch. Named per start
 * (url_id hashed in): the network of a just-stopped app lingers with its container for a few
 * seconds, and a new start of the same grant must not collide with it.
 */
export function appNetworkName(service: string, urlId: string): string {
  const hash = crypto.createHash('sha256').update(`${service}/${urlId}`).digest('hex').slice(0, 12);
  return `${service.slice(0, MAX_SERVICE_NAME - 17)}-net-${hash}`;
}

export interface SwarmSpecSettings {
  realm: string;
  installId: string;
  init: boolean;
  stopGraceSeconds: number;
}

/**
 * One service per app: image by ID (a tag makes every task ask a registry first, and a
 * same-named public image could run instead), one replica that is never restarted (a dead app is
 * reported, not silently replaced), DNS round-robin (no VIP: IPVS does not answer here), labels
 * on the service (service and task filters) and on the container (events, `docker ps`).
 * `no-new-privileges` has no field in the service API of Docker 20.10 and is not enforced;
 * capabilities are dropped instead (docs: config/swarm.md).
 */
export function buildServiceSpec(
  req: SpawnRequest & { name: string; imageId: string; networkId: string; network: string },
  port: number,
  settings: SwarmSpecSettings,
): Record<string, unknown> {
  const labels = {
    ...containerLabels(settings.realm, req, settings.installId),
    [SWARM_PORT_LABEL]: String(port),
    [SWARM_NETWORK_LABEL]: req.network,
    [SWARM_IMAGE_LABEL]: req.image,
  };
  return {
    Name: req.name,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: req.imageId,
        Env: Object.entries(req.env).map(([k, v]) => `${k}=${v}`),
        Labels: labels,
        Mounts: req.mounts.map((m) => ({
          Type: 'bind',
          Source: m.source,
          Target: m.target,
          ReadOnly: m.readOnly,
        })),
        Init: settings.init,
        StopGracePeriod: settings.stopGraceSeconds * 1e9,
        CapabilityDrop: ['ALL'],
        CapabilityAdd: CAP_ADD,
      },
      Resources: {
        Limits: {
          NanoCPUs: req.limits.nanoCpus,
          MemoryBytes: req.limits.memoryBytes,
          Pids: req.limits.pidsLimit,
        },
      },
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      Networks: [{ Target: req.networkId }],
      LogDriver: { Name: 'json-file', Options: { 'max-size': '10m', 'max-file': '2' } },
    },
    Mode: { Replicated: { Replicas: 1 } },
    EndpointSpec: { Mode: 'dnsrr' },
  };
}
