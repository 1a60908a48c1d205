import {
  formatCidr,
  nextFreeSubnet,
  overlaps,
  parseCidr,
  poolCapacity,
  routeSubnet,
  SubnetPool,
  type Subnet,
} from '../../../server/spawner/subnet-pool';

/** Pure allocation of app subnets from `spawner.app_network_pool` (docker-attach.ts uses it). */
const cidr = (text: string): Subnet => {
  const s = parseCidr(text);
  if (typeof s === 'string') throw new Error(s);
  return s;
};
const POOL = cidr('10.213.0.0/16');
const next = (taken: string[], size = 28, pool = POOL) => {
  const s = nextFreeSubnet(pool, size, taken.map(cidr));
  return s && formatCidr(s);
};

describe('parseCidr', () => {
  it('reads a CIDR and writes it back the same', () => {
    expect(formatCidr(cidr('10.213.0.0/16'))).toBe('10.213.0.0/16');
    expect(formatCidr(cidr('192.168.255.248/29'))).toBe('192.168.255.248/29');
  });

  it('says what is wrong with text that is not a network address', () => {
    expect(parseCidr('10.213.0.0')).toMatch(/not an IPv4 CIDR/);
    expect(parseCidr('10.213.0.256/24')).toMatch(/not an IPv4 CIDR/);
    expect(parseCidr('10.213.0.0/33')).toMatch(/not an IPv4 CIDR/);
    expect(parseCidr('fd00::/64')).toMatch(/not an IPv4 CIDR/);
    expect(parseCidr('10.213.5.0/16')).toBe(
      '"10.213.5.0/16" has host bits set; the block it lies in is 10.213.0.0/16',
    );
  });
});

describe('overlaps', () => {
  it.each([
    ['identical', '10.213.0.0/28', '10.213.0.0/28', true],
    ['containing', '10.213.0.0/16', '10.213.4.16/28', true],
    ['contained', '10.213.4.16/28', '10.213.0.0/16', true],
    ['adjacent below', '10.213.0.0/28', '10.213.0.16/28', false],
    ['adjacent above', '10.213.0.16/28', '10.213.0.0/28', false],
    ['disjoint', '172.17.0.0/16', '10.213.0.0/16', false],
  ])('%s', (_, a, b, expected) => {
    expect(overlaps(cidr(a), cidr(b))).toBe(expected);
  });
});

describe('nextFreeSubnet', () => {
  it('gives the pool’s first subnet when nothing is taken', () => {
    expect(next([])).toBe('10.213.0.0/28');
    expect(next([], 29)).toBe('10.213.0.0/29');
  });

  it('skips an identical subnet, and a smaller one inside a candidate', () => {
    expect(next(['10.213.0.0/28'])).toBe('10.213.0.16/28');
    expect(next(['10.213.0.8/30'])).toBe('10.213.0.16/28');
  });

  it('skips a larger block containing many candidates in one step', () => {
    expect(next(['10.213.0.0/20'])).toBe('10.213.16.0/28');
  });

  it('takes a subnet right next to a taken one (adjacent blocks do not overlap)', () => {
    expect(next(['10.213.0.16/28'])).toBe('10.213.0.0/28');
    expect(next(['10.213.0.0/28', '10.213.0.32/28'])).toBe('10.213.0.16/28');
  });

  it('ignores taken blocks outside the pool, and fills a gap between unsorted ones', () => {
    expect(next(['172.17.0.0/16', '10.214.0.0/16'])).toBe('10.213.0.0/28');
    expect(next(['10.213.0.64/26', '10.213.0.0/27', '10.213.0.48/28'])).toBe('10.213.0.32/28');
  });

  it('answers null when the pool is full, or covered by a block containing it', () => {
    const pool = cidr('10.213.0.0/27');
    expect(next(['10.213.0.0/28', '10.213.0.16/28'], 28, pool)).toBeNull();
    expect(next(['10.0.0.0/8'])).toBeNull();
    expect(next(['10.213.0.0/28'], 28, cidr('10.213.0.0/28'))).toBeNull();
  });

  it('finds the last subnet of a pool ending at 255.255.255.255 without wrapping round', () => {
    const pool = cidr('255.255.255.224/27');
    expect(next(['255.255.255.224/28'], 28, pool)).toBe('255.255.255.240/28');
    expect(next(['255.255.255.224/28', '255.255.255.240/28'], 28, pool)).toBeNull();
  });

  it('walks a large, fragmented taken set without trying every candidate', () => {
    // Every other /28 of a /16 taken: the free one is the second of each pair.
    const taken: string[] = [];
    for (let i = 0; i < 4096; i += 2)
      taken.push(formatCidr({ network: POOL.network + i * 16, prefix: 28 }));
    expect(next(taken)).toBe('10.213.0.16/28');
    expect(poolCapacity({ pool: POOL, size: 28 })).toBe(4096);
  });
});

describe('routeSubnet', () => {
  it('reads a link route’s mask as the prefix of the block it covers', () => {
    const route = (net: string, mask: number) => ({ network: cidr(net).network, mask });
    expect(formatCidr(routeSubnet(route('10.213.0.0/24', 0xffffff00)))).toBe('10.213.0.0/24');
    expect(formatCidr(routeSubnet(route('172.18.0.0/16', 0xffff0000)))).toBe('172.18.0.0/16');
    expect(formatCidr(routeSubnet(route('10.0.0.1/32', 0xffffffff)))).toBe('10.0.0.1/32');
  });
});

describe('SubnetPool', () => {
  const setting = { pool: cidr('10.213.0.0/26'), size: 28 };
  const net = (Name: string, ...subnets: string[]) => ({
    Name,
    IPAM: { Config: subnets.map((Subnet) => ({ Subnet })) },
  });

  it('keeps clear of the engine’s networks and the hub’s own routes', () => {
    const pool = new SubnetPool(setting, () => [
      { network: cidr('10.213.0.16/28').network, mask: 0xfffffff0 },
    ]);
    pool.loadNetworks([net('bridge', '172.17.0.0/16'), net('other', '10.213.0.0/28', 'fd00::/64')]);
    expect(formatCidr(pool.reserve('a')!)).toBe('10.213.0.32/28');
  });

  it('never gives two starts in flight the same subnet, and reuses a released one', () => {
    const pool = new SubnetPool(setting, () => null);
    const got = ['a', 'b', 'c', 'd'].map((n) => formatCidr(pool.reserve(n)!));
    expect(new Set(got).size).toBe(4);
    expect(pool.reserve('e')).toBeNull();
    pool.release('b');
    expect(formatCidr(pool.reserve('e')!)).toBe(got[1]);
  });

  it('frees the subnet of a network the hub removed, without listing the engine again', () => {
    const pool = new SubnetPool({ pool: cidr('10.213.0.0/28'), size: 28 }, () => null);
    pool.loadNetworks([net('old', '10.213.0.0/28')]);
    expect(pool.reserve('a')).toBeNull();
    pool.release('old');
    expect(formatCidr(pool.reserve('a')!)).toBe('10.213.0.0/28');
  });

  it('keeps a subnet the engine refused taken across listings until the next init', () => {
    const pool = new SubnetPool(setting, () => null);
    expect(formatCidr(pool.reserve('a')!)).toBe('10.213.0.0/28');
    pool.refuse('a');
    expect(formatCidr(pool.reserve('a')!)).toBe('10.213.0.16/28');
    pool.release('a');
    pool.loadNetworks([]);
    expect(formatCidr(pool.reserve('a')!)).toBe('10.213.0.16/28');
    pool.release('a');
    pool.loadNetworks([], true);
    expect(formatCidr(pool.reserve('a')!)).toBe('10.213.0.0/28');
  });

  it('keeps reservations across a listing made while starts are in flight', () => {
    const pool = new SubnetPool(setting, () => null);
    const a = formatCidr(pool.reserve('a')!);
    pool.loadNetworks([]);
    expect(formatCidr(pool.reserve('b')!)).not.toBe(a);
  });
});
