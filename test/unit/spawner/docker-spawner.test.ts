import os from 'node:os';
import type Dockerode from 'dockerode';
import { logger } from '../../../server/log';
import { APP_NETWORK_LABEL, APP_NETWORK_MARK } from '../../../server/spawner/docker-attach';
import type { DockerClient } from '../../../server/spawner/docker-client';
import { DockerSpawner, type SharedFolder } from '../../../server/spawner/docker-spawner';
import { LABELS } from '../../../server/spawner/names';
import type { SpawnRequest } from '../../../server/spawner/spawner';
import { parseCidr, type PoolSetting, type Subnet } from '../../../server/spawner/subnet-pool';

/**
 * How the Docker spawner places apps, against an engine that records what it is asked (the
 * real engine runs in test/integration/hub-image.test.ts and spawner-contract.test.ts).
 */
const INSTALL = { id: 'install-1', legacyBefore: null };
const REQ: SpawnRequest = {
  urlId: 'a'.repeat(32),
  user: 'alice',
  mappingId: 'grant-1',
  image: 'app:1',
  env: {},
  mounts: [],
  limits: { memoryBytes: 2 ** 28, nanoCpus: 1e9, pidsLimit: 64 },
};

/** An address in the subnet of an interface of this machine (a Docker host has docker0). */
function localAddress(): string {
  const nic = Object.values(os.networkInterfaces())
    .flat()
    .find((n) => n && n.family === 'IPv4' && !n.internal);
  if (!nic) throw new Error('this machine has no IPv4 interface besides loopback');
  return nic.address;
}

interface SelfContainer {
  id: string;
  networkMode: string;
  mounts?: Partial<Dockerode.ContainerInspectInfo['Mounts'][number]>[];
}

/** An engine whose app containers come up at `appIp`; `self` is the hub's container, if any. */
function engine(
  appIp: string,
  self: SelfContainer | null,
  sharedFolders: SharedFolder[] = [],
  nets: {
    pool?: PoolSetting;
    refuse?: (opts: Dockerode.NetworkCreateOptions) => Error | null;
    /** Networks of others on the engine: in an unfiltered listing only. */
    others?: { Name: string; IPAM: { Config: { Subnet: string }[] } }[];
  } = {},
) {
  const calls: string[] = [];
  let created: Dockerode.ContainerCreateOptions | null = null;
  const networks: Dockerode.NetworkCreateOptions[] = [];
  /** What the engine's listing says of c1, once made (the test may change it). */
  const listed = { state: 'running', ip: appIp };
  let inspects = 0;
  const client = {
    inspectContainer: async (id: string) => {
      if (id === 'c1') inspects++;
      if (self && id === self.id)
        return {
          Id: self.id,
          HostConfig: { NetworkMode: self.networkMode },
          NetworkSettings: { Networks: { [self.networkMode]: {} } },
          Mounts: self.mounts ?? [],
        };
      if (id !== 'c1' || !created) return null;
      const network = created.HostConfig!.NetworkMode!;
      return {
        Id: 'c1',
        Name: '/' + created.name,
        // The engine resolves the reference at create; inspect reports the id it resolved to.
        Image: 'sha256:1',
        Config: { Labels: created.Labels, Image: created.Image },
        State: { Running: true, Status: 'running', StartedAt: new Date().toISOString() },
        NetworkSettings: { Networks: { [network]: { IPAddress: appIp } } },
      };
    },
    inspectImage: async () => ({ Id: 'sha256:1', Config: {} }),
    inspectNetwork: async () => ({ Options: { 'com.docker.network.bridge.enable_icc': 'false' } }),
    createNetwork: async (opts: Dockerode.NetworkCreateOptions) => {
      calls.push(`create network ${opts.Name}`);
      const refused = nets.refuse?.(opts);
      if (refused) throw refused;
      networks.push(opts);
    },
    connectNetwork: async (net: string, id: string) => void calls.push(`connect ${net} ${id}`),
    disconnectNetwork: async (net: string, id: string) =>
      void calls.push(`disconnect ${net} ${id}`),
    removeNetwork: async (net: string) => void calls.push(`remove network ${net}`),
    listNetworks: async (labels: string[]) => (labels.length ? [] : (nets.others ?? [])),
    listContainers: async () =>
      created
        ? [
            {
              Id: 'c1',
              State: listed.state,
              ImageID: 'sha256:1',
              Created: 1,
              Labels: created.Labels,
              Ports: [],
              NetworkSettings: {
                Networks: { [created.HostConfig!.NetworkMode!]: { IPAddress: listed.ip } },
              },
            },
          ]
        : [],
    createContainer: async (opts: Dockerode.ContainerCreateOptions) => {
      calls.push(`create container ${opts.HostConfig?.NetworkMode}`);
      created = opts;
      return 'c1';
    },
    startContainer: async () => void calls.push('start'),
    removeContainer: async (id: string) => void calls.push(`remove container ${id}`),
    logs: async () => '',
  };
  const spawner = new DockerSpawner(
    client as unknown as DockerClient,
    {
      realm: 'r1',
      install: INSTALL,
      network: 'hub-net',
      connect: 'container-ip',
      containerPort: 8888,
      startTimeoutMs: 10_000,
      stopGraceSeconds: 1,
      selfId: self?.id ?? null,
      sharedFolders,
      appNetworkPool: nets.pool,
    },
    logger('test'),
  );
  return { spawner, calls, networks, listed, created: () => created, inspects: () => inspects };
}

describe('DockerSpawner networks', () => {
  it('gives an app a labelled network of its own when the hub runs in a container, and joins it', async () => {
    const ip = localAddress();
    const e = engine(ip, { id: 'hub-self', networkMode: 'hub_default' });
    await e.spawner.init();
    const info = await e.spawner.start(REQ, () => undefined);
    const [net] = e.networks;
    expect(net.Labels).toEqual({
      [LABELS.realm]: 'r1',
      [LABELS.install]: INSTALL.id,
      [LABELS.urlId]: REQ.urlId,
      [APP_NETWORK_MARK]: '1',
    });
    expect(e.created()!.HostConfig!.NetworkMode).toBe(net.Name);
    expect(e.created()!.Labels![APP_NETWORK_LABEL]).toBe(net.Name);
    expect(e.calls).toContain(`connect ${net.Name} hub-self`);
    expect(info.target).toBe(`http://${ip}:8888`);
    expect(info).toMatchObject({ image: REQ.image, imageId: 'sha256:1' });
  });

  it('keeps the shared network for a hub on the host or in the host\u2019s namespace', async () => {
    for (const self of [null, { id: 'hub-self', networkMode: 'host' }]) {
      const e = engine(localAddress(), self);
      await e.spawner.init();
      await e.spawner.start(REQ, () => undefined);
      expect(e.networks).toEqual([]);
      expect(e.created()!.HostConfig!.NetworkMode).toBe('hub-net');
      expect(e.calls.filter((c) => c.startsWith('connect'))).toEqual([]);
    }
  });

  it('refuses an app address on no network the hub is attached to, and removes what it made', async () => {
    // TEST-NET-3 (RFC 5737): on no interface of a real machine; nothing is sent to it.
    const e = engine('203.0.113.9', { id: 'hub-self', networkMode: 'hub_default' });
    await e.spawner.init();
    const start = e.spawner.start(REQ, () => undefined);
    await expect(start).rejects.toMatchObject({ status: 502, code: 'target_unreachable' });
    await expect(start).rejects.toThrow(/not on a network the hub is attached to/);
    const net = e.networks[0].Name!;
    expect(e.calls.slice(-3)).toEqual([
      'remove container c1',
      `disconnect ${net} hub-self`,
      `remove network ${net}`,
    ]);
  });
});

describe('DockerSpawner app network subnets', () => {
  const HUB = { id: 'hub-self', networkMode: 'hub_default' };
  /** An engine error as dockerode reports it. */
  const engineError = (statusCode: number, message: string) =>
    Object.assign(new Error(message), { statusCode, json: { message } });

  it('gives the app’s network a subnet of spawner.app_network_pool', async () => {
    const pool = { pool: parseCidr('10.213.0.0/16') as Subnet, size: 28 };
    const e = engine(localAddress(), HUB, [], { pool });
    await e.spawner.init();
    await e.spawner.start(REQ, () => undefined);
    expect(e.networks[0].IPAM).toEqual({
      Driver: 'default',
      Config: [{ Subnet: expect.stringMatching(/^10\.213\.\d+\.\d+\/28$/) }],
    });
  });

  it('answers 503 naming the setting when the pool is used up, and leaves nothing behind', async () => {
    // A /28 pool holds one app subnet, and the engine already has a network on it.
    const pool = { pool: parseCidr('10.213.0.0/28') as Subnet, size: 28 };
    const e = engine(localAddress(), HUB, [], {
      pool,
      others: [{ Name: 'theirs', IPAM: { Config: [{ Subnet: '10.213.0.0/24' }] } }],
    });
    await e.spawner.init();
    const start = e.spawner.start(REQ, () => undefined);
    await expect(start).rejects.toMatchObject({ status: 503, code: 'network_pool_exhausted' });
    await expect(start).rejects.toThrow(/spawner\.app_network_pool \(10\.213\.0\.0\/28/);
    expect(e.networks).toEqual([]);
    expect(e.calls.filter((c) => c.startsWith('create'))).toEqual([]);
  });

  it.each([
    [
      'Docker 20.10',
      'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
    ],
    ['later engines', 'all predefined address pools have been fully subnetted'],
  ])(
    'without the setting, answers 503 naming it and default-address-pools when the engine’s pools are used up (%s)',
    async (_, message) => {
      const e = engine(localAddress(), HUB, [], { refuse: () => engineError(404, message) });
      await e.spawner.init();
      const start = e.spawner.start(REQ, () => undefined);
      await expect(start).rejects.toMatchObject({ status: 503, code: 'network_pool_exhausted' });
      await expect(start).rejects.toThrow(/set spawner\.app_network_pool .*default-address-pools/);
      expect(e.calls.filter((c) => c.startsWith('create container'))).toEqual([]);
    },
  );
});

describe('DockerSpawner lists', () => {
  it('inspects a running container again only when its listing changed', async () => {
    const ip = localAddress();
    const e = engine(ip, null);
    await e.spawner.init();
    await e.spawner.start(REQ, () => undefined);
    const first = await e.spawner.list();
    const inspected = e.inspects();
    for (let i = 0; i < 3; i++) expect(await e.spawner.list()).toEqual(first);
    expect(e.inspects()).toBe(inspected);
    expect(first).toEqual([expect.objectContaining({ urlId: REQ.urlId, state: 'running' })]);

    // Another address (a restart, a network change): the listing differs, so it is inspected.
    e.listed.ip = '203.0.113.9';
    await e.spawner.list();
    expect(e.inspects()).toBe(inspected + 1);
    // Not running: the exit code needs the inspect, every time.
    e.listed.state = 'exited';
    await e.spawner.list();
    await e.spawner.list();
    expect(e.inspects()).toBe(inspected + 3);
  });
});

describe('DockerSpawner bind sources', () => {
  const VOLUME_SOURCE = '/var/lib/docker/volumes/hubdata/_data';
  const inContainer = (mounts: SelfContainer['mounts']): SelfContainer => ({
    id: 'hub-self',
    networkMode: 'host',
    mounts,
  });
  const dataVolume = { Type: 'volume' as const, Destination: '/data', Source: VOLUME_SOURCE };
  const withMounts = (mounts: SpawnRequest['mounts']): SpawnRequest => ({ ...REQ, mounts });
  const home = { source: '/data/workspaces/alice', target: '/workspace', readOnly: false };

  it('gives the engine host paths for a hub container’s named volume and binds', async () => {
    const e = engine(
      localAddress(),
      inContainer([
        dataVolume,
        { Type: 'bind', Destination: '/data/shared', Source: '/srv/shared', RW: false },
        { Type: 'tmpfs', Destination: '/scratch', Source: '' },
      ]),
    );
    await e.spawner.init();
    await e.spawner.start(
      withMounts([home, { source: '/data/shared/maps', target: '/maps', readOnly: false }]),
      () => undefined,
    );
    expect(e.created()!.HostConfig!.Mounts).toEqual([
      {
        Type: 'bind',
        Source: `${VOLUME_SOURCE}/workspaces/alice`,
        Target: '/workspace',
        ReadOnly: false,
      },
      // The hub has /data/shared read-only: the app gets no more than that.
      { Type: 'bind', Source: '/srv/shared/maps', Target: '/maps', ReadOnly: true },
    ]);
  });

  it('leaves paths as they are for a hub on the host', async () => {
    const e = engine(localAddress(), null, [{ setting: 'data_dir', path: '/nowhere/data' }]);
    await e.spawner.init();
    await e.spawner.start(withMounts([home]), () => undefined);
    expect(e.created()!.HostConfig!.Mounts).toEqual([
      { Type: 'bind', Source: home.source, Target: '/workspace', ReadOnly: false },
    ]);
  });

  it('refuses to start when data_dir is on the hub container’s own layer, naming the setting', async () => {
    const e = engine(localAddress(), inContainer([dataVolume]), [
      { setting: 'data_dir (HUB_DATA_DIR)', path: '/app/data' },
    ]);
    await expect(e.spawner.init()).rejects.toThrow(
      /data_dir \(HUB_DATA_DIR\) is \/app\/data, which is on the hub container's own filesystem.*-v hubdata:\/app\/data/,
    );
  });

  it('accepts a volume root with a mount inside it, and refuses a grant source outside that mount', async () => {
    const e = engine(
      localAddress(),
      inContainer([
        dataVolume,
        { Type: 'bind', Destination: '/srv/share', Source: '/export/share' },
      ]),
      [
        { setting: 'data_dir', path: '/data' },
        { setting: 'spawner.allowed_volume_roots', path: '/srv' },
      ],
    );
    await e.spawner.init();
    const start = e.spawner.start(
      withMounts([{ source: '/srv/private', target: '/private', readOnly: true }]),
      () => undefined,
    );
    await expect(start).rejects.toMatchObject({ status: 403, code: 'volume_not_shared' });
    await expect(start).rejects.toThrow(/volume source \/srv\/private is on the hub container/);
    expect(e.created()).toBeNull();
  });

  it('refuses a home workspace on the container’s own layer before creating anything', async () => {
    // The engine was down at start, so the check at init did not run: the start still refuses.
    const e = engine(localAddress(), inContainer([]));
    const start = e.spawner.start(withMounts([home]), () => undefined);
    await expect(start).rejects.toMatchObject({ status: 503, code: 'workspace_not_shared' });
    await expect(start).rejects.toThrow(/mount a volume at data_dir/);
    expect(e.created()).toBeNull();
  });

  it('refuses a volume root on the container’s own layer, naming the setting', async () => {
    const e = engine(localAddress(), inContainer([dataVolume]), [
      { setting: 'spawner.allowed_volume_roots', path: '/opt/maps' },
    ]);
    await expect(e.spawner.init()).rejects.toThrow(/spawner.allowed_volume_roots is \/opt\/maps/);
  });
});
