import { ApiError, request, seg } from './api';
import type { Application, ConfigurableValues, Container, ContainerStart } from './types';

/** The caller's grants with their images and current containers. */
export function listApplications(): Promise<Application[]> {
  return request<Application[]>('GET', '/api/v1/applications');
}

/** The caller's containers, with their live status and idle-cull deadline. */
export function listContainers(): Promise<Container[]> {
  return request<Container[]>('GET', '/api/v1/containers');
}

// A start may take a minute; a network blip in that time (Wi-Fi roaming, a VPN reconnecting,
// Chromium cancelling requests when the host's interfaces change) must not end in an error.
const START_ATTEMPTS = 3;
const START_RETRY_MS = 1000;

/**
 * Starts an app; resolves once it answers HTTP (tens of seconds for desktop apps). The hub
 * answers every start of one grant with the same container, so a start whose connection broke
 * is simply asked again: it joins the start already under way.
 */
export async function startContainer(
  mappingId: string,
  configurables: ConfigurableValues,
  retryMs = START_RETRY_MS,
): Promise<Container> {
  const body: ContainerStart = { mapping_id: mappingId };
  if (Object.keys(configurables).length) body.configurables = configurables;
  for (let attempt = 1; ; attempt++) {
    try {
      return await request<Container>('POST', '/api/v1/containers', { body });
    } catch (err) {
      const network = err instanceof ApiError && err.status === 0;
      if (!network || attempt >= START_ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }
}

/** Stops and removes one of the caller's containers. */
export function stopContainer(urlId: string): Promise<void> {
  return request<void>('DELETE', `/api/v1/containers/${seg(urlId)}`);
}

/** Resets the idle-cull clock of a container ("keep running"). */
export function keepAlive(urlId: string): Promise<void> {
  return request<void>('POST', `/api/v1/containers/${seg(urlId)}/keepalive`);
}

/** How one of the caller's containers ended, and what it printed last: why it stopped. */
export interface CrashReport {
  exitCode: number | null;
  logs: string;
}

/** Lines of output a crashed app's card shows. */
export const CRASH_LOG_LINES = 20;

export async function crashReport(urlId: string): Promise<CrashReport> {
  const [view, logs] = await Promise.all([
    request<Container>('GET', `/api/v1/containers/${seg(urlId)}`),
    request<string>('GET', `/api/v1/containers/${seg(urlId)}/logs?tail=${CRASH_LOG_LINES}`, {
      text: true,
    }).catch(() => ''),
  ]);
  return { exitCode: view.exit_code ?? null, logs };
}

/** Stops and starts again one of the caller's containers; resolves once the new one answers. */
export function restartContainer(
  urlId: string,
  configurables: ConfigurableValues,
): Promise<Container> {
  const body = Object.keys(configurables).length ? { configurables } : {};
  return request<Container>('POST', `/api/v1/containers/${seg(urlId)}/restart`, { body });
}
