import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import { Catalog } from '../../../server/catalog/catalog';
import type { ImageEngine } from '../../../server/catalog/discovery';
import { HubDocker } from '../../../server/docker/client';
import { label } from '../../../server/catalog/labels';
import { encodePng } from '../../../server/catalog/png';
import { ServiceUnavailable } from '../../../server/errors';

/**
 * A Docker engine in memory that can be switched off: list, inspect and an image-event stream
 * whose end the test controls. Named by behaviour (STYLE.md §13).
 */
class SwitchableEngine {
  images: Dockerode.ImageInfo[] = [];
  down = false;
  streams: PassThrough[] = [];
  eventConnects = 0;
  lists = 0;

  private refused(): Error {
    return Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), {
      code: 'ECONNREFUSED',
    });
  }

  add(id: string, tags: string[], labels: Record<string, string>): void {
    this.images.push({
      Id: `sha256:${id.padEnd(64, '0')}`,
      ParentId: '',
      RepoTags: tags,
      RepoDigests: [],
      Created: 0,
      Size: 1,
      VirtualSize: 1,
      SharedSize: 0,
      Labels: labels,
      Containers: 0,
    });
  }

  remove(tag: string): void {
    this.images = this.images.filter((i) => !i.RepoTags?.includes(tag));
  }

  /** Sends one image event on every open stream, split across chunks as Docker may. */
  emit(action: string): void {
    const line = JSON.stringify({ Type: 'image', Action: action, status: action, id: 'x' }) + '\n';
    for (const s of this.streams) {
      s.write(line.slice(0, 10));
      s.write(line.slice(10));
    }
  }

  /** Ends every open stream, as a restarting engine does. */
  cut(): void {
    for (const s of this.streams.splice(0)) s.end();
  }

  engine(): ImageEngine {
    const api = {
      listImages: async () => {
        this.lists++;
        if (this.down) throw this.refused();
        return this.images.map((i) => ({ ...i }));
      },
      getImage: (ref: string) => ({
        inspect: async () => {
          if (this.down) throw this.refused();
          const full = ref.includes(':') ? ref : `${ref}:latest`;
          const i = this.images.find((x) => x.RepoTags?.includes(full) || x.Id === ref);
          if (!i) throw Object.assign(new Error('no such image'), { statusCode: 404 });
          return { Id: i.Id, RepoTags: i.RepoTags, RepoDigests: [], Config: { Labels: i.Labels } };
        },
      }),
      getEvents: async () => {
        if (this.down) throw this.refused();
        this.eventConnects++;
        const s = new PassThrough();
        this.streams.push(s);
        return s;
      },
    };
    return new HubDocker(api as unknown as Dockerode, 30_000) satisfies ImageEngine;
  }
}

async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const ICON = encodePng(4, 4, () => [0, 128, 0, 255]);
const APP = {
  [label('ui_name')]: 'Paraview',
  [label('type')]: 'vncapp',
  [label('icon_128')]: ICON.toString('base64'),
  [label('env.x11-width')]: '',
  [label('env.x11-height')]: '',
};

let engine: SwitchableEngine;
let catalog: Catalog;

function makeCatalog(rescanSeconds = 3600): Catalog {
  return new Catalog({
    docker: engine.engine(),
    rescanSeconds,
    iconMaxBytes: 64 * 1024,
    debounceMs: 5,
    reconnectMs: 10,
  });
}

/** Starts the catalogue and waits for the scan that follows the event stream's connection. */
async function startSettled(c: Catalog): Promise<void> {
  await c.start();
  await until(
    'events connected and re-scanned',
    () => c.status().events_connected && engine.lists >= 2,
  );
  await new Promise((r) => setTimeout(r, 20));
}

beforeEach(() => {
  engine = new SwitchableEngine();
  engine.add('aa', ['sim/paraview:1', 'sim/paraview:latest'], APP);
  engine.add('bb', ['plain:latest'], { 'org.example': 'x' });
  engine.add('cc', ['<none>:<none>'], { [label('ui_name')]: 'old build' });
  engine.add('dd', ['sim/legacy:2'], { [label('ui_name')]: 'Legacy' });
});

afterEach(async () => {
  await catalog?.stop();
});

describe('Catalog reads', () => {
  beforeEach(async () => {
    catalog = makeCatalog();
    await catalog.start();
  });

  it('finds an image by each tag, by normalised names and by id', () => {
    for (const ref of [
      'sim/paraview:1',
      'sim/paraview',
      'docker.io/sim/paraview:latest',
      `sha256:${'aa'.padEnd(64, '0')}`,
    ]) {
      expect(catalog.get(ref)).toMatchObject({
        ui_name: 'Paraview',
        type: 'vncapp',
        available: true,
        labelled: true,
      });
    }
    expect(catalog.get('sim/paraview:1')?.image).toBe('sim/paraview:1');
    expect(catalog.get('sim/paraview:1')?.repo_tags).toEqual([
      'sim/paraview:1',
      'sim/paraview:latest',
    ]);
    expect(catalog.get('sim/paraview:1')?.configurables.map((c) => c.name)).toEqual(['resolution']);
  });

  it('answers null for an image it never saw, and describe() gives an unavailable placeholder', () => {
    expect(catalog.get('never/seen:1')).toBeNull();
    expect(catalog.describe('never/seen:1')).toMatchObject({
      image: 'never/seen:1',
      ui_name: 'never/seen',
      available: false,
      image_id: null,
      warnings: [expect.stringMatching(/not on the Docker engine/)],
    });
  });

  it('lists only labelled, tagged images as discovered, one per image, sorted', () => {
    expect(catalog.listDiscovered().map((e) => e.image)).toEqual([
      'sim/legacy:2',
      'sim/paraview:1',
    ]);
  });

  it('knows unlabelled images too (so a forced registration of one is available)', () => {
    expect(catalog.get('plain')).toMatchObject({ available: true, labelled: false });
  });

  it('serves the image icon with a stable ETag, and the default icon otherwise', () => {
    const own = catalog.icon('sim/paraview:1');
    expect(own.png.equals(ICON)).toBe(true);
    expect(own.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(catalog.iconEtag('sim/paraview:latest')).toBe(own.etag);
    const fallback = catalog.icon('sim/legacy:2');
    expect(fallback.etag).not.toBe(own.etag);
    expect(catalog.icon('never/seen:1')).toEqual(fallback);
    expect(catalog.iconEtag('never/seen:1')).toBe(fallback.etag);
  });

  it('reports the engine up with the image count', () => {
    expect(catalog.status()).toMatchObject({ engine: 'up', error: null, images: 4 });
  });
});

describe('Catalog stays current', () => {
  it('re-scans on an image event: a removed image becomes unavailable, not dropped', async () => {
    catalog = makeCatalog();
    await startSettled(catalog);
    engine.remove('sim/legacy:2');
    engine.emit('delete');
    await until('legacy unavailable', () => catalog.get('sim/legacy:2')?.available === false);
    expect(catalog.get('sim/legacy:2')).toMatchObject({ ui_name: 'Legacy', available: false });
    expect(catalog.listDiscovered().map((e) => e.image)).toEqual(['sim/paraview:1']);
  });

  it('picks up a new image on a tag event and tells listeners', async () => {
    catalog = makeCatalog();
    await startSettled(catalog);
    let changes = 0;
    const off = catalog.onChange(() => changes++);
    engine.add('ee', ['sim/new:1'], { [label('ui_name')]: 'New', [label('type')]: 'webapp' });
    engine.emit('tag');
    await until('new image seen', () => catalog.get('sim/new:1')?.available === true);
    expect(changes).toBeGreaterThan(0);
    off();
  });

  it('ignores unreadable event lines', async () => {
    catalog = makeCatalog();
    await startSettled(catalog);
    engine.streams[0].write('not json\n');
    engine.add('ee', ['sim/new:1'], { [label('ui_name')]: 'New' });
    engine.emit('pull');
    await until('new image seen', () => catalog.get('sim/new:1') !== null);
  });

  it('re-scans periodically without events (the safety net)', async () => {
    catalog = makeCatalog(1);
    await startSettled(catalog);
    const lists = engine.lists;
    engine.remove('sim/legacy:2');
    await until(
      'legacy unavailable',
      () => catalog.get('sim/legacy:2')?.available === false,
      15_000,
    );
    expect(engine.lists).toBeGreaterThan(lists);
    expect(engine.eventConnects).toBe(1);
  });

  it('reconnects the event stream when it ends, and re-scans for what it missed', async () => {
    catalog = makeCatalog();
    await catalog.start();
    await until('events connected', () => engine.eventConnects === 1);
    engine.remove('sim/legacy:2');
    engine.cut();
    await until(
      'reconnected',
      () => engine.eventConnects === 2 && catalog.status().events_connected,
    );
    await until('missed delete noticed', () => catalog.get('sim/legacy:2')?.available === false);
  });
});

describe('Catalog with the engine down', () => {
  it('starts without throwing, reports the engine down and knows nothing', async () => {
    engine.down = true;
    catalog = makeCatalog();
    await expect(catalog.start()).resolves.toBeUndefined();
    expect(catalog.status()).toMatchObject({
      engine: 'down',
      error: expect.stringMatching(/ECONNREFUSED/),
      events_connected: false,
    });
    expect(catalog.get('sim/paraview:1')).toBeNull();
    expect(catalog.describe('sim/paraview:1').available).toBe(false);
  });

  it('catches up once the engine comes back (event stream reconnect with backoff)', async () => {
    engine.down = true;
    catalog = makeCatalog();
    await catalog.start();
    engine.down = false;
    await until(
      'engine up again',
      () => catalog.status().engine === 'up' && catalog.get('sim/paraview:1')?.available === true,
    );
  });

  it('marks every entry unavailable while the engine is down, and available again after', async () => {
    catalog = makeCatalog();
    await startSettled(catalog);
    engine.down = true;
    engine.cut();
    await catalog.refresh();
    expect(catalog.status().engine).toBe('down');
    expect(catalog.get('sim/paraview:1')).toMatchObject({ available: false, ui_name: 'Paraview' });
    engine.down = false;
    await until('back', () => catalog.get('sim/paraview:1')?.available === true);
    expect(catalog.status()).toMatchObject({ engine: 'up', error: null });
  });

  it('lookup() says 503 when the engine does not answer and null when it lacks the image', async () => {
    catalog = makeCatalog();
    await catalog.start();
    await expect(catalog.lookup('missing:1')).resolves.toBeNull();
    await expect(catalog.lookup('sim/legacy:2')).resolves.toMatchObject({
      ui_name: 'Legacy',
      available: true,
    });
    engine.down = true;
    await expect(catalog.lookup('sim/legacy:2')).rejects.toBeInstanceOf(ServiceUnavailable);
  });
});

describe('Catalog.refresh', () => {
  it('coalesces concurrent calls into at most one queued scan', async () => {
    catalog = makeCatalog();
    await catalog.start();
    const before = engine.lists;
    await Promise.all([catalog.refresh(), catalog.refresh(), catalog.refresh(), catalog.refresh()]);
    expect(engine.lists - before).toBe(2);
  });

  it('sees a change made before the call even while a scan is running', async () => {
    catalog = makeCatalog();
    await catalog.start();
    const running = catalog.refresh();
    engine.remove('sim/legacy:2');
    await catalog.refresh();
    expect(catalog.get('sim/legacy:2')?.available).toBe(false);
    await running;
  });
});
