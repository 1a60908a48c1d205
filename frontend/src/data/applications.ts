import { request, seg } from './api';
import type { Application, ConfigurableValues, Container } from './types';

/** The caller's grants with their images and current containers. */
export function listApplications(): Promise<Application[]> {
  return request<Application[]>('GET', '/api/v1/applications');
}

/** The caller's containers, with their live status and idle-cull deadline. */
export function listContainers(): Promise<Container[]> {
  return request<Container[]>('GET', '/api/v1/containers');
}

/** Starts an app; resolves once it answers HTTP (tens of seconds for desktop apps). */
export function startContainer(
  mappingId: string,
  configurables: ConfigurableValues,
): Promise<Container> {
  const body: { mapping_id: string; configurables?: ConfigurableValues } = { mapping_id: mappingId };
  if (Object.keys(configurables).length) body.configurables = configurables;
  return request<Container>('POST', '/api/v1/containers', { body });
}

/** Stops and removes one of the caller's containers. */
export function stopContainer(urlId: string): Promise<void> {
  return request<void>('DELETE', `/api/v1/containers/${seg(urlId)}`);
}

/** Resets the idle-cull clock of a container ("keep running"). */
export function keepAlive(urlId: string): Promise<void> {
  return request<void>('POST', `/api/v1/containers/${seg(urlId)}/keepalive`);
}
