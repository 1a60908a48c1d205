import os from 'node:os';
import { LABELS } from '../../../server/spawner/names';
import { linkRoutes, onAttachedNetwork } from '../../../server/spawner/swarm-attach';
import {
  appNetworkName,
  buildServiceSpec,
  MAX_SERVICE_NAME,
  serviceName,
} from '../../../server/spawner/swarm-spec';
import { demuxLogs, latestTask, taskState } from '../../../server/spawner/swarm-tasks';

const req = {
  urlId: 'a'.repeat(32),
  user: 'alice',
  mappingId: 'm1',
  image: 'hub/terminal:latest',
  env: { JPY_USER: 'alice' },
  mounts: [{ source: '/srv/a', target: '/workspace', readOnly: false }],
  limits: { memoryBytes: 512 * 2 ** 20, nanoCpus: 1e9, pidsLimit: 256 },
};

describe('swarm service names', () => {
  it('stay DNS labels of at most 63 characters and keep the distinguishing hash', () => {
    const long = serviceName('a-rather-long-realm', 'x'.repeat(80), 'm1', 'install');
    expect(long.length).toBeLessThanOrEqual(MAX_SERVICE_NAME);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(serviceName('r', 'x'.repeat(80), 'm2', 'install')).not.toBe(
      serviceName('r', 'x'.repeat(80), 'm1', 'install'),
    );
    expect(appNetworkName(long, 'a'.repeat(32)).length).toBeLessThanOrEqual(MAX_SERVICE_NAME);
    expect(appNetworkName(long, 'a'.repeat(32))).not.toBe(appNetworkName(long, 'b'.repeat(32)));
  });
});

describe('swarm service spec', () => {
  const spec = buildServiceSpec(
    { ...req, name: 'svc', imageId: 'sha256:abc', networkId: 'n1', network: 'svc-net' },
    8888,
    { realm: 'r', installId: 'i', init: true, stopGraceSeconds: 5 },
  ) as {
    Labels: Record<string, string>;
    EndpointSpec: { Mode: string };
    TaskTemplate: {
      ContainerSpec: { Image: string; Labels: Record<string, string>; CapabilityDrop: string[] };
      RestartPolicy: { Condition: string };
      Resources: { Limits: Record<string, number> };
      Networks: { Target: string }[];
    };
  };
  it('runs the image by ID, once, on its own network, with dnsrr', () => {
    expect(spec.TaskTemplate.ContainerSpec.Image).toBe('sha256:abc');
    expect(spec.TaskTemplate.RestartPolicy.Condition).toBe('none');
    expect(spec.TaskTemplate.Networks).toEqual([{ Target: 'n1' }]);
    expect(spec.EndpointSpec.Mode).toBe('dnsrr');
  });
  it('labels service and container alike, drops capabilities, sets limits', () => {
    expect(spec.Labels[LABELS.urlId]).toBe(req.urlId);
    expect(spec.TaskTemplate.ContainerSpec.Labels).toEqual(spec.Labels);
    expect(spec.TaskTemplate.ContainerSpec.CapabilityDrop).toEqual(['ALL']);
    expect(spec.TaskTemplate.Resources.Limits).toEqual({
      NanoCPUs: 1e9,
      MemoryBytes: 512 * 2 ** 20,
      Pids: 256,
    });
  });
});

describe('targets only on attached networks', () => {
  const nics = {
    eth0: [
      {
        address: '10.0.5.3',
        netmask: '255.255.255.0',
        family: 'IPv4' as const,
        mac: '',
        internal: false,
        cidr: '10.0.5.3/24',
      },
    ],
    lo: [
      {
        address: '127.0.0.1',
        netmask: '255.0.0.0',
        family: 'IPv4' as const,
        mac: '',
        internal: true,
        cidr: '127.0.0.1/8',
      },
    ],
  };
  it('accepts an address in a local subnet and refuses any other', () => {
    expect(onAttachedNetwork('10.0.5.9', nics)).toBe(true);
    expect(onAttachedNetwork('10.0.6.9', nics)).toBe(false);
    expect(onAttachedNetwork('127.0.0.2', nics)).toBe(false);
    expect(onAttachedNetwork('not-an-ip', nics)).toBe(false);
  });
});

describe('link routes', () => {
  // /proc/net/route of a host: default route via a gateway, docker0, a bridge whose only
  // container stopped (no carrier: its interface is gone from os.networkInterfaces()), and a
  // reject route. Addresses are hex in little-endian byte order, as on x86 and arm64.
  const table = [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
    'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
    'br-7e1d048d07cc\t00D0A8C0\t00000000\t0001\t0\t0\t0\t00F0FFFF\t0\t0\t0',
    'eth1\t0000000A\t0102000A\t0003\t0\t0\t0\t0000FFFF\t0\t0\t0',
    '*\t0000010A\t00000000\t0201\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  ].join('\n');
  const ip = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

  it('keeps the directly connected networks, whatever their link state, and nothing routed', () => {
    const routes = linkRoutes(table)!;
    expect(routes.map((r) => `${ip(r.network)}/${ip(r.mask)}`)).toEqual([
      '192.0.2.0/255.255.255.0',
      '172.17.0.0/255.255.0.0',
      '192.168.208.0/255.255.240.0',
    ]);
  });

  it("reads this machine's table: every interface that is up is attached, an outside address is not", () => {
    const routes = linkRoutes();
    expect(routes).not.toBeNull();
    expect(routes!.some((r) => r.mask === 0)).toBe(false);
    const up = Object.values(os.networkInterfaces())
      .flat()
      .filter((nic) => nic && nic.family === 'IPv4' && !nic.internal);
    expect(up.length).toBeGreaterThan(0);
    for (const nic of up)
      expect([nic!.address, onAttachedNetwork(nic!.address)]).toEqual([nic!.address, true]);
    expect(onAttachedNetwork('8.8.8.8')).toBe(false);
  });
});

describe('tasks', () => {
  it('maps states, picks the newest task and demultiplexes logs', () => {
    expect(taskState({ ID: 't', Status: { State: 'running' } })).toBe('running');
    expect(taskState({ ID: 't', Status: { State: 'rejected' } })).toBe('dead');
    expect(taskState({ ID: 't', Status: { State: 'complete' } })).toBe('exited');
    expect(taskState(undefined)).toBe('created');
    expect(
      latestTask([
        { ID: 'old', CreatedAt: '2026-01-01T00:00:00Z' },
        { ID: 'new', CreatedAt: '2026-01-02T00:00:00Z' },
      ])?.ID,
    ).toBe('new');
    const frame = (stream: number, text: string) => {
      const head = Buffer.alloc(8);
      head[0] = stream;
      head.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([head, Buffer.from(text)]);
    };
    expect(demuxLogs(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')]))).toBe('out\nerr\n');
  });
});
