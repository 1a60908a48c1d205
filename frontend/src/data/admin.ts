import { request, seg } from './api';
import type {
  AdminContainer,
  ApplicationUnregistered,
  UnusedImage,
  UnusedImagesRemoved,
  UserDeleted,
  WorkspacePreview,
  AuditEvent,
  ContainerStats,
  DiscoveredImage,
  Grant,
  GrantCreate,
  GrantCreated,
  RegisteredApplication,
  RegisteredApplicationRow,
  User,
  UserCreate,
  UserCreated,
  UserPatch,
} from './types';

const A = '/api/v1/admin';

export function listUsers(): Promise<User[]> {
  return request<User[]>('GET', `${A}/users`);
}

/** Creates a user; when no password is given the answer may carry a generated one. */
export function createUser(body: UserCreate): Promise<UserCreated> {
  return request('POST', `${A}/users`, { body });
}

export function updateUser(name: string, patch: UserPatch): Promise<User> {
  return request<User>('PATCH', `${A}/users/${seg(name)}`, { body: patch });
}

export function deleteUser(name: string): Promise<void> {
  return request<void>('DELETE', `${A}/users/${seg(name)}`);
}

/** What deleting the user's workspace would remove (the preview before the confirmation). */
export function userWorkspace(name: string): Promise<WorkspacePreview> {
  return request<WorkspacePreview>('GET', `${A}/users/${seg(name)}/workspace`);
}

/** Deletes the user and their home workspace; answers what went. */
export function deleteUserWithWorkspace(name: string): Promise<UserDeleted> {
  return request<UserDeleted>('DELETE', `${A}/users/${seg(name)}?delete_workspace=true`);
}

export function listImages(): Promise<RegisteredApplicationRow[]> {
  return request<RegisteredApplicationRow[]>('GET', `${A}/applications`);
}

export function listDiscoveredImages(): Promise<DiscoveredImage[]> {
  return request<DiscoveredImage[]>('GET', `${A}/applications/discovered`);
}

/** Registers an image; `force` registers it even when the hub has doubts (labels missing...). */
export function registerImage(image: string, force = false): Promise<RegisteredApplication> {
  return request<RegisteredApplication>('POST', `${A}/applications`, {
    body: force ? { image, force } : { image },
  });
}

export function unregisterImage(id: string | number): Promise<void> {
  return request<void>('DELETE', `${A}/applications/${seg(id)}`);
}

/** Unregisters and removes the image; a 409 (nothing changed) while a container uses it. */
export function unregisterWithImage(id: string | number): Promise<ApplicationUnregistered> {
  return request<ApplicationUnregistered>(
    'DELETE',
    `${A}/applications/${seg(id)}?remove_image=true`,
  );
}

/** The dry run: hub-labelled images no container uses, dangling or unregistered. */
export function listUnusedImages(): Promise<UnusedImage[]> {
  return request<UnusedImage[]>('GET', `${A}/applications/unused-images`);
}

/** Removes exactly these images, each still unused; the others are reported as kept. */
export function removeUnusedImages(ids: string[]): Promise<UnusedImagesRemoved> {
  return request<UnusedImagesRemoved>('POST', `${A}/applications/unused-images/remove`, {
    body: { confirm: true, image_ids: ids },
  });
}

/** Grants, all or one user's (the server filters: a hub may hold tens of thousands). */
export function listGrants(filter: { user?: string } = {}): Promise<Grant[]> {
  const query = filter.user ? `?user=${encodeURIComponent(filter.user)}` : '';
  return request<Grant[]>('GET', `${A}/accounting${query}`);
}

export function createGrant(body: GrantCreate): Promise<GrantCreated> {
  return request('POST', `${A}/accounting`, { body });
}

export function deleteGrant(mappingId: string): Promise<void> {
  return request<void>('DELETE', `${A}/accounting/${seg(mappingId)}`);
}

export function listAllContainers(): Promise<AdminContainer[]> {
  return request<AdminContainer[]>('GET', `${A}/containers`);
}

/** Live CPU and memory of every running container (docker stats, read within a time limit). */
export function containerStats(): Promise<ContainerStats[]> {
  return request<ContainerStats[]>('GET', `${A}/containers/stats`);
}

/** Bytes as people read them: 512 MiB, 1.5 GiB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function stopAnyContainer(urlId: string): Promise<void> {
  return request<void>('DELETE', `${A}/containers/${seg(urlId)}`);
}

export function containerLogs(urlId: string, tail = 200): Promise<string> {
  return request<string>('GET', `${A}/containers/${seg(urlId)}/logs?tail=${tail}`, { text: true });
}

/** Filters of the audit log; empty strings mean "any". */
export interface AuditFilter {
  actor?: string;
  action?: string;
  /** Part of the target: a user name, an image, a url_id. */
  target?: string;
  /** Local calendar days, `YYYY-MM-DD`, both included. */
  from?: string;
  to?: string;
  limit?: number;
  /** The next page: events older than this id. */
  before?: number;
}

/** Midnight at the start of a local calendar day, as the API's ISO time. */
export function dayStart(day: string, plusDays = 0): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + plusDays).toISOString();
}

export function listAudit(filter: AuditFilter = {}): Promise<AuditEvent[]> {
  const q = new URLSearchParams();
  if (filter.actor) q.set('actor', filter.actor);
  if (filter.action) q.set('action', filter.action);
  if (filter.target) q.set('target', filter.target);
  if (filter.from) q.set('since', dayStart(filter.from));
  if (filter.to) q.set('until', dayStart(filter.to, 1));
  if (filter.limit) q.set('limit', String(filter.limit));
  if (filter.before) q.set('before', String(filter.before));
  const qs = q.toString();
  return request<AuditEvent[]>('GET', `${A}/audit${qs ? `?${qs}` : ''}`);
}
