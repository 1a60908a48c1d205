import type Dockerode from 'dockerode';
import { logger } from '../../../server/log';
import { AppNetworks } from '../../../server/spawner/docker-attach';
import type { DockerClient } from '../../../server/spawner/docker-client';
import { parseCidr, type Subnet } from '../../../server/spawner/subnet-pool';

/**
 * Per-app networks on subnets of `spawner.app_network_pool`, against an engine that keeps its
 * networks' subnets and refuses an overlapping one as Docker does (the real engine runs in
 * test/integration/hub-image.test.ts).
 */
const cidr = (text: string) => parseCidr(text) as Subnet;
const contains = (outer: string, inner: string) => {
  const [o, i] = [cidr(outer), cidr(inner)];
  const mask = (~0 << (32 - o.prefix)) >>> 0;
  return i.prefix >= o.prefix && (i.network & mask) >>> 0 === o.network;
};

/** An engine holding `existing` networks; `sneak` adds one behind the hub's back on a create. */
function engine(existing: Record<string, string> = {}) {
  const subnets = new Map(Object.entries(existing));
  const creates: string[] = [];
  let listings = 0;
  const state = { sneak: null as { name: string; subnet: string } | null, failWith: '' };
  const client = {
    listNetworks: async (labels: string[]) => {
      if (labels.length) return [];
      listings++;
      return [...subnets].map(([Name, Subnet]) => ({ Name, IPAM: { Config: [{ Subnet }] } }));
    },
    createNetwork: async (opts: Dockerode.NetworkCreateOptions) => {
      // Yields first, as the engine does: starts in flight overlap.
      await new Promise((r) => setImmediate(r));
      const subnet = opts.IPAM!.Config![0].Subnet!;
      creates.push(subnet);
      if (state.sneak) {
        subnets.set(state.sneak.name, state.sneak.subnet);
        state.sneak = null;
      }
      if (state.failWith) throw Object.assign(new Error(state.failWith), { statusCode: 500 });
      const clash = [...subnets.values()].some((s) => contains(s, subnet) || contains(subnet, s));
      if (clash) {
        const message = 'Pool overlaps with other one on this address space';
        throw Object.assign(new Error(message), { statusCode: 403, json: { message } });
      }
      subnets.set(opts.Name, subnet);
    },
    disconnectNetwork: async () => undefined,
    removeNetwork: async (name: string) => void subnets.delete(name),
  };
  const nets = (pool: string, routes: string[] = []) =>
    new AppNetworks(
      client as unknown as DockerClient,
      'hub-self',
      {
        realm: 'r1',
        installId: 'i1',
        pool: { pool: cidr(pool), size: 28 },
        routes: () =>
          routes.map((r) => ({
            network: cidr(r).network,
            mask: (~0 << (32 - cidr(r).prefix)) >>> 0,
          })),
      },
      logger('test'),
    );
  return { nets, subnets, creates, state, listings: () => listings };
}

describe('AppNetworks with spawner.app_network_pool', () => {
  it('gives concurrent starts different subnets, clear of the engine’s networks and the hub’s routes', async () => {
    const e = engine({ bridge: '172.17.0.0/16', other: '10.213.0.0/28' });
    const nets = e.nets('10.213.0.0/24', ['10.213.0.16/28']);
    await nets.prune(new Set());
    await Promise.all(['a', 'b', 'c'].map((n) => nets.create(n, `url-${n}`)));
    expect(['a', 'b', 'c'].map((n) => e.subnets.get(n))).toEqual([
      '10.213.0.32/28',
      '10.213.0.48/28',
      '10.213.0.64/28',
    ]);
  });

  it('tries the next subnet when another installation took one since the last listing', async () => {
    const e = engine();
    const nets = e.nets('10.213.0.0/24');
    await nets.prune(new Set());
    e.state.sneak = { name: 'theirs', subnet: '10.213.0.0/28' };
    await nets.create('a', 'url-a');
    expect(e.creates).toEqual(['10.213.0.0/28', '10.213.0.16/28']);
    expect(e.subnets.get('a')).toBe('10.213.0.16/28');
  });

  it('gives up after a few refusals with the engine’s own message', async () => {
    const e = engine();
    const nets = e.nets('10.213.0.0/24');
    e.state.failWith = 'Pool overlaps with other one on this address space';
    await expect(nets.create('a', 'url-a')).rejects.toThrow(/Pool overlaps/);
    expect(e.creates).toEqual([
      '10.213.0.0/28',
      '10.213.0.16/28',
      '10.213.0.32/28',
      '10.213.0.48/28',
    ]);
  });

  it('frees the subnet of a removed network and of a failed create for the next start', async () => {
    const e = engine();
    const nets = e.nets('10.213.0.0/28');
    await nets.create('a', 'url-a');
    await expect(nets.create('b', 'url-b')).rejects.toMatchObject({
      status: 503,
      code: 'network_pool_exhausted',
    });
    await nets.remove('a');
    await nets.create('b', 'url-b');
    expect(e.subnets.get('b')).toBe('10.213.0.0/28');
    e.state.failWith = 'engine hiccup';
    await nets.remove('b');
    await expect(nets.create('c', 'url-c')).rejects.toThrow(/engine hiccup/);
    e.state.failWith = '';
    await nets.create('c', 'url-c');
    expect(e.subnets.get('c')).toBe('10.213.0.0/28');
  });

  it('lists the engine again before calling the pool exhausted', async () => {
    const e = engine({ old: '10.213.0.0/28' });
    const nets = e.nets('10.213.0.0/28');
    await nets.prune(new Set());
    e.subnets.delete('old');
    const before = e.listings();
    await nets.create('a', 'url-a');
    expect(e.listings()).toBe(before + 1);
    expect(e.subnets.get('a')).toBe('10.213.0.0/28');
  });
});
