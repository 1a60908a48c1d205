import os from 'node:os';
import {
  linkRoutes,
  onAttachedNetwork,
  RouteTableReader,
} from '../../../server/spawner/attached-networks';

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

describe('route table cache', () => {
  const header =
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';
  // 172.17.0.0/16 (docker0), then a bridge for 192.168.208.0/20 the hub has just joined.
  const before = [header, 'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0'];
  const after = [...before, 'br-1\t00D0A8C0\t00000000\t0001\t0\t0\t0\t00F0FFFF\t0\t0\t0'];

  function reader() {
    const state = { text: before.join('\n'), reads: 0, now: 0 };
    const table = new RouteTableReader(
      () => {
        state.reads++;
        return state.text;
      },
      1000,
      () => state.now,
    );
    return { state, table };
  }

  it('answers a flood of questions about an address that is not local from one read', () => {
    const { state, table } = reader();
    for (let i = 0; i < 100; i++)
      expect(onAttachedNetwork('10.9.9.9', undefined, table)).toBe(false);
    expect(onAttachedNetwork('172.17.0.5', undefined, table)).toBe(true);
    expect(onAttachedNetwork('172.17.0.6', undefined, table)).toBe(true);
    expect(state.reads).toBe(1);
    state.now = 1001;
    expect(onAttachedNetwork('10.9.9.9', undefined, table)).toBe(false);
    expect(state.reads).toBe(2);
  });

  it('reads the table again for an address not refused before (a network created since)', () => {
    const { state, table } = reader();
    expect(onAttachedNetwork('10.9.9.9', undefined, table)).toBe(false);
    state.text = after.join('\n');
    expect(onAttachedNetwork('192.168.210.4', undefined, table)).toBe(true);
    expect(state.reads).toBe(2);
  });

  it('forgets a refusal when told the hub joined a network, and reads the table at once', () => {
    const { state, table } = reader();
    expect(onAttachedNetwork('192.168.210.4', undefined, table)).toBe(false);
    state.text = after.join('\n');
    // Not told yet: the refusal stands for the cache's lifetime (what the join call is for).
    expect(onAttachedNetwork('192.168.210.4', undefined, table)).toBe(false);
    expect(state.reads).toBe(1);
    table.changed();
    expect(onAttachedNetwork('192.168.210.4', undefined, table)).toBe(true);
    expect(state.reads).toBe(2);
  });

  it('falls back to the interfaces where there is no route table', () => {
    const table = new RouteTableReader(() => null);
    const up = Object.values(os.networkInterfaces())
      .flat()
      .filter((nic) => nic && nic.family === 'IPv4' && !nic.internal);
    for (const nic of up) expect(onAttachedNetwork(nic!.address, undefined, table)).toBe(true);
    expect(onAttachedNetwork('8.8.8.8', undefined, table)).toBe(false);
  });
});
