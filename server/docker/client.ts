import Docker from 'dockerode';
import { withDeadline } from './deadline';

/**
 * The engine the hub drives: DOCKER_HOST when set (tcp://, unix://, ssh://), else the socket
 * from the config. dockerode reads DOCKER_HOST itself when given no options.
 */
export function createDockerClient(socketPath: string, env = process.env): Docker {
  return env.DOCKER_HOST ? new Docker() : new Docker({ socketPath });
}

export interface DockerHealth {
  ok: boolean;
  version?: string;
  error?: string;
}

/** Pings the engine with a short timeout: a stuck engine must not stall /health. */
export async function dockerHealth(docker: Docker, timeoutMs = 2000): Promise<DockerHealth> {
  try {
    const version = await withDeadline(
      'version',
      timeoutMs,
      'the Docker engine is hung or overloaded',
      () => docker.version(),
    );
    return { ok: true, version: version.Version };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
