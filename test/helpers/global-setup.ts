import { execFileSync } from 'node:child_process';

/**
 * Integration and browser tests need a Docker engine. scripts/ensure-docker.sh starts one when
 * it can; here we only check and say exactly what is missing.
 */
export default async function globalSetup(): Promise<void> {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
      stdio: 'pipe',
      timeout: 20000,
    });
  } catch (err) {
    throw new Error(
      `integration tests need a running Docker engine and none answers (${(err as Error).message.split('\n')[0]}). ` +
        'Run scripts/ensure-docker.sh as root (it installs docker.io and starts dockerd), or set DOCKER_HOST.',
    );
  }
}
