import crypto from 'node:crypto';
import Dockerode from 'dockerode';
import { AuditEventEntity, SessionEntity } from '../../server/db/entities';
import { LABELS } from '../../server/spawner/names';
import { z } from 'zod';
import * as W from '../../server/api/wire';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { TestImages } from '../helpers/images';
import { expectWire } from '../helpers/wire';
import { buildSpawnerImages, cleanupRealm, grantApp, realmContainers } from './spawner-fixtures';

/**
 * Warm starts on the real engine through the real hub: a user's usual app is made at sign-in,
 * hidden and unreachable until their start claims it, identical to a cold start's container,
 * and never anyone else's; mismatching configurables, the TTL, the switch and a hub restart.
 */

jest.setTimeout(300_000);

const docker = new Dockerode();
const images = new TestImages(docker);
const run = crypto.randomBytes(3).toString('hex');
const REALM = `warm-${run}`;
const NETWORK = `hub-test-net-${run}`;
const TTL = 600;

let th: TestHub;
let admin: Client;
let web: string;
const grants: Record<string, string> = {};

interface View {
  url_id: string;
  url: string;
}

const password = (name: string) => `${name}-password-123`;
const manager = () => th.hub.containers;

async function start(client: Client, mappingId: string, configurables?: unknown) {
  const res = await client.json<View>('/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: mappingId, ...(configurables ? { configurables } : {}) },
  });
  if (res.status !== 201) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function stop(client: Client, urlId: string): Promise<void> {
  const res = await client.fetch(`/api/v1/containers/${urlId}`, { method: 'DELETE' });
  expect(res.status).toBe(204);
}

/** `n` cold starts and stops: the launch history the prediction reads. */
async function launch(client: Client, mappingId: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await stop(client, (await start(client, mappingId)).url_id);
}

/** Signs in over HTTP (which fires the warm start) and waits until that attempt has ended. */
async function signIn(name: string): Promise<Client> {
  const c = await th.loginAs(name, password(name));
  await manager().warmSettled();
  return c;
}

const warmOf = (user: string) =>
  manager()
    .warmContainers()
    .filter((w) => w.user === user);

async function bearer(client: Client): Promise<string> {
  const res = await client.json<{ token: string }>('/api/v1/tokens', { method: 'POST', json: {} });
  return res.body.token;
}

/** A proxied GET of a container path on the hub origin with a bearer token. */
function proxied(user: string, urlId: string, token: string): Promise<Response> {
  return fetch(`${th.url}/user/${user}/containers/${urlId}/`, {
    headers: { authorization: `Bearer ${token}` },
    redirect: 'manual',
  });
}

async function inspectByUrlId(urlId: string) {
  const [c] = await docker.listContainers({
    all: true,
    filters: { label: [`${LABELS.urlId}=${urlId}`, `${LABELS.realm}=${REALM}`] },
  });
  return c ? docker.getContainer(c.Id).inspect() : null;
}

async function auditOf(action: string, target: string) {
  return th.hub.db.getRepository(AuditEventEntity).find({ where: { action, target } });
}

async function boot(): Promise<void> {
  th = await bootHub(
    {
      spawner: {
        network: NETWORK,
        http_timeout_seconds: 30,
        init: true,
        warm_start: { enabled: true, min_launches: 2, history_days: 14, ttl_seconds: TTL },
      },
    },
    { env: { HUB_REALM: REALM } },
  );
  admin = await th.loginAs(ADMIN.name, ADMIN.password);
}

beforeAll(async () => {
  web = (await buildSpawnerImages(images)).web;
  await boot();
  for (const name of ['alice', 'bob', 'carol']) {
    await th.hub.users.create(name, { password: password(name) });
    grants[name] = await grantApp(admin, name, web);
  }
});

afterAll(async () => {
  await th?.close();
  await cleanupRealm(docker, REALM, NETWORK);
  await images.removeAll();
});

describe('warm starts', () => {
  it('makes nothing for a user without launch history', async () => {
    await signIn('alice');
    expect(warmOf('alice')).toEqual([]);
    expect(await realmContainers(docker, REALM)).toEqual([]);
  });

  it("warms the user's usual app at sign-in: theirs, hidden and unreachable until claimed", async () => {
    const alice = await signIn('alice');
    await launch(alice, grants.alice, 2);
    const again = await signIn('alice');
    const [warm] = warmOf('alice');
    expect(warm).toEqual(
      expect.objectContaining({ user: 'alice', mapping_id: grants.alice, ready: true }),
    );

    // The container is alice's: her labels, her env.
    const info = await inspectByUrlId(warm.url_id);
    expect(info?.State.Running).toBe(true);
    expect(info?.Config.Labels).toEqual(
      expect.objectContaining({
        [LABELS.user]: 'alice',
        [LABELS.mappingId]: grants.alice,
        [LABELS.urlId]: warm.url_id,
        [LABELS.warm]: '1',
      }),
    );
    expect(info?.Config.Env).toEqual(
      expect.arrayContaining([
        'JPY_USER=alice',
        'JPY_BASE_USER_URL=/user/alice',
        'USER=alice',
        `URL_ID=${warm.url_id}`,
      ]),
    );

    // Hidden: in none of its owner's lists, and no route, not even for its owner or an admin.
    expect((await again.json<View[]>('/api/v1/containers')).body).toEqual([]);
    const apps =
      await again.json<Array<{ mapping_id: string; container: unknown }>>('/api/v1/applications');
    expect(apps.body.find((a) => a.mapping_id === grants.alice)?.container).toBeNull();
    // Admins see it in their container list, marked warm, so they can stop it.
    const all = await admin.json('/api/v1/admin/containers');
    expect(expectWire(z.array(W.AdminContainer), all.body)).toEqual([
      expect.objectContaining({
        url_id: warm.url_id,
        user: 'alice',
        mapping_id: grants.alice,
        status: 'running',
        warm: true,
      }),
    ]);
    expect((await proxied('alice', warm.url_id, await bearer(again))).status).toBe(404);
    const bob = await signIn('bob');
    expect((await proxied('alice', warm.url_id, await bearer(bob))).status).toBe(404);
    // Nor can anyone else start alice's grant, which would claim it.
    const theft = await bob.json('/api/v1/containers', {
      method: 'POST',
      json: { mapping_id: grants.alice },
    });
    expect(theft.status).toBe(404);
    expect(warmOf('alice')).toHaveLength(1);

    // Claimed by her start: the same container, routed and listed at once.
    const token = await bearer(again);
    const claimed = await start(again, grants.alice);
    expect(claimed.url_id).toBe(warm.url_id);
    expect(warmOf('alice')).toEqual([]);
    const res = await proxied('alice', claimed.url_id, token);
    expect(res.status).toBe(200);
    expect((await res.text()).trim()).toBe('ok');
    expect((await again.json<View[]>('/api/v1/containers')).body.map((c) => c.url_id)).toEqual([
      claimed.url_id,
    ]);
    const [entry] = await auditOf('container.start', claimed.url_id);
    expect(JSON.parse(entry.details as string)).toEqual(
      expect.objectContaining({ mapping_id: grants.alice, warm: true }),
    );

    // A cold start of the grant makes the same container, but for its url_id and warm label.
    const claimedInfo = await inspectByUrlId(claimed.url_id);
    // The claim keeps the image id the warm start saw: what app updates compare.
    expect(manager().imageIdOf(claimed.url_id)).toBe(claimedInfo!.Image);
    await stop(again, claimed.url_id);
    const cold = await start(again, grants.alice);
    expect(cold.url_id).not.toBe(claimed.url_id);
    const coldInfo = await inspectByUrlId(cold.url_id);
    const same = (i: Dockerode.ContainerInspectInfo | null, urlId: string) => ({
      env: [...(i?.Config.Env ?? [])].map((e) => e.replace(urlId, '<url_id>')).sort(),
      labels: Object.fromEntries(
        Object.entries(i?.Config.Labels ?? {}).filter(
          ([k]) => k !== LABELS.warm && k !== LABELS.urlId,
        ),
      ),
      mounts: i?.HostConfig.Mounts,
      image: i?.Config.Image,
      name: i?.Name,
    });
    expect(same(claimedInfo, claimed.url_id)).toEqual(same(coldInfo, cold.url_id));
    expect(coldInfo?.Config.Labels?.[LABELS.warm]).toBeUndefined();
    await stop(again, cold.url_id);
  });

  it('starts cold and removes the warm one when the configurables differ', async () => {
    const alice = await signIn('alice');
    const [warm] = warmOf('alice');
    expect(warm?.ready).toBe(true);
    const started = await start(alice, grants.alice, { resolution: '1024x768' });
    expect(started.url_id).not.toBe(warm.url_id);
    expect(warmOf('alice')).toEqual([]);
    expect(await inspectByUrlId(warm.url_id)).toBeNull();
    const info = await inspectByUrlId(started.url_id);
    expect(info?.Config.Env).toEqual(expect.arrayContaining(['X11_WIDTH=1024']));
    expect(await auditOf('container.warm_remove', warm.url_id)).toEqual([
      expect.objectContaining({ details: expect.stringContaining('"reason":"mismatch"') }),
    ]);
    await stop(alice, started.url_id);
  });

  it("warms with the latest start's screen size, so the portal's fitted start claims it", async () => {
    const alice = await signIn('alice');
    const [warm] = warmOf('alice');
    const info = await inspectByUrlId(warm.url_id);
    expect(info?.Config.Env).toEqual(expect.arrayContaining(['X11_WIDTH=1024', 'X11_HEIGHT=768']));
    // SimPhoNy's nested spelling asks for the same screen: the same request, so a claim.
    const started = await start(alice, grants.alice, { resolution: { resolution: '1024x768' } });
    expect(started.url_id).toBe(warm.url_id);
    await stop(alice, started.url_id);
  });

  it('removes an unclaimed warm container after its TTL', async () => {
    await signIn('alice');
    const [warm] = warmOf('alice');
    expect(warm?.ready).toBe(true);
    await manager().cullIdle(Date.now() + (TTL + 1) * 1000);
    expect(warmOf('alice')).toEqual([]);
    expect(await inspectByUrlId(warm.url_id)).toBeNull();
  });

  it('makes none when the feature is off', async () => {
    const settings = th.hub.config.spawner.warm_start;
    settings.enabled = false;
    try {
      await signIn('alice');
      expect(warmOf('alice')).toEqual([]);
      expect(await realmContainers(docker, REALM)).toEqual([]);
    } finally {
      settings.enabled = true;
    }
  });

  it('lets an admin stop a warm container from the container list, and audits who did', async () => {
    const alice = await signIn('alice');
    const [warm] = warmOf('alice');
    expect(warm?.ready).toBe(true);
    const listed = await admin.json<Array<{ url_id: string; warm: boolean }>>(
      '/api/v1/admin/containers',
    );
    expect(listed.body).toEqual([expect.objectContaining({ url_id: warm.url_id, warm: true })]);

    const res = await admin.fetch(`/api/v1/admin/containers/${warm.url_id}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(warmOf('alice')).toEqual([]);
    expect(await inspectByUrlId(warm.url_id)).toBeNull();
    expect((await admin.json('/api/v1/admin/containers')).body).toEqual([]);
    expect(await auditOf('container.warm_remove', warm.url_id)).toEqual([
      expect.objectContaining({
        actor: ADMIN.name,
        details: expect.stringContaining('"reason":"admin-stop"'),
      }),
    ]);
    // Her next start is an ordinary cold one (with her latest screen size, which the next
    // tests' warm containers keep).
    const cold = await start(alice, grants.alice, { resolution: '1024x768' });
    expect(cold.url_id).not.toBe(warm.url_id);
    await stop(alice, cold.url_id);
  });

  it('warms again when the user comes back to a session after a pause, not while it is in use', async () => {
    const settings = th.hub.config.spawner.warm_start;
    // A session made without the sign-in's own warm start.
    settings.enabled = false;
    const alice = await signIn('alice');
    settings.enabled = true;
    const user = await th.hub.users.get('alice');
    /** The session was last seen `minutes` ago; the next request reads it from the database. */
    const lastSeen = async (minutes: number) => {
      await th.hub.db
        .getRepository(SessionEntity)
        .update({ user_id: user.id }, { last_seen_at: new Date(Date.now() - minutes * 60_000) });
      th.hub.sessions.invalidateUser(user.id);
      const res = await alice.fetch('/api/v1/containers');
      expect(res.status).toBe(200);
      await manager().warmSettled();
    };

    await lastSeen(settings.return_after_minutes - 1);
    expect(warmOf('alice')).toEqual([]);
    await lastSeen(settings.return_after_minutes + 60);
    const [warm] = warmOf('alice');
    expect(warm).toEqual(expect.objectContaining({ mapping_id: grants.alice, ready: true }));
    expect(await auditOf('container.warm', warm.url_id)).toHaveLength(1);

    await manager().cullIdle(Date.now() + (TTL + 1) * 1000);
    expect(warmOf('alice')).toEqual([]);
  });

  it('after a hub restart keeps claimed ones and removes unclaimed ones unrouted', async () => {
    const alice = await signIn('alice');
    const [warm] = warmOf('alice');
    const claimed = await start(alice, grants.alice, { resolution: '1024x768' });
    expect(claimed.url_id).toBe(warm.url_id);
    const carol = await signIn('carol');
    await launch(carol, grants.carol, 2);
    await signIn('carol');
    const [unclaimed] = warmOf('carol');
    expect(unclaimed?.ready).toBe(true);

    th = await th.restart();
    admin = await th.loginAs(ADMIN.name, ADMIN.password);
    expect(await inspectByUrlId(unclaimed.url_id)).toBeNull();
    expect(await auditOf('container.remove', unclaimed.url_id)).toEqual([
      expect.objectContaining({ details: expect.stringContaining('"reason":"warm"') }),
    ]);
    const all = await admin.json<View[]>('/api/v1/admin/containers');
    expect(all.body.map((c) => c.url_id)).toEqual([claimed.url_id]);
    const aliceAgain = await th.loginAs('alice', password('alice'));
    const res = await proxied('alice', claimed.url_id, await bearer(aliceAgain));
    expect(res.status).toBe(200);
    await stop(aliceAgain, claimed.url_id);
  });
});
