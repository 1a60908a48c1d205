import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../../server/config/load';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-config-'));

describe('loadConfig', () => {
  it('uses documented defaults with no file', () => {
    const c = loadConfig({}, dir);
    expect(c).toMatchObject({ port: 8000, bind: '127.0.0.1', data_dir: './data', realm: 'hub' });
    expect(c.spawner.container_port).toBe(8888);
  });

  it('merges defaults <- file <- env', () => {
    const file = path.join(dir, 'hub.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ port: 9000, realm: 'file', spawner: { max_per_user: 2 } }),
    );
    const c = loadConfig(
      { HUB_CONFIG: file, HUB_REALM: 'env', HUB_SPAWNER__HTTP_TIMEOUT_SECONDS: '120' },
      dir,
    );
    expect(c.port).toBe(9000);
    expect(c.realm).toBe('env');
    expect(c.spawner.max_per_user).toBe(2);
    expect(c.spawner.http_timeout_seconds).toBe(120);
  });

  it('names the bad key and its variable', () => {
    expect(() => loadConfig({ HUB_PORT: 'eighty' }, dir)).toThrow(ConfigError);
    expect(() => loadConfig({ HUB_PORT: 'eighty' }, dir)).toThrow(/port \(HUB_PORT\)/);
    expect(() => loadConfig({ HUB_PORT: '70000' }, dir)).toThrow(/port \(HUB_PORT\).*65535/);
    expect(() => loadConfig({ HUB_REALM: 'Bad Realm' }, dir)).toThrow(
      /realm \(HUB_REALM\): lower-case/,
    );
  });

  it('refuses unknown keys, bad JSON and a missing HUB_CONFIG file', () => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ HUB_CONFIG: file }, dir)).toThrow(/prot/);
    fs.writeFileSync(file, '{ nope');
    expect(() => loadConfig({ HUB_CONFIG: file }, dir)).toThrow(/not valid JSON/);
    expect(() => loadConfig({ HUB_CONFIG: path.join(dir, 'missing.json') }, dir)).toThrow(
      /does not exist/,
    );
  });

  it('types env values by the schema, not by their look', () => {
    const c = loadConfig(
      {
        HUB_REALM: '2024',
        HUB_ADMIN_USER: '007',
        HUB_SPAWNER__NETWORK: '42',
        HUB_SPAWNER__MEMORY_LIMIT: '512',
        HUB_SPAWNER__CPU_LIMIT: '1.5',
        HUB_TRUST_PROXY: 'true',
        HUB_SPAWNER__INIT: 'false',
        HUB_SPAWNER__ALLOWED_VOLUME_ROOTS: '["/srv/data", "/srv/shared"]',
      },
      dir,
    );
    expect(c.realm).toBe('2024');
    expect(c.admin_user).toBe('007');
    expect(c.spawner.network).toBe('42');
    expect(c.spawner.memory_limit).toBe('512');
    expect(c.spawner.cpu_limit).toBe(1.5);
    expect(c.trust_proxy).toBe(true);
    expect(c.spawner.init).toBe(false);
    expect(c.spawner.allowed_volume_roots).toEqual(['/srv/data', '/srv/shared']);
  });

  it('names the variable of an env value that does not fit its type', () => {
    expect(() => loadConfig({ HUB_SPAWNER__ALLOWED_VOLUME_ROOTS: '/srv/data' }, dir)).toThrow(
      /spawner\.allowed_volume_roots \(HUB_SPAWNER__ALLOWED_VOLUME_ROOTS\): write it as JSON, e\.g\. HUB_SPAWNER__ALLOWED_VOLUME_ROOTS='\["first", "second"\]'/,
    );
    expect(() => loadConfig({ HUB_SPAWNER__ALLOWED_VOLUME_ROOTS: '"/srv/data"' }, dir)).toThrow(
      /spawner\.allowed_volume_roots \(HUB_SPAWNER__ALLOWED_VOLUME_ROOTS\): Expected array/,
    );
    expect(() => loadConfig({ HUB_TRUST_PROXY: 'yes' }, dir)).toThrow(
      /trust_proxy \(HUB_TRUST_PROXY\): Expected boolean/,
    );
    expect(() => loadConfig({ HUB_SPAWNER__MAX_TOTAL: 'many' }, dir)).toThrow(
      /spawner\.max_total \(HUB_SPAWNER__MAX_TOTAL\): Expected number/,
    );
    expect(() => loadConfig({ HUB_SPAWNER__MAX_TOTAL: '' }, dir)).toThrow(/spawner\.max_total/);
  });

  it('accepts the shipped default config file', () => {
    const c = loadConfig({ HUB_CONFIG: path.join(__dirname, '../../../config/hub.json') }, dir);
    expect(c.spawner.network).toBe('hub-net');
  });
});
