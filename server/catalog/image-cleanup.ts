import type { Core } from '../core';
import type { Dockerode, HubDocker } from '../docker/client';
import { HubError, ServiceUnavailable } from '../errors';
import { clip } from '../log';
import { normalizeImageRef } from './image-ref';
import { hasAppLabels } from './labels';

/**
 * Amahi-style clean-up of images: only ever images that carry the hub's label namespace and
 * that no container (of any realm, any state, the hub's or not) uses. Nothing is forced:
 * when the engine refuses (a container appeared meanwhile, a child image), the refusal is
 * reported and the image stays.
 */

type ImageDocker = Pick<HubDocker, 'call'>;

/** An image the clean-up would remove, and why it counts as unused. */
export interface UnusedImage {
  id: string;
  repo_tags: string[];
  /** `dangling`: an old build whose tag moved on; `unregistered`: tagged, but no app uses it. */
  reason: 'dangling' | 'unregistered';
  ui_name: string | null;
  size_bytes: number;
  created_at: string;
}

/** What one removal did: Docker either untags a reference or deletes the image. */
export interface Removal {
  id: string;
  repo_tags: string[];
  removed: boolean;
  /** Why an image was left, when it was. */
  reason?: string;
}

async function engine<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new ServiceUnavailable(
      `the Docker engine did not answer while ${what} (${clip((err as Error).message, 200)}); try again when it is up`,
      'docker_unavailable',
    );
  }
}

/** Image id → names of the containers (any state) created from it. */
export async function containersByImage(docker: ImageDocker): Promise<Map<string, string[]>> {
  const list = await engine('listing containers', () =>
    docker.call('list containers', (api, abortSignal) =>
      api.listContainers({ all: true, abortSignal }),
    ),
  );
  const out = new Map<string, string[]>();
  for (const c of list) {
    const name = (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
    out.set(c.ImageID, [...(out.get(c.ImageID) ?? []), name]);
  }
  return out;
}

/** References and ids of registered applications, normalised as the catalogue keys them. */
async function registeredRefs(core: Pick<Core, 'db'>): Promise<Set<string>> {
  const rows: Array<{ image: string }> = await core.db.query('SELECT image FROM applications');
  return new Set(rows.map((r) => normalizeImageRef(r.image)));
}

function realTags(tags: string[] | null | undefined): string[] {
  return (tags ?? []).filter((t) => !t.startsWith('<none>'));
}

/**
 * The dry run: hub-labelled images no container uses that are dangling or registered under
 * none of their names. Unlabelled images are never listed, whatever their state.
 */
export async function listUnusedImages(core: Pick<Core, 'db' | 'docker'>): Promise<UnusedImage[]> {
  const docker: ImageDocker = core.docker;
  const [images, used, registered] = await Promise.all([
    engine('listing images', () =>
      docker.call('list images', (api, abortSignal) => api.listImages({ all: false, abortSignal })),
    ),
    containersByImage(docker),
    registeredRefs(core),
  ]);
  const out: UnusedImage[] = [];
  for (const image of images) {
    const labels = image.Labels ?? {};
    if (!hasAppLabels(labels) || used.has(image.Id)) continue;
    const tags = realTags(image.RepoTags);
    const names = [...tags, ...realTags(image.RepoDigests), image.Id].map(normalizeImageRef);
    if (names.some((n) => registered.has(n))) continue;
    out.push({
      id: image.Id,
      repo_tags: tags,
      reason: tags.length === 0 ? 'dangling' : 'unregistered',
      ui_name: labels['eu.simphony-project.docker.ui_name'] ?? null,
      size_bytes: image.Size,
      created_at: new Date(image.Created * 1000).toISOString(),
    });
  }
  return out.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

/** Removes one image without force: each tag first (untag), the id last (delete). */
async function removeImage(docker: ImageDocker, image: UnusedImage): Promise<Removal> {
  try {
    for (const tag of image.repo_tags)
      await docker.call('remove image', (api) => api.getImage(tag).remove());
    if (image.repo_tags.length === 0)
      await docker.call('remove image', (api) => api.getImage(image.id).remove());
    return { id: image.id, repo_tags: image.repo_tags, removed: true };
  } catch (err) {
    if (statusOf(err) === 404) return { id: image.id, repo_tags: image.repo_tags, removed: true };
    const message = (err as { json?: { message?: string } }).json?.message ?? String(err);
    return { id: image.id, repo_tags: image.repo_tags, removed: false, reason: clip(message, 300) };
  }
}

/**
 * Removes unused images. With `ids`, only those, and each must still be in the dry-run list
 * (an admin confirms what they saw, never more); without, the current dry-run list.
 */
export async function removeUnusedImages(
  core: Pick<Core, 'db' | 'docker' | 'audit'>,
  ids: string[] | undefined,
  opts: { actor: string | null; address?: string | null },
): Promise<{ removed: Removal[]; skipped: Removal[] }> {
  const unused = await listUnusedImages(core);
  const byId = new Map(unused.map((u) => [u.id, u]));
  const wanted = ids ? [...new Set(ids.map((id) => normalizeImageRef(id)))] : [...byId.keys()];
  const removed: Removal[] = [];
  const skipped: Removal[] = [];
  for (const id of wanted) {
    const image = byId.get(id);
    if (!image) {
      skipped.push({
        id,
        repo_tags: [],
        removed: false,
        reason:
          'not in the list of unused images (unlabelled, in use by a container, registered, or gone)',
      });
      continue;
    }
    const result = await removeImage(core.docker, image);
    (result.removed ? removed : skipped).push(result);
  }
  await core.audit({
    actor: opts.actor,
    action: 'image.prune',
    target: null,
    address: opts.address,
    details: {
      removed: removed.map((r) => ({ id: r.id, tags: r.repo_tags })),
      skipped: skipped.map((s) => ({ id: s.id, reason: s.reason })),
    },
  });
  return { removed, skipped };
}

/**
 * Checks that the image of a registered reference can go with its application: refuses, with
 * the containers that use it, before anything changes. Null when the engine lacks the image.
 */
export async function checkImageRemovable(
  core: Pick<Core, 'docker'>,
  ref: string,
): Promise<{ id: string; tags: string[] } | null> {
  const docker: ImageDocker = core.docker;
  let info: Dockerode.ImageInspectInfo;
  try {
    info = await docker.call('inspect image', (api) => api.getImage(ref).inspect());
  } catch (err) {
    if (statusOf(err) === 404) return null;
    return engine('inspecting the image', () => Promise.reject(err));
  }
  const users = (await containersByImage(docker)).get(info.Id) ?? [];
  if (users.length > 0) {
    const shown = users.slice(0, 5).join(', ') + (users.length > 5 ? ', …' : '');
    throw new HubError(
      409,
      'image_in_use',
      `image ${ref} is used by ${users.length} container(s) (${shown}); stop and remove them first, ` +
        'or unregister without removing the image',
    );
  }
  return { id: info.Id, tags: realTags(info.RepoTags) };
}

/** Removes the reference (Docker deletes the image when it was its last name). */
export async function removeRegisteredImage(
  core: Pick<Core, 'docker'>,
  ref: string,
): Promise<{ removed: boolean; reason?: string }> {
  try {
    await core.docker.call('remove image', (api) => api.getImage(ref).remove());
    return { removed: true };
  } catch (err) {
    if (statusOf(err) === 404) return { removed: true };
    const message = (err as { json?: { message?: string } }).json?.message ?? String(err);
    return { removed: false, reason: clip(message, 300) };
  }
}
