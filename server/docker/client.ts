import Docker from 'dockerode';

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
  let timer: NodeJS.Timeout | undefined;
  try {
    const version = await Promise.race([
      docker.version(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, version: version.Version };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
