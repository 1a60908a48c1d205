import Dockerode from 'dockerode';
import { LABELS } from '../../server/spawner/names';
import type { Client } from '../helpers/hub';
import { appLabels, TestImages } from '../helpers/images';

/**
 * Shared pieces of the spawner's integration tests: FROM-scratch busybox app images, grants made
 * through the admin API, and cleanup of everything a test hub left on the engine (by realm label).
 */

/** The web test app: serves "ok" under its full prefix, like a real hub app image. */
export const WEB_CMD = [
  '/bin/busybox',
  'sh',
  '-c',
  'mkdir -p "/www/user/$JPY_USER/containers/$URL_ID" && echo ok > "/www/user/$JPY_USER/containers/$URL_ID/index.html" && echo "serving $URL_ID for $USER" && exec httpd -f -p 8888 -h /www',
];

export interface SpawnerImages {
  /** Answers HTTP under its prefix; declares resolution and startupdata. */
  web: string;
  /** Prints a reason and exits 3 at once. */
  dying: string;
  /** Runs but never serves HTTP. */
  silent: string;
}

export async function buildSpawnerImages(images: TestImages): Promise<SpawnerImages> {
  const web = await images.build('spawn-web', {
    cmd: WEB_CMD,
    labels: appLabels({
      ui_name: 'Web Test',
      type: 'webapp',
      'env.x11-width': '',
      'env.x11-height': '',
      'env.startupdata': '',
    }),
  });
  const dying = await images.build('spawn-dying', {
    cmd: ['/bin/busybox', 'sh', '-c', 'echo "cannot open display: giving up" >&2; exit 3'],
    labels: appLabels({ ui_name: 'Dying Test', type: 'webapp' }),
  });
  const silent = await images.build('spawn-silent', {
    labels: appLabels({ ui_name: 'Silent Test', type: 'webapp' }),
  });
  return { web: web.ref, dying: dying.ref, silent: silent.ref };
}

/** Registers `image` (idempotent) and grants it to `user`; returns the mapping_id. */
export async function grantApp(
  admin: Client,
  user: string,
  image: string,
  policy: Record<string, unknown> = {},
): Promise<string> {
  const reg = await admin.json('/api/v1/admin/applications', { method: 'POST', json: { image } });
  if (reg.status >= 300)
    throw new Error(`register ${image}: ${reg.status} ${JSON.stringify(reg.body)}`);
  const g = await admin.json<{ mapping_id: string }>('/api/v1/admin/accounting', {
    method: 'POST',
    json: { user, image, policy },
  });
  if (g.status >= 300)
    throw new Error(`grant ${image} to ${user}: ${g.status} ${JSON.stringify(g.body)}`);
  return g.body.mapping_id;
}

/** Containers of a realm as the engine sees them. */
export async function realmContainers(
  docker: Dockerode,
  realm: string,
): Promise<Dockerode.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${LABELS.realm}=${realm}`] } });
}

/** Removes every container of `realm` and the test network. */
export async function cleanupRealm(
  docker: Dockerode,
  realm: string,
  network?: string,
): Promise<void> {
  // A container the hub was still stopping refuses even a forced removal for a moment (the
  // engine answers 409 until the stop is over): try again until the realm is empty.
  for (let round = 0; round < 20; round++) {
    const left = await realmContainers(docker, realm);
    if (!left.length) break;
    if (round) await new Promise((r) => setTimeout(r, 500));
    for (const c of left) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
  if (network) {
    await docker
      .getNetwork(network)
      .remove()
      .catch(() => undefined);
  }
}

/** Polls `cond` until it holds; the message says what never happened. */
export async function until(
  what: string,
  cond: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Reads a Server-Sent Events stream, collecting `progress` events until `stop` says so. */
export async function collectProgress(
  client: Client,
  mappingId: string,
  stop: (events: Array<Record<string, unknown>>) => boolean,
  opened?: () => void,
): Promise<Array<Record<string, unknown>>> {
  const controller = new AbortController();
  const res = await client.fetch(`/api/v1/containers/progress/${mappingId}`, {
    signal: controller.signal,
  });
  if (res.status !== 200) throw new Error(`progress stream: ${res.status} ${await res.text()}`);
  if (!res.headers.get('content-type')?.startsWith('text/event-stream'))
    throw new Error('not an event stream');
  opened?.();
  const events: Array<Record<string, unknown>> = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    while (!stop(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        if (lines.includes('event: progress')) {
          const data = lines.find((l) => l.startsWith('data: '));
          if (data) events.push(JSON.parse(data.slice(6)));
        }
      }
    }
  } finally {
    controller.abort();
  }
  return events;
}
