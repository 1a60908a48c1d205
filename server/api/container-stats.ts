import { DockerTimeout } from '../docker/deadline';
import type { Hub } from '../hub';
import { LABELS } from '../spawner/names';
import type { ContainerStats } from './wire';

/** A stuck engine must not stall the dashboard: a container without an answer by then is skipped. */
const STATS_TIMEOUT_MS = 4000;

interface DockerStats {
  cpu_stats?: {
    cpu_usage?: { total_usage?: number };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: {
    usage?: number;
    limit?: number;
    stats?: { inactive_file?: number; cache?: number };
  };
}

/** CPU in percent of one core (200 = two cores busy) and memory as `docker stats` shows it. */
export function readStats(s: DockerStats): Omit<ContainerStats, 'url_id'> {
  const cpu =
    (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const system = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const cores = s.cpu_stats?.online_cpus ?? 1;
  const cpu_percent = cpu > 0 && system > 0 ? Math.round((cpu / system) * cores * 1000) / 10 : 0;
  const m = s.memory_stats;
  const cache = m?.stats?.inactive_file ?? m?.stats?.cache ?? 0;
  return {
    cpu_percent,
    memory_bytes: m?.usage !== undefined ? Math.max(0, m.usage - cache) : null,
    memory_limit_bytes: m?.limit ?? null,
  };
}

/**
 * Live CPU and memory of every running container of this realm, read from the engine in
 * parallel, each within a time limit (containers that do not answer in time are left out).
 */
export async function realmStats(hub: Pick<Hub, 'docker' | 'config'>): Promise<ContainerStats[]> {
  // Only lateness becomes "no answer"; an engine that refuses is an error, as before.
  const late = (err: unknown) => {
    if (err instanceof DockerTimeout) return null;
    throw err;
  };
  const listed = await hub.docker
    .call(
      'list containers',
      (api, abortSignal) =>
        api.listContainers({
          filters: { label: [`${LABELS.realm}=${hub.config.realm}`] },
          abortSignal,
        }),
      STATS_TIMEOUT_MS,
    )
    .catch(late);
  const answers = await Promise.all(
    (listed ?? []).map(async (c) => {
      const url_id = c.Labels?.[LABELS.urlId];
      if (!url_id) return null;
      const stats = await hub.docker
        .call(
          'container stats',
          (api) => api.getContainer(c.Id).stats({ stream: false }) as Promise<DockerStats>,
          STATS_TIMEOUT_MS,
        )
        .catch(() => null);
      return stats ? { url_id, ...readStats(stats) } : null;
    }),
  );
  return answers.filter((a): a is ContainerStats => a !== null);
}
