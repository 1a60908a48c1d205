import type { HubDocker } from '../docker/client';
import type { HubConfig } from '../config/schema';
import type { Logger } from '../log';
import { DockerClient } from './docker-client';
import { DockerSpawner } from './docker-spawner';
import type { InstallIdentity } from './install-id';
import type { Spawner } from './spawner';
import { poolSettingOf } from './subnet-pool';
import { SwarmClient } from './swarm-client';
import { SwarmSpawner } from './swarm-spawner';

/** Everything a spawner implementation may be built from. */
export interface SpawnerDeps {
  config: HubConfig;
  /** The hub's one Docker client; a spawner's thin client makes its calls through it. */
  docker: HubDocker;
  log: Logger;
  /** This installation (install-id.ts): what it creates carries the id, and only that is removed. */
  install: InstallIdentity;
}

/** Seconds an app gets to exit on its own when stopped, before Docker kills it. */
const STOP_GRACE_SECONDS = 5;

/**
 * Spawner implementations by the short name `spawner.class` uses (JupyterHub's spawner_class).
 * A Swarm or Kubernetes spawner is one more line here and one more enum value in the schema.
 */
const SPAWNERS: Record<HubConfig['spawner']['class'], (deps: SpawnerDeps) => Spawner> = {
  docker: ({ config, docker, log, install }) =>
    new DockerSpawner(
      new DockerClient(docker, log.child({ ns: 'docker' })),
      {
        realm: config.realm,
        install,
        network: config.spawner.network,
        connect: config.spawner.connect,
        appNetworkPool: poolSettingOf(config.spawner.app_network_pool),
        init: config.spawner.init,
        containerPort: config.spawner.container_port,
        startTimeoutMs: config.spawner.start_timeout_seconds * 1000,
        stopGraceSeconds: STOP_GRACE_SECONDS,
        sharedFolders: [
          { setting: 'data_dir (HUB_DATA_DIR)', path: config.data_dir },
          ...config.spawner.allowed_volume_roots.map((path) => ({
            setting: 'spawner.allowed_volume_roots',
            path,
          })),
        ],
      },
      log,
    ),
  swarm: ({ config, docker, log, install }) =>
    new SwarmSpawner(
      new SwarmClient(docker, log.child({ ns: 'swarm' })),
      {
        realm: config.realm,
        install,
        init: config.spawner.init,
        containerPort: config.spawner.container_port,
        startTimeoutMs: config.spawner.start_timeout_seconds * 1000,
        stopGraceSeconds: STOP_GRACE_SECONDS,
        pollMs: 200,
      },
      log.child({ ns: 'swarm' }),
    ),
};

/** The spawner `config.spawner.class` names. */
export function createSpawner(deps: SpawnerDeps): Spawner {
  const make = SPAWNERS[deps.config.spawner.class];
  if (!make)
    throw new Error(
      `unknown spawner.class "${deps.config.spawner.class}"; known: ${Object.keys(SPAWNERS).join(', ')}`,
    );
  return make(deps);
}
