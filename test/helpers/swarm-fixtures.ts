import type { HubDocker } from '../../server/docker/client';
import { logger } from '../../server/log';
import type { SpawnRequest } from '../../server/spawner/spawner';
import { SwarmClient } from '../../server/spawner/swarm-client';
import { SwarmSpawner } from '../../server/spawner/swarm-spawner';

/**
 * The start request and Swarm spawner of the tests that run the spawner against an engine that
 * answers late or never (test/unit/docker/hung-engine.test.ts, swarm-deadlines.test.ts): what
 * they start does not matter, only which engine call hangs.
 */

/** A plain request of user alice for busybox, with no mounts and modest limits. */
export function spawnRequest(urlId: string): SpawnRequest {
  return {
    urlId,
    user: 'alice',
    mappingId: 'm',
    image: 'busybox',
    env: {},
    mounts: [],
    limits: { memoryBytes: 1 << 30, nanoCpus: 1e9, pidsLimit: 64 },
  };
}

/** A Swarm spawner of `realm` on `docker`, as if in a hub container with id `selfId`. */
export function swarmSpawner(
  docker: HubDocker,
  opts: { realm: string; selfId: string; startTimeoutMs?: number },
): SwarmSpawner {
  return new SwarmSpawner(
    new SwarmClient(docker, logger('test')),
    {
      realm: opts.realm,
      install: { id: 'i', legacyBefore: null },
      init: false,
      containerPort: 8888,
      startTimeoutMs: opts.startTimeoutMs ?? 60_000,
      stopGraceSeconds: 5,
      pollMs: 10,
      selfId: opts.selfId,
    },
    logger('test'),
  );
}
