import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { Catalog } from '../../server/catalog/catalog';
import { HubDocker } from '../../server/docker/client';
import { encodePng } from '../../server/catalog/png';
import { appLabels, TestImages } from '../helpers/images';

/**
 * The catalogue against the real engine: images built here (FROM scratch + busybox), found,
 * parsed, and followed through tag, build and `docker rmi` by Docker events alone (the periodic
 * re-scan is set to an hour so it cannot be what notices).
 */

jest.setTimeout(180_000);

const docker = new Dockerode();
const images = new TestImages(docker);
const ICON = encodePng(128, 128, (x, y) => [x * 2, y * 2, 128, 255]);

async function until(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function engineSocket(): string {
  const host = process.env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return host.slice('unix://'.length);
  return '/var/run/docker.sock';
}

/**
 * A unix socket that forwards to the engine and can be switched off and on: the catalogue
 * behind it sees the engine go down (connections cut, connects refused) and come back.
 */
class EngineSwitch {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-engine-switch-'));
  readonly socketPath = path.join(this.dir, 'docker.sock');
  private server: net.Server | null = null;
  private sockets = new Set<net.Socket>();

  async on(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(engineSocket());
      this.sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.socketPath, resolve));
    this.server = server;
  }

  async off(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(this.socketPath, { force: true });
  }

  async dispose(): Promise<void> {
    await this.off();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

let full: { ref: string; id: string };
let legacy: { ref: string; id: string };
let broken: { ref: string; id: string };
let plain: { ref: string; id: string };

beforeAll(async () => {
  full = await images.build('full', {
    labels: appLabels({
      ui_name: 'Full App',
      description: 'Every label, well formed',
      type: 'vncapp',
      icon_128: ICON.toString('base64'),
      'env.x11-width': '',
      'env.x11-height': '',
      'env.x11-depth': '',
      'env.startupdata': '',
    }),
  });
  legacy = await images.build('legacy', { labels: appLabels({ ui_name: 'Old App' }) });
  broken = await images.build('broken', {
    labels: appLabels({
      ui_name: '',
      type: 'desktop',
      icon_128: 'not base64 at all!',
      'env.BAD_NAME': '',
      'env.x11-width': '',
    }),
  });
  plain = await images.build('plain', { labels: { 'org.example.note': 'not an app' } });
});

afterAll(async () => {
  await images.removeAll();
});

describe('Catalog on the real engine', () => {
  let catalog: Catalog;

  beforeAll(async () => {
    catalog = new Catalog({
      docker: new HubDocker(docker, 30_000),
      rescanSeconds: 3600,
      iconMaxBytes: 256 * 1024,
    });
    await catalog.start();
    await until('event stream connected', () => catalog.status().events_connected);
  });

  afterAll(async () => {
    await catalog.stop();
  });

  it('discovers the labelled images with their parsed labels, and not the unlabelled one', () => {
    const discovered = catalog.listDiscovered().map((e) => e.image);
    expect(discovered).toEqual(expect.arrayContaining([full.ref, legacy.ref, broken.ref]));
    expect(discovered).not.toContain(plain.ref);

    expect(catalog.get(full.ref)).toMatchObject({
      image: full.ref,
      image_id: full.id,
      ui_name: 'Full App',
      description: 'Every label, well formed',
      type: 'vncapp',
      env: ['STARTUPDATA', 'X11_DEPTH', 'X11_HEIGHT', 'X11_WIDTH'],
      available: true,
      labelled: true,
      warnings: [],
    });
    expect(catalog.get(full.ref)?.icon?.equals(ICON)).toBe(true);
    expect(catalog.get(full.ref)?.configurables.map((c) => c.name)).toEqual([
      'resolution',
      'startupdata',
    ]);
    expect(catalog.get(full.id)?.ui_name).toBe('Full App');
  });

  it('lists a legacy image (no type) with a warning', () => {
    expect(catalog.get(legacy.ref)).toMatchObject({
      ui_name: 'Old App',
      type: null,
      available: true,
      warnings: ['no type label: a legacy image, served as a web app'],
    });
  });

  it('gives each bad label its fallback and warning without touching the others', () => {
    const entry = catalog.get(broken.ref);
    const repo = broken.ref.replace(/:latest$/, '');
    expect(entry).toMatchObject({
      ui_name: repo,
      type: null,
      icon: null,
      env: ['X11_WIDTH'],
      configurables: [],
    });
    expect(entry?.warnings).toEqual(
      expect.arrayContaining([
        `ui_name is empty; shown as "${repo}"`,
        'type "desktop" is neither vncapp nor webapp; served as a web app',
        'icon_128 is not valid base64; the default icon is shown',
        expect.stringMatching(/^label env\.BAD_NAME is ignored/),
        expect.stringMatching(/^env\.x11-width and env\.x11-height must both be declared/),
      ]),
    );
    expect(catalog.get(full.ref)?.warnings).toEqual([]);
  });

  it('notices a newly built image through events', async () => {
    const late = await images.build('late', {
      labels: appLabels({ ui_name: 'Late', type: 'webapp' }),
    });
    await until('late image discovered', () => catalog.get(late.ref)?.available === true);
    expect(catalog.get(late.ref)?.ui_name).toBe('Late');
  });

  it('notices a new tag through events', async () => {
    const extra = `hub-test/extra-${images.run}:v2`;
    await images.tag(legacy.ref, extra);
    await until('new tag seen', () => catalog.get(extra)?.available === true);
    expect(catalog.get(extra)).toMatchObject({ ui_name: 'Old App', image_id: legacy.id });
  });

  it('shows an image removed with docker rmi as unavailable, keeping what it knew', async () => {
    const doomed = await images.build('doomed', {
      labels: appLabels({ ui_name: 'Doomed', type: 'webapp' }),
    });
    await until('doomed discovered', () => catalog.get(doomed.ref)?.available === true);
    await images.remove(doomed.ref);
    await until('doomed unavailable', () => catalog.get(doomed.ref)?.available === false);
    expect(catalog.get(doomed.ref)).toMatchObject({
      ui_name: 'Doomed',
      available: false,
      image_id: doomed.id,
    });
    expect(catalog.listDiscovered().map((e) => e.image)).not.toContain(doomed.ref);
  });

  it('follows a rebuild: the tag now names the new image and its labels', async () => {
    const name = 'rebuilt';
    const first = await images.build(name, { labels: appLabels({ ui_name: 'Version 1' }) });
    await until('v1 seen', () => catalog.get(first.ref)?.ui_name === 'Version 1');
    const second = await images.build(name, { labels: appLabels({ ui_name: 'Version 2' }) });
    await until('v2 seen', () => catalog.get(second.ref)?.ui_name === 'Version 2');
    expect(catalog.get(second.ref)?.image_id).toBe(second.id);
    expect(second.id).not.toBe(first.id);
  });

  it('lookup() asks the engine directly: found, and null for an image it lacks', async () => {
    await expect(catalog.lookup(full.ref)).resolves.toMatchObject({
      ui_name: 'Full App',
      available: true,
    });
    await expect(catalog.lookup(`hub-test/missing-${images.run}:1`)).resolves.toBeNull();
  });
});

describe('Catalog when the engine goes away and comes back', () => {
  const engine = new EngineSwitch();
  let catalog: Catalog;

  afterAll(async () => {
    await catalog?.stop();
    await engine.dispose();
  });

  it('starts with the engine down, then catches up when it appears', async () => {
    catalog = new Catalog({
      docker: new HubDocker(new Dockerode({ socketPath: engine.socketPath }), 30_000),
      rescanSeconds: 3600,
      iconMaxBytes: 256 * 1024,
      reconnectMs: 50,
    });
    await expect(catalog.start()).resolves.toBeUndefined();
    expect(catalog.status().engine).toBe('down');
    expect(catalog.get(full.ref)).toBeNull();

    await engine.on();
    await until('engine seen again', () => catalog.get(full.ref)?.available === true);
    expect(catalog.status()).toMatchObject({ engine: 'up', error: null });
  });

  it('marks entries unavailable while it is down and available after it returns', async () => {
    await until('event stream connected', () => catalog.status().events_connected);
    await engine.off();
    await until('event stream lost', () => !catalog.status().events_connected);
    await catalog.refresh();
    expect(catalog.status().engine).toBe('down');
    expect(catalog.get(full.ref)).toMatchObject({ ui_name: 'Full App', available: false });

    await engine.on();
    await until('available again', () => catalog.get(full.ref)?.available === true);
    await until('event stream back', () => catalog.status().events_connected);
  });
});
