import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import Dockerode from 'dockerode';
import { LABELS } from '../../server/spawner/names';
import { TEST_LABEL } from '../helpers/images';
import { ADMIN, Client } from '../helpers/hub';

/**
 * The hub image (images/hub) run as a deployment runs it: only the engine socket, a data volume
 * and a port published on loopback. The test talks to it through that port only, so no packet
 * from the host goes to a container or overlay address.
 */
export const HUB_IMAGE = process.env.HUB_TEST_HUB_IMAGE ?? 'hub/hub:latest';

export interface HubContainer {
  realm: string;
  id: string;
  base: string;
  admin(): Promise<Client>;
  /** A client signed in as `name` through the published port. */
  login(name: string, password: string): Promise<Client>;
  restart(): Promise<void>;
  logs(): Promise<string>;
  remove(): Promise<void>;
}

/**
 * Builds the hub image when it is missing (npm run build:hub-image, about two minutes). An
 * existing image is used as it is: rebuild it after changing the server. HUB_TEST_HUB_IMAGE
 * (e.g. hub/hub:mine) tests a privately tagged build without touching hub/hub:latest.
 */
export function ensureHubImage(): void {
  try {
    execFileSync('docker', ['image', 'inspect', HUB_IMAGE], { stdio: 'pipe' });
  } catch {
    const tag = HUB_IMAGE.slice(HUB_IMAGE.lastIndexOf(':') + 1);
    execFileSync('bash', ['images/hub/build.sh'], {
      stdio: 'pipe',
      timeout: 600_000,
      env: { ...process.env, HUB_IMAGE_TAG: tag },
    });
  }
}

/**
 * Runs the hub image. `hostNetwork`: the hub in the host's network namespace listening on a free
 * loopback port. `dataFolder`: a host folder bind-mounted at /data instead of a named volume.
 */
export async function runHubContainer(
  docker: Dockerode,
  env: Record<string, string> = {},
  opts: { hostNetwork?: boolean; dataFolder?: string } = {},
): Promise<HubContainer> {
  const realm = `it${crypto.randomBytes(4).toString('hex')}`;
  const volume = opts.dataFolder ?? `hub-test-${realm}`;
  if (!opts.dataFolder) await docker.createVolume({ Name: volume, Labels: { [TEST_LABEL]: '1' } });
  const container = await docker.createContainer({
    Image: HUB_IMAGE,
    name: `hub-test-${realm}`,
    Labels: { [TEST_LABEL]: '1', [LABELS.realm]: `${realm}-hub` },
    Env: Object.entries({
      HUB_ADMIN_PASSWORD: ADMIN.password,
      HUB_REALM: realm,
      HUB_LOG_LEVEL: 'info',
      ...(opts.hostNetwork ? { HUB_PORT: '0', HUB_BIND: '127.0.0.1' } : {}),
      ...env,
    }).map(([k, v]) => `${k}=${v}`),
    ExposedPorts: { '8000/tcp': {} },
    HostConfig: {
      Binds: ['/var/run/docker.sock:/var/run/docker.sock', `${volume}:/data`],
      ...(opts.hostNetwork
        ? { NetworkMode: 'host' }
        : { PortBindings: { '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } }),
    },
  });
  let base = '';
  const up = async () => {
    await container.start().catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 304) throw err;
    });
    const startedAt = (await container.inspect()).State.StartedAt;
    const end = Date.now() + 60_000;
    for (;;) {
      base = await address(startedAt);
      const ok = await fetch(`${base}/health`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return;
      if (Date.now() > end) throw new Error(`the hub container did not answer:\n${await logs()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  // Published: the engine's port binding. Host network: the port the hub printed (since start).
  const address = async (since: string): Promise<string> => {
    if (!opts.hostNetwork) {
      const info = await container.inspect();
      return `http://127.0.0.1:${info.NetworkSettings.Ports['8000/tcp']?.[0]?.HostPort}`;
    }
    const out = (
      await container.logs({ stdout: true, since: Math.floor(Date.parse(since) / 1000) })
    ).toString('utf8');
    const m = [...out.matchAll(/hub listening on http:\/\/127\.0\.0\.1:(\d+)/g)].at(-1);
    return m ? `http://127.0.0.1:${m[1]}` : 'http://127.0.0.1:1';
  };
  const logs = async () =>
    (await container.logs({ stdout: true, stderr: true, tail: 60 })).toString('utf8');
  const login = async (name: string, password: string) => {
    const c = new Client(base);
    const res = await c.login(name, password);
    if (!res.ok) throw new Error(`login as ${name}: ${res.status}`);
    return c;
  };
  await up();
  return {
    realm,
    id: container.id,
    get base() {
      return base;
    },
    admin: () => login(ADMIN.name, ADMIN.password),
    login,
    async restart() {
      await container.stop({ t: 10 });
      await up();
    },
    logs,
    async remove() {
      await container.remove({ force: true }).catch(() => undefined);
      // What the hub made in its realm and a test left running (apps, their own networks):
      // the realm is this run's alone.
      const mine = { label: [`${LABELS.realm}=${realm}`] };
      for (const c of await docker.listContainers({ all: true, filters: mine }))
        await docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined);
      for (const n of await docker.listNetworks({ filters: mine }))
        await docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined);
      if (!opts.dataFolder)
        await docker
          .getVolume(volume)
          .remove()
          .catch(() => undefined);
    },
  };
}

/**
 * Whether this engine is a swarm manager, initialising a one-node swarm when the node is
 * inactive (`left` says whether the caller must leave it again). `null` with a reason when it
 * cannot be: then swarm tests skip and say why.
 */
export function ensureSwarm(): { inited: boolean } | { skip: string } {
  const state = () =>
    execFileSync(
      'docker',
      ['info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'],
      { stdio: 'pipe' },
    )
      .toString()
      .trim();
  try {
    const now = state();
    if (now === 'active true') return { inited: false };
    if (!now.startsWith('inactive'))
      return { skip: `the engine is in swarm state "${now}", not a manager` };
    execFileSync('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1'], { stdio: 'pipe' });
    return { inited: true };
  } catch (err) {
    return { skip: `docker swarm init failed: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** Removes what a swarm hub of `realm` left: services, then (after their tasks) networks. */
export async function cleanupSwarmRealm(docker: Dockerode, realm: string): Promise<void> {
  const filters = { label: [`${LABELS.realm}=${realm}`] };
  for (const s of await docker.listServices({ filters }))
    await docker
      .getService(s.ID!)
      .remove()
      .catch(() => undefined);
  const end = Date.now() + 30_000;
  for (;;) {
    const nets = await docker.listNetworks({ filters });
    if (!nets.length || Date.now() > end) return;
    for (const n of nets)
      await docker
        .getNetwork(n.Id)
        .remove()
        .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * Runs busybox wget in `container`, from inside it (never from this host), and returns its exit
 * code: 0 when `url` answered 2xx. Callers probe only bridges of this host.
 */
export async function probeFrom(
  docker: Dockerode,
  container: string,
  url: string,
): Promise<number> {
  const exec = await docker.getContainer(container).exec({
    // busybox 1.35's `wget -T` crashes (exit 139): `timeout` bounds it instead.
    Cmd: ['/bin/busybox', 'timeout', '3', '/bin/busybox', 'wget', '-qO-', url],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({});
  await new Promise((r) => stream.on('end', r).resume());
  return (await exec.inspect()).ExitCode ?? -1;
}

/** Runs `cmd` in `container` through the engine (no network) and fails on a non-zero exit. */
export async function execIn(docker: Dockerode, container: string, cmd: string[]): Promise<void> {
  const exec = await docker
    .getContainer(container)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  await new Promise((r) => stream.on('end', r).resume());
  const code = (await exec.inspect()).ExitCode;
  if (code !== 0) throw new Error(`${cmd.join(' ')} in ${container.slice(0, 12)}: exit ${code}`);
}
