import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../../server/config/load';
import { poolSettingOf } from '../../../server/spawner/subnet-pool';

/** `spawner.app_network_pool` is checked once at start, each message naming the key. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-pool-config-'));
const withPool = (value: string) => loadConfig({ HUB_SPAWNER__APP_NETWORK_POOL: value }, dir);

describe('spawner.app_network_pool', () => {
  it('is unset by default: the engine picks subnets', () => {
    const c = loadConfig({}, dir);
    expect(c.spawner.app_network_pool).toBeUndefined();
    expect(poolSettingOf(c.spawner.app_network_pool)).toBeNull();
  });

  it('takes base and size as JSON from the environment, size defaulting to /28', () => {
    const c = withPool('{"base": "10.213.0.0/16"}');
    expect(c.spawner.app_network_pool).toEqual({ base: '10.213.0.0/16', size: 28 });
    expect(poolSettingOf(c.spawner.app_network_pool)).toEqual({
      pool: { network: 0x0ad50000, prefix: 16 },
      size: 28,
    });
    const nested = loadConfig({ HUB_SPAWNER__APP_NETWORK_POOL__BASE: '10.213.0.0/20' }, dir);
    expect(nested.spawner.app_network_pool).toEqual({ base: '10.213.0.0/20', size: 28 });
  });

  it.each([
    ['{"base": "10.213.0.0"}', /spawner\.app_network_pool\.base.*not an IPv4 CIDR/],
    [
      '{"base": "10.213.7.0/16"}',
      /spawner\.app_network_pool\.base.*host bits set.*10\.213\.0\.0\/16/,
    ],
    ['{"base": "127.0.0.0/16"}', /spawner\.app_network_pool\.base.*loopback/],
    ['{"base": "0.0.0.0/0"}', /spawner\.app_network_pool\.base.*"this" network/],
    ['{"base": "10.213.0.0/16", "size": 30}', /spawner\.app_network_pool\.size.*at most 29/],
    [
      '{"base": "10.213.0.0/24", "size": 20}',
      /spawner\.app_network_pool\.size.*\/20 subnets do not fit in the pool 10\.213\.0\.0\/24/,
    ],
    ['{"base": "10.213.0.0/16", "sise": 28}', /spawner\.app_network_pool.*sise/],
  ])('refuses %s, naming the key and its variable', (value, message) => {
    expect(() => withPool(value)).toThrow(ConfigError);
    expect(() => withPool(value)).toThrow(message);
    expect(() => withPool(value)).toThrow(/HUB_SPAWNER__APP_NETWORK_POOL/);
  });
});
