import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';

/**
 * The proxy's test backend: test/fixtures/echo-server/echo.c, compiled static and shipped in a
 * FROM scratch image. Built once and reused while the source is unchanged (its hash is a label),
 * so suites and the benchmark share it.
 */
export const ECHO_IMAGE = 'hub-test/echo:latest';
export const ECHO_PORT = 8888;
/** Every image and container the tests create carries this label, for cleanup by label. */
export const TEST_LABEL = 'hub-test';

const run = promisify(execFile);
const SOURCE_DIR = path.join(__dirname, '..', 'fixtures', 'echo-server');
const HASH_LABEL = 'hub-test.echo-source';

let building: Promise<void> | null = null;

/** Builds hub-test/echo:latest unless an image of the current source already exists. */
export function ensureEchoImage(docker = new Docker()): Promise<void> {
  building ??= build(docker).catch((err: unknown) => {
    building = null;
    throw err;
  });
  return building;
}

async function build(docker: Docker): Promise<void> {
  const source = await readFile(path.join(SOURCE_DIR, 'echo.c'));
  const dockerfile = await readFile(path.join(SOURCE_DIR, 'Dockerfile'));
  const hash = createHash('sha256').update(source).update(dockerfile).digest('hex').slice(0, 16);
  try {
    const info = await docker.getImage(ECHO_IMAGE).inspect();
    if (info.Config?.Labels?.[HASH_LABEL] === hash) return;
  } catch {
    // not built yet
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hub-echo-'));
  try {
    await copyFile(path.join(SOURCE_DIR, 'Dockerfile'), path.join(dir, 'Dockerfile'));
    await run('gcc', [
      '-static',
      '-O2',
      '-o',
      path.join(dir, 'echo'),
      path.join(SOURCE_DIR, 'echo.c'),
    ]);
    await run('docker', [
      'build',
      '-q',
      '-t',
      ECHO_IMAGE,
      '--label',
      `${TEST_LABEL}=1`,
      '--label',
      `${HASH_LABEL}=${hash}`,
      dir,
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A running echo container on the default bridge. */
export interface EchoContainer {
  id: string;
  /** Its address on the default bridge, reachable from the host. */
  ip: string;
  /** `http://<ip>:8888` */
  target: string;
  /** Stops the container, leaving it in place (a "dead" app). */
  halt(): Promise<void>;
  /** Removes the container; idempotent. */
  stop(): Promise<void>;
}

/**
 * How the echo app treats connections: keep-alive (default), `close` after every answer with
 * `Connection: close` (busybox httpd), or `http10` (HTTP/1.0 answers, closed after: Python's
 * http.server, behind noVNC's websockify).
 */
export type EchoMode = 'keep-alive' | 'close' | 'http10';

/**
 * Starts an echo container (labelled hub-test=1) on the default bridge, or on `network`, and
 * waits until it accepts connections.
 */
export async function runEcho(
  docker = new Docker(),
  opts: { network?: string; mode?: EchoMode } = {},
): Promise<EchoContainer> {
  await ensureEchoImage(docker);
  const network = opts.network ?? 'bridge';
  const container = await docker.createContainer({
    Image: ECHO_IMAGE,
    Cmd: opts.mode && opts.mode !== 'keep-alive' ? [String(ECHO_PORT), opts.mode] : [],
    Labels: { [TEST_LABEL]: '1' },
    HostConfig: { NetworkMode: network },
  });
  const stop = async (): Promise<void> => {
    try {
      await container.remove({ force: true });
    } catch (err) {
      // 404: already gone; 409: already being removed. Both are the state we want.
      const status = (err as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 409) throw err;
    }
  };
  try {
    return await started(container, network, stop);
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Starts a created app container and waits until it accepts connections on ECHO_PORT. */
async function started(
  container: Docker.Container,
  network: string,
  stop: () => Promise<void>,
): Promise<EchoContainer> {
  await container.start();
  const info = await container.inspect();
  const ip = info.NetworkSettings.Networks[network]?.IPAddress;
  if (!ip) throw new Error(`the test app has no address on the network ${network}`);
  await waitForPort(ip, ECHO_PORT);
  return {
    id: container.id,
    ip,
    target: `http://${ip}:${ECHO_PORT}`,
    halt: async () => {
      await container.stop({ t: 0 }).catch(() => undefined);
    },
    stop,
  };
}

/**
 * busybox httpd (FROM scratch + Debian's static busybox) serving `files` (path → content) on
 * port 8888 of the default bridge: a real app of the kind that closes the connection after
 * every answer and forks a process per connection, as SimPhoNy's simplest web apps do.
 */
export async function runBusyboxHttpd(
  files: Record<string, string>,
  docker = new Docker(),
): Promise<EchoContainer & { removeImage(): Promise<void> }> {
  const { TestImages } = await import('./images');
  const images = new TestImages(docker);
  const script = Object.entries(files)
    .map(([file, content]) => {
      const full = `/www/${file.replace(/^\/+/, '')}`;
      const dir = full.slice(0, full.lastIndexOf('/'));
      return `/bin/busybox mkdir -p '${dir}' && /bin/busybox printf '%s' '${content}' > '${full}'`;
    })
    .concat(`exec /bin/busybox httpd -f -p ${ECHO_PORT} -h /www`)
    .join(' && ');
  const { ref } = await images.build('httpd', { cmd: ['/bin/busybox', 'sh', '-c', script] });
  const container = await docker.createContainer({
    Image: ref,
    Labels: { [TEST_LABEL]: '1' },
    HostConfig: { NetworkMode: 'bridge' },
  });
  const stop = async (): Promise<void> => {
    await container.remove({ force: true }).catch(() => undefined);
  };
  try {
    return { ...(await started(container, 'bridge', stop)), removeImage: () => images.removeAll() };
  } catch (err) {
    await stop();
    await images.removeAll();
    throw err;
  }
}

/**
 * A labelled bridge network of the test's own. A stopped container's address on the shared
 * default bridge can be handed to anyone's next container at once; on this network it cannot.
 */
export async function createTestNetwork(
  name: string,
  docker = new Docker(),
): Promise<{ name: string; remove(): Promise<void> }> {
  const network = await docker.createNetwork({
    Name: name,
    Driver: 'bridge',
    Labels: { [TEST_LABEL]: '1' },
  });
  return {
    name,
    remove: async () => {
      await network.remove().catch(() => undefined);
    },
  };
}

/** Removes every container the tests left behind (by label). */
export async function removeTestContainers(docker = new Docker()): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=1`] } });
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}

async function waitForPort(host: string, port: number, attempts = 100): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`echo container at ${host}:${port} did not accept connections`);
}
