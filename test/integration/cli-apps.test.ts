import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appLabels, TestImages } from '../helpers/images';

const ROOT = path.join(__dirname, '..', '..');

describe('hub app (CLI, real Docker image, real SQLite)', () => {
  const images = new TestImages();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-cli-apps-'));
  const volumeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-cli-vol-'));
  const cli = (args: string[], input = '') =>
    spawnSync(path.join(ROOT, 'bin', 'hub'), args, {
      input,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HUB_DATA_DIR: dir, DOCKER_HOST: process.env.DOCKER_HOST },
    });
  let ref = '';

  beforeAll(async () => {
    ref = (
      await images.build('cliapp', { labels: appLabels({ ui_name: 'CLI app', type: 'webapp' }) })
    ).ref;
    expect(cli(['user', 'create', 'ivan'], 'ivan-password-1\n').status).toBe(0);
  });
  afterAll(() => images.removeAll());

  it('registers, grants, lists and revokes like remoteappdb', () => {
    const missing = cli(['app', 'create', 'hub-test/not-there:latest']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/not on the Docker engine.*--force/);
    expect(cli(['app', 'create', 'hub-test/not-there:latest', '--force']).status).toBe(0);

    const created = cli(['app', 'create', ref]);
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(/registered/);
    const apps = JSON.parse(cli(['app', 'list', '--json']).stdout) as Array<{ image: string }>;
    expect(apps.map((a) => a.image)).toEqual(
      expect.arrayContaining([ref, 'hub-test/not-there:latest']),
    );

    const grant = cli([
      'app',
      'grant',
      ref,
      'ivan',
      '--allow-home',
      '--volume',
      `${volumeRoot}:/data:rw`,
      '--allow-startup-data',
    ]);
    expect(grant.status).toBe(0);
    expect(grant.stdout).toMatch(/mapping_id [0-9a-f]{32}/);
    const grants = JSON.parse(cli(['app', 'list', '--user', 'ivan', '--json']).stdout);
    expect(grants).toEqual([
      expect.objectContaining({
        user: 'ivan',
        image: ref,
        policy: expect.objectContaining({
          allow_home: true,
          allow_startup_data: true,
          volume_source: volumeRoot,
          volume_target: '/data',
          volume_mode: 'rw',
        }),
      }),
    ]);

    const badVolume = cli(['app', 'grant', ref, 'ivan', '--volume', 'nonsense']);
    expect(badVolume.status).toBe(1);
    expect(badVolume.stderr).toMatch(/--volume: expected SRC:TGT:ro\|rw/);
    expect(cli(['app', 'grant', ref, 'nobody']).stderr).toMatch(/no user named "nobody"/);

    expect(cli(['app', 'revoke', ref, 'ivan']).status).toBe(0);
    expect(JSON.parse(cli(['app', 'list', '--user', 'ivan', '--json']).stdout)).toEqual([]);
    const again = cli(['app', 'revoke', ref, 'ivan']);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/has no grant/);
  });
});
