import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Dockerode from 'dockerode';
import { LABELS } from '../../server/spawner/names';
import { workspaceDir } from '../../server/spawner/workspace-files';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { appLabels, TestImages } from '../helpers/images';
import { cleanupRealm, grantApp, until } from './spawner-fixtures';

/**
 * The life of an app after it is installed (issue 16), on the real engine with images built
 * here: an update noticed when the image under a registered name is rebuilt, a restart onto the
 * new image that keeps the workspace, and the clean-ups (image with its application, unused
 * images, a user's workspace) that never take what is in use or not the hub's.
 */

jest.setTimeout(300_000);

const docker = new Dockerode();
const images = new TestImages(docker);
const run = crypto.randomBytes(3).toString('hex');
const REALM = `app-life-${run}`;
const NETWORK = `hub-test-net-life-${run}`;

/** Serves its version at the prefix and the workspace under `ws/`, as a user would see them. */
function appCmd(version: string): string[] {
  const dir = '/www/user/$JPY_USER/containers/$URL_ID';
  return [
    '/bin/busybox',
    'sh',
    '-c',
    `mkdir -p "${dir}" && echo ${version} > "${dir}/index.html" && ln -s /workspace "${dir}/ws" && exec httpd -f -p 8888 -h /www`,
  ];
}

const LIFE_LABELS = appLabels({ ui_name: 'Life', type: 'webapp' });

interface View {
  url_id: string;
  url: string;
  status: string;
  image: string;
  update_available?: boolean;
  image_id?: string | null;
  latest_image_id?: string | null;
}

interface AuditRow {
  action: string;
  target: string | null;
  details: Record<string, unknown> | null;
}

let th: TestHub;
let admin: Client;
let alice: Client;
let ref: string;
let v1: string;
let v2: string;
let mappingId: string;
let current: View;
/** A container made outside the hub from one of our images (removed in afterAll). */
let outsider: Dockerode.Container | null = null;

async function imageExists(idOrRef: string): Promise<boolean> {
  try {
    await docker.getImage(idOrRef).inspect();
    return true;
  } catch {
    return false;
  }
}

async function audit(action: string): Promise<AuditRow[]> {
  const res = await admin.json<AuditRow[]>(`/api/v1/admin/audit?action=${action}`);
  expect(res.status).toBe(200);
  return res.body.filter((e) => e.action === action);
}

async function myContainers(): Promise<View[]> {
  const res = await alice.json<View[]>('/api/v1/containers');
  expect(res.status).toBe(200);
  return res.body;
}

async function runningImage(urlId: string): Promise<string> {
  const [c] = await docker.listContainers({ filters: { label: [`${LABELS.urlId}=${urlId}`] } });
  return c.ImageID;
}

beforeAll(async () => {
  ({ ref, id: v1 } = await images.build('life', { cmd: appCmd('v1'), labels: LIFE_LABELS }));
  th = await bootHub(
    { spawner: { network: NETWORK, http_timeout_seconds: 10, start_timeout_seconds: 60 } },
    { env: { HUB_REALM: REALM } },
  );
  admin = await th.loginAs(ADMIN.name, ADMIN.password);
  alice = await th.userClient('alice');
  mappingId = await grantApp(admin, 'alice', ref, { allow_home: true });
});

afterAll(async () => {
  await outsider?.remove({ force: true }).catch(() => undefined);
  await th?.close();
  await cleanupRealm(docker, REALM, NETWORK);
  await images.removeAll();
  // The v1 build lost its tag to v2 and with it the run label's listing; remove it by id.
  for (const id of [v1, v2])
    if (id)
      await docker
        .getImage(id)
        .remove({ force: true })
        .catch(() => undefined);
});

describe('an update of a registered image', () => {
  it('runs v1 without an update, with a file in the workspace', async () => {
    const res = await alice.json<View>('/api/v1/containers', {
      method: 'POST',
      json: { mapping_id: mappingId },
    });
    expect(res.status).toBe(201);
    current = res.body;
    expect(await runningImage(current.url_id)).toBe(v1);
    expect((await myContainers())[0]).toMatchObject({
      url_id: current.url_id,
      update_available: false,
    });
    fs.writeFileSync(path.join(workspaceDir(th.dataDir, 'alice'), 'notes.txt'), 'kept\n');
    expect(await (await alice.fetch(current.url)).text()).toBe('v1\n');
    expect(await (await alice.fetch(`${current.url}ws/notes.txt`)).text()).toBe('kept\n');
  });

  it('notices a rebuild under the same tag and tells the owner and the admins', async () => {
    ({ id: v2 } = await images.build('life', { cmd: appCmd('v2'), labels: LIFE_LABELS }));
    expect(v2).not.toBe(v1);
    await until('update_available for the owner', async () =>
      (await myContainers()).some((c) => c.update_available === true),
    );
    const apps = await alice.json<Array<{ container: View | null }>>('/api/v1/applications');
    expect(apps.body[0].container).toMatchObject({
      url_id: current.url_id,
      update_available: true,
    });
    const all = await admin.json<View[]>('/api/v1/admin/containers');
    expect(all.body.find((c) => c.url_id === current.url_id)).toMatchObject({
      update_available: true,
      image_id: v1,
      latest_image_id: v2,
    });
    await until('application.updated in the audit log', async () =>
      (await audit('application.updated')).some((e) => e.target === ref),
    );
    const [noticed] = await audit('application.updated');
    expect(noticed.details).toMatchObject({ old_image_id: v1, new_image_id: v2 });
    // The old container still runs the old image until it is restarted.
    expect(await runningImage(current.url_id)).toBe(v1);
  });

  it('restart moves the container to the new image and keeps the workspace', async () => {
    const res = await alice.json<View>(`/api/v1/containers/${current.url_id}/restart`, {
      method: 'POST',
      json: {},
    });
    expect(res.status).toBe(201);
    const old = current;
    current = res.body;
    expect(current.url_id).not.toBe(old.url_id);
    expect(await runningImage(current.url_id)).toBe(v2);
    expect(await (await alice.fetch(current.url)).text()).toBe('v2\n');
    expect(await (await alice.fetch(`${current.url}ws/notes.txt`)).text()).toBe('kept\n');
    expect((await myContainers())[0]).toMatchObject({
      url_id: current.url_id,
      update_available: false,
    });
    const [updated] = await audit('container.updated');
    expect(updated).toMatchObject({
      target: current.url_id,
      details: { old_url_id: old.url_id, old_image_id: v1, new_image_id: v2 },
    });
  });
});

describe('removing unused images', () => {
  let spare: string;
  let plain: string;
  let used: string;

  beforeAll(async () => {
    // Labelled and registered nowhere: unused.
    spare = (
      await images.build('life-spare', { labels: appLabels({ ui_name: 'Spare', type: 'webapp' }) })
    ).id;
    // No label of the namespace: never the hub's to remove, even unused.
    plain = (await images.build('life-plain')).id;
    // Labelled, unregistered, but a (stopped) container was created from it.
    const u = await images.build('life-used', {
      labels: appLabels({ ui_name: 'Used', type: 'webapp' }),
    });
    used = u.id;
    outsider = await docker.createContainer({
      Image: u.ref,
      name: `hub-test-life-outsider-${run}`,
      Labels: { 'hub-test': '1' },
    });
    // Identical builds share an id (build cache): each case must be an image of its own.
    expect(new Set([spare, plain, used, v1, v2]).size).toBe(5);
  });

  it('lists dangling and unregistered hub images only, and removes exactly what it listed', async () => {
    const dry = await admin.json<Array<{ id: string; reason: string; repo_tags: string[] }>>(
      '/api/v1/admin/applications/unused-images',
    );
    expect(dry.status).toBe(200);
    const listed = new Map(dry.body.map((i) => [i.id, i]));
    expect(listed.get(v1)).toMatchObject({ reason: 'dangling', repo_tags: [] });
    expect(listed.get(spare)).toMatchObject({ reason: 'unregistered' });
    expect(listed.has(plain)).toBe(false);
    expect(listed.has(used)).toBe(false);
    expect(listed.has(v2)).toBe(false); // registered and running

    const refused = await admin.json('/api/v1/admin/applications/unused-images/remove', {
      method: 'POST',
      json: { image_ids: [v1] },
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/confirm: must be true/);
    expect(await imageExists(v1)).toBe(true);

    // Only our own images: the engine is shared with other suites' labelled images.
    const ours = [v1, spare, plain, used, v2];
    const res = await admin.json<{
      removed: Array<{ id: string }>;
      skipped: Array<{ id: string; reason: string }>;
    }>('/api/v1/admin/applications/unused-images/remove', {
      method: 'POST',
      json: { confirm: true, image_ids: ours },
    });
    expect(res.status).toBe(200);
    expect(res.body.removed.map((r) => r.id).sort()).toEqual(
      ours.filter((id) => listed.has(id)).sort(),
    );
    expect(res.body.skipped.map((s) => s.id).sort()).toEqual([plain, used, v2].sort());
    expect(await imageExists(v1)).toBe(false);
    expect(await imageExists(spare)).toBe(false);
    expect(await imageExists(plain)).toBe(true);
    expect(await imageExists(used)).toBe(true);
    expect(await imageExists(v2)).toBe(true);
    const [pruned] = await audit('image.prune');
    expect(JSON.stringify(pruned.details)).toContain(spare);
  });
});

describe('unregistering with the image', () => {
  let appId: number;

  beforeAll(async () => {
    const apps = await admin.json<Array<{ id: number; image: string }>>(
      '/api/v1/admin/applications',
    );
    appId = apps.body.find((a) => a.image === ref)!.id;
  });

  it('is refused while a container uses the image, and nothing changes', async () => {
    const res = await admin.json<{ error: { code: string; message: string } }>(
      `/api/v1/admin/applications/${appId}?remove_image=true`,
      { method: 'DELETE' },
    );
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('image_in_use');
    expect(res.body.error.message).toMatch(/used by 1 container/);
    const apps = await admin.json<Array<{ id: number }>>('/api/v1/admin/applications');
    expect(apps.body.some((a) => a.id === appId)).toBe(true);
    expect((await myContainers()).map((c) => c.url_id)).toEqual([current.url_id]);
    expect(await imageExists(ref)).toBe(true);
  });

  it('a bad flag is a 400 naming it', async () => {
    const res = await admin.json(`/api/v1/admin/applications/${appId}?remove_image=yes`, {
      method: 'DELETE',
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/remove_image: true or false/);
  });

  it('removes the image once nothing uses it', async () => {
    expect(
      (await alice.fetch(`/api/v1/containers/${current.url_id}`, { method: 'DELETE' })).status,
    ).toBe(204);
    const res = await admin.json<{
      image: string;
      image_removal: { id: string; removed: boolean };
    }>(`/api/v1/admin/applications/${appId}?remove_image=true`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ image: ref, image_removal: { id: v2, removed: true } });
    expect(await imageExists(v2)).toBe(false);
    const [removed] = await audit('image.remove');
    expect(removed).toMatchObject({ target: ref, details: { image_id: v2 } });
  });
});

describe('deleting a user', () => {
  it('keeps the workspace unless asked', async () => {
    await th.userClient('bob');
    const dir = workspaceDir(th.dataDir, 'bob');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'thesis.tex'), 'x');
    const res = await admin.fetch('/api/v1/admin/users/bob', { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(fs.existsSync(path.join(dir, 'thesis.tex'))).toBe(true);
  });

  it('previews, then deletes the workspace when asked', async () => {
    const dir = workspaceDir(th.dataDir, 'alice');
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'sub', 'data.csv'), '1,2,3\n');
    const preview = await admin.json<{
      path: string;
      files: number;
      bytes: number;
      sample: string[];
    }>('/api/v1/admin/users/alice/workspace');
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ path: dir, exists: true, files: 2, bytes: 11 });
    expect(preview.body.sample).toEqual(['notes.txt', 'sub/data.csv']);
    const res = await admin.json<{ name: string; workspace: { deleted: boolean; files: number } }>(
      '/api/v1/admin/users/alice?delete_workspace=true',
      { method: 'DELETE' },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'alice', workspace: { deleted: true, files: 2 } });
    expect(fs.existsSync(dir)).toBe(false);
    const [gone] = await audit('workspace.delete');
    expect(gone).toMatchObject({ target: 'alice', details: { path: dir, files: 2, bytes: 11 } });
    expect((await admin.fetch('/api/v1/admin/users/alice/workspace')).status).toBe(404);
  });
});
