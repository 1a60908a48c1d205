import Dockerode from 'dockerode';
import { z } from 'zod';
import * as W from '../../server/api/wire';
import { catalogOf } from '../../server/catalog/service';
import { encodePng } from '../../server/catalog/png';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { appLabels, TestImages } from '../helpers/images';
import { expectWire } from '../helpers/wire';

/**
 * The catalogue through the REST API of a real hub: register images built on the real engine,
 * grant them, list them as the user, fetch icons with ETags, then remove an image and watch the
 * application turn unavailable.
 */

jest.setTimeout(180_000);

const docker = new Dockerode();
const images = new TestImages(docker);
const ICON = encodePng(32, 32, (x) => [x * 8, 0, 200, 255]);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

async function until(
  what: string,
  cond: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let th: TestHub;
let admin: Client;
let alice: Client;
let bob: Client;
let vnc: { ref: string; id: string };
let web: { ref: string; id: string };
let unlabelled: { ref: string; id: string };

beforeAll(async () => {
  vnc = await images.build('vnc', {
    labels: appLabels({
      ui_name: 'Desktop App',
      description: 'A VNC desktop',
      type: 'vncapp',
      icon_128: ICON.toString('base64'),
      'env.x11-width': '',
      'env.x11-height': '',
      'env.startupdata': '',
    }),
  });
  web = await images.build('web', {
    labels: appLabels({ ui_name: 'Web App', type: 'webapp', icon_128: '%%%' }),
  });
  unlabelled = await images.build('unlabelled');
  // An hour between re-scans: only Docker events can explain a change seen within a test.
  th = await bootHub({ catalog: { rescan_seconds: 3600 } });
  admin = await th.loginAs(ADMIN.name, ADMIN.password);
  alice = await th.userClient('alice');
  bob = await th.userClient('bob');
});

afterAll(async () => {
  await th?.close();
  await images.removeAll();
});

describe('admin: applications', () => {
  it('lists discovered images with parsed labels and warnings, registered or not', async () => {
    const { status, body } = await admin.json<Array<Record<string, unknown>>>(
      '/api/v1/admin/applications/discovered',
    );
    expect(status).toBe(200);
    expectWire(z.array(W.DiscoveredImage), body);
    const byImage = new Map(body.map((d) => [d.image, d]));
    expect(byImage.get(vnc.ref)).toMatchObject({
      image_id: vnc.id,
      registered: false,
      application_id: null,
      ui_name: 'Desktop App',
      type: 'vncapp',
      env: ['STARTUPDATA', 'X11_HEIGHT', 'X11_WIDTH'],
      has_icon: true,
      warnings: [],
    });
    expect(byImage.get(web.ref)).toMatchObject({
      has_icon: false,
      warnings: ['icon_128 is not valid base64; the default icon is shown'],
    });
    expect(byImage.has(unlabelled.ref)).toBe(false);
  });

  it('registers an image on the engine (201), and again answers 200 with the same one', async () => {
    const first = await admin.json<{ id: number; image: string; ui_name: string }>(
      '/api/v1/admin/applications',
      {
        method: 'POST',
        json: { image: vnc.ref },
      },
    );
    expect(first.status).toBe(201);
    expectWire(W.RegisteredApplication, first.body);
    expect(first.body).toMatchObject({ image: vnc.ref, ui_name: 'Desktop App' });
    const again = await admin.json<{ id: number }>('/api/v1/admin/applications', {
      method: 'POST',
      json: { image: vnc.ref.replace(/:latest$/, '') },
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const web201 = await admin.json('/api/v1/admin/applications', {
      method: 'POST',
      json: { image: web.ref },
    });
    expect(web201.status).toBe(201);
  });

  it('refuses an image that is not on the engine with a 404 saying how to force it', async () => {
    const missing = `hub-test/not-built-${images.run}:1`;
    const { status, body } = await admin.json<{ error: { code: string; message: string } }>(
      '/api/v1/admin/applications',
      { method: 'POST', json: { image: missing } },
    );
    expect(status).toBe(404);
    expect(body.error.code).toBe('image_not_found');
    expect(body.error.message).toMatch(/not on the Docker engine.*force: true/);
  });

  it('registers a missing image with force, shown as unavailable', async () => {
    const missing = `hub-test/later-${images.run}:1`;
    const { status, body } = await admin.json<{ available: boolean; ui_name: string }>(
      '/api/v1/admin/applications',
      {
        method: 'POST',
        json: { image: missing, force: true },
      },
    );
    expect(status).toBe(201);
    expect(body).toMatchObject({ available: false, ui_name: `hub-test/later-${images.run}` });
  });

  it('refuses an unlabelled image unless forced', async () => {
    const refused = await admin.json<{ error: { code: string } }>('/api/v1/admin/applications', {
      method: 'POST',
      json: { image: unlabelled.ref },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('not_an_application');
    const forced = await admin.json<{ available: boolean }>('/api/v1/admin/applications', {
      method: 'POST',
      json: { image: unlabelled.ref, force: true },
    });
    expect(forced.status).toBe(201);
    expect(forced.body.available).toBe(true);
  });

  it.each([
    [{ image: 'Not A Ref' }, /image: "Not A Ref" is not an image reference/],
    [{}, /image: required/],
    [{ image: 'x', extra: 1 }, /Unrecognized key/],
    [{ image: 'x', force: 'yes' }, /force: Expected boolean/],
  ])('answers 400 to the bad body %j', async (json, message) => {
    const { status, body } = await admin.json<{ error: { message: string } }>(
      '/api/v1/admin/applications',
      {
        method: 'POST',
        json,
      },
    );
    expect(status).toBe(400);
    expect(body.error.message).toMatch(message);
  });

  it('lists registered applications with availability, warnings and grant counts', async () => {
    const { status, body } = await admin.json<Array<Record<string, unknown>>>(
      '/api/v1/admin/applications',
    );
    expect(status).toBe(200);
    expectWire(z.array(W.RegisteredApplicationRow), body);
    const vncApp = body.find((a) => a.image === vnc.ref);
    expect(vncApp).toMatchObject({
      ui_name: 'Desktop App',
      type: 'vncapp',
      available: true,
      grants: 0,
      warnings: [],
    });
    expect(body.find((a) => a.image === unlabelled.ref)).toMatchObject({
      type: null,
      labelled: false,
    });
    const discovered = await admin.json<Array<Record<string, unknown>>>(
      '/api/v1/admin/applications/discovered',
    );
    expect(discovered.body.find((d) => d.image === vnc.ref)).toMatchObject({
      registered: true,
      application_id: vncApp?.id,
    });
  });
});

describe('admin: accounting', () => {
  it('grants (201), returns the same grant for the same policy (200), a new one for another', async () => {
    const policy = { allow_home: true, app_license: 'SECRET-KEY' };
    const first = await admin.json<{ mapping_id: string }>('/api/v1/admin/accounting', {
      method: 'POST',
      json: { user: 'alice', image: vnc.ref, policy },
    });
    expect(first.status).toBe(201);
    expectWire(W.GrantCreated, first.body);
    expect(first.body.mapping_id).toMatch(/^[0-9a-f]{32}$/);
    const same = await admin.json<{ mapping_id: string }>('/api/v1/admin/accounting', {
      method: 'POST',
      json: { user: 'alice', image: vnc.ref, policy },
    });
    expect(same.status).toBe(200);
    expect(same.body.mapping_id).toBe(first.body.mapping_id);
    const other = await admin.json<{ mapping_id: string }>('/api/v1/admin/accounting', {
      method: 'POST',
      json: {
        user: 'alice',
        image: web.ref,
        policy: { volume_source: '/srv/shared', volume_target: '/shared' },
      },
    });
    expect(other).toMatchObject({ status: 201 });
    expect(other.body.mapping_id).not.toBe(first.body.mapping_id);
  });

  it.each([
    [{ user: 'nobody', image: 'x:1' }, 404, /user: no user named "nobody"/],
    [
      { user: 'alice', image: 'hub-test/unregistered:1' },
      400,
      /not a registered application; register it first/,
    ],
    [
      { user: 'alice', image: 'x:1', policy: { volume_target: 'rel', volume_source: '/a' } },
      400,
      /volume_target: must be an absolute path/,
    ],
    [
      { user: 'alice', image: 'x:1', policy: { volume_source: '/a' } },
      400,
      /give volume_source and volume_target together/,
    ],
    [
      {
        user: 'alice',
        image: 'x:1',
        policy: { volume_source: '/a', volume_target: '/b', volume_mode: 'rx' },
      },
      400,
      /volume_mode/,
    ],
    [{ user: 'alice' }, 400, /image: required/],
  ])('refuses %j with %i', async (json, status, message) => {
    const res = await admin.json<{ error: { message: string } }>('/api/v1/admin/accounting', {
      method: 'POST',
      json,
    });
    expect(res.status).toBe(status);
    expect(res.body.error.message).toMatch(message);
  });

  it('lists grants, filtered by user and image', async () => {
    const { status, body } = await admin.json<
      Array<{ user: string; image: string; policy: Record<string, unknown> }>
    >(`/api/v1/admin/accounting?user=alice&image=${encodeURIComponent(web.ref)}`);
    expect(status).toBe(200);
    expectWire(z.array(W.Grant), body);
    expect(body).toEqual([
      expect.objectContaining({
        user: 'alice',
        image: web.ref,
        policy: expect.objectContaining({
          volume_source: '/srv/shared',
          volume_target: '/shared',
          volume_mode: 'ro',
        }),
      }),
    ]);
  });
});

describe('user: applications and icons', () => {
  let apps: W.Application[];

  beforeAll(async () => {
    const res = await alice.json<W.Application[]>('/api/v1/applications');
    expect(res.status).toBe(200);
    apps = expectWire(z.array(W.Application), res.body);
  });

  it("lists the caller's grants with image info, policy and no container yet", () => {
    expect(apps.map((a) => a.image.name).sort()).toEqual([vnc.ref, web.ref].sort());
    const desktop = apps.find((a) => a.image.name === vnc.ref)!;
    expect(desktop).toMatchObject({
      mapping_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      image: {
        ui_name: 'Desktop App',
        description: 'A VNC desktop',
        type: 'vncapp',
        icon_url: expect.stringMatching(/^\/api\/v1\/applications\/icons\/\d+\.png\?v=/),
        available: true,
      },
      policy: { allow_home: true, app_license: true, volume_source: null },
      container: null,
    });
    expect(desktop.image.configurables.map((c) => c.name)).toEqual(['resolution', 'startupdata']);
    expect(JSON.stringify(apps)).not.toContain('SECRET-KEY');
  });

  it('shows another user nothing of alice', async () => {
    const res = await bob.json<W.Application[]>('/api/v1/applications');
    expect(res).toMatchObject({ status: 200, body: [] });
  });

  it('serves the icon with an ETag and long caching, and 304 on If-None-Match', async () => {
    const desktop = apps.find((a) => a.image.name === vnc.ref)!;
    const res = await alice.fetch(desktop.image.icon_url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('cache-control')).toBe('private, max-age=604800, immutable');
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(Buffer.from(await res.arrayBuffer()).equals(ICON)).toBe(true);

    const cached = await alice.fetch(desktop.image.icon_url, {
      headers: { 'if-none-match': etag! },
    });
    expect(cached.status).toBe(304);
    expect((await cached.arrayBuffer()).byteLength).toBe(0);

    const unversioned = await alice.fetch(desktop.image.icon_url.split('?')[0]);
    expect(unversioned.headers.get('cache-control')).toBe('private, no-cache');
  });

  it('serves the default icon for an image whose icon is unusable', async () => {
    const webApp = apps.find((a) => a.image.name === web.ref)!;
    const res = await alice.fetch(webApp.image.icon_url);
    expect(res.status).toBe(200);
    const png = Buffer.from(await res.arrayBuffer());
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.equals(ICON)).toBe(false);
  });

  it('hides icons of applications the caller is not granted, and asks for a login first', async () => {
    const desktop = apps.find((a) => a.image.name === vnc.ref)!;
    expect((await bob.fetch(desktop.image.icon_url)).status).toBe(404);
    expect((await bob.fetch('/api/v1/applications/icons/999999.png')).status).toBe(404);
    expect((await th.client().fetch(desktop.image.icon_url)).status).toBe(401);
    expect((await admin.fetch(desktop.image.icon_url)).status).toBe(200);
  });

  it('turns an application unavailable when its image is removed, and keeps listing it', async () => {
    const doomed = await images.build('doomed', {
      labels: appLabels({ ui_name: 'Doomed', type: 'webapp' }),
    });
    await until(
      'doomed discovered',
      async () => catalogOf(th.hub).get(doomed.ref)?.available === true,
    );
    expect(
      (
        await admin.json('/api/v1/admin/applications', {
          method: 'POST',
          json: { image: doomed.ref },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await admin.json('/api/v1/admin/accounting', {
          method: 'POST',
          json: { user: 'bob', image: doomed.ref },
        })
      ).status,
    ).toBe(201);
    const before = await bob.json<W.Application[]>('/api/v1/applications');
    expect(before.body).toEqual([
      expect.objectContaining({
        image: expect.objectContaining({ ui_name: 'Doomed', available: true }),
      }),
    ]);

    await images.remove(doomed.ref);
    await until('unavailable in the list', async () => {
      const { body } = await bob.json<W.Application[]>('/api/v1/applications');
      return body.length === 1 && body[0].image.available === false;
    });
    const after = await bob.json<W.Application[]>('/api/v1/applications');
    expect(after.body[0].image).toMatchObject({
      ui_name: 'Doomed',
      name: doomed.ref,
      available: false,
    });
  });
});

describe('authorisation and removal', () => {
  it.each([
    ['GET', '/api/v1/admin/applications'],
    ['GET', '/api/v1/admin/applications/discovered'],
    ['POST', '/api/v1/admin/applications'],
    ['DELETE', '/api/v1/admin/applications/1'],
    ['GET', '/api/v1/admin/accounting'],
    ['POST', '/api/v1/admin/accounting'],
    ['DELETE', `/api/v1/admin/accounting/${'a'.repeat(32)}`],
  ])('%s %s is 403 for a user and 401 without a login', async (method, url) => {
    expect(
      (await alice.fetch(url, { method, ...(method === 'GET' ? {} : { json: {} }) })).status,
    ).toBe(403);
    expect((await th.client().fetch(url, { method })).status).toBe(401);
  });

  it('GET /api/v1/applications needs a login', async () => {
    expect((await th.client().fetch('/api/v1/applications')).status).toBe(401);
  });

  it('revokes a grant (204), then 404; the user no longer sees it', async () => {
    const [grant] = await admin
      .json<Array<{ mapping_id: string }>>(
        `/api/v1/admin/accounting?user=alice&image=${encodeURIComponent(web.ref)}`,
      )
      .then((r) => r.body);
    expect(
      (await admin.fetch(`/api/v1/admin/accounting/${grant.mapping_id}`, { method: 'DELETE' }))
        .status,
    ).toBe(204);
    expect(
      (await admin.fetch(`/api/v1/admin/accounting/${grant.mapping_id}`, { method: 'DELETE' }))
        .status,
    ).toBe(404);
    const { body } = await alice.json<W.Application[]>('/api/v1/applications');
    expect(body.map((a) => a.mapping_id)).not.toContain(grant.mapping_id);
  });

  it('unregisters an application (204) and its grants go with it', async () => {
    const apps = await admin.json<Array<{ id: number; image: string }>>(
      '/api/v1/admin/applications',
    );
    const vncApp = apps.body.find((a) => a.image === vnc.ref)!;
    expect(
      (await admin.fetch(`/api/v1/admin/applications/${vncApp.id}`, { method: 'DELETE' })).status,
    ).toBe(204);
    expect(
      (await admin.fetch(`/api/v1/admin/applications/${vncApp.id}`, { method: 'DELETE' })).status,
    ).toBe(404);
    const { body } = await alice.json<W.Application[]>('/api/v1/applications');
    expect(body).toEqual([]);
    const grants = await admin.json<unknown[]>(
      `/api/v1/admin/accounting?image=${encodeURIComponent(vnc.ref)}`,
    );
    expect(grants.body).toEqual([]);
  });

  it('recorded every change in the audit log', async () => {
    const { body } = await admin.json<Array<{ action: string; actor: string }>>(
      '/api/v1/admin/audit?limit=1000',
    );
    expectWire(z.array(W.AuditEvent), body);
    const actions = new Set(body.filter((e) => e.actor === ADMIN.name).map((e) => e.action));
    for (const a of [
      'application.register',
      'application.unregister',
      'grant.create',
      'grant.revoke',
    ]) {
      expect(actions).toContain(a);
    }
    expect(JSON.stringify(body)).not.toContain('SECRET-KEY');
  });
});
