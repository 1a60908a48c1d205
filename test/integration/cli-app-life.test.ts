import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { workspaceDir } from '../../server/spawner/workspace-files';
import { appLabels, TestImages } from '../helpers/images';

const ROOT = path.join(__dirname, '..', '..');

/**
 * The clean-up commands (issue 16) on a real engine and SQLite file. The real run of
 * `hub app prune-images` is left to the API test, which removes only its own images: on an
 * engine shared with other suites, a run without a list would take their images too.
 */
describe('hub app / hub user clean-up (CLI)', () => {
  jest.setTimeout(120_000);
  const docker = new Dockerode();
  const images = new TestImages(docker);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-cli-life-'));
  const cli = (args: string[], input = '') =>
    spawnSync(path.join(ROOT, 'bin', 'hub'), args, {
      input,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HUB_DATA_DIR: dir,
        HUB_REALM: `cli-life-${process.pid}`,
        DOCKER_HOST: process.env.DOCKER_HOST,
      },
    });
  let app = { ref: '', id: '' };
  let spare = { ref: '', id: '' };

  beforeAll(async () => {
    app = await images.build('cli-life', {
      labels: appLabels({ ui_name: 'CLI life', type: 'webapp' }),
    });
    spare = await images.build('cli-life-spare', {
      labels: appLabels({ ui_name: 'CLI life spare', type: 'webapp' }),
    });
    expect(cli(['app', 'create', app.ref]).status).toBe(0);
  });
  afterAll(async () => {
    await images.removeAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists unused images in a dry run: the unregistered one, not the registered one', () => {
    const dry = cli(['app', 'prune-images', '--dry-run', '--json']);
    expect(dry.status).toBe(0);
    const ids = (JSON.parse(dry.stdout) as Array<{ id: string; reason: string }>).map((i) => i.id);
    expect(ids).toContain(spare.id);
    expect(ids).not.toContain(app.id);
  });

  it('unregisters an application together with its image', async () => {
    const res = cli(['app', 'remove', app.ref, '--remove-image']);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toContain(`removed image ${app.ref}`);
    await expect(docker.getImage(app.ref).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(JSON.parse(cli(['app', 'list', '--json']).stdout)).toEqual([]);
  });

  it('deletes a user with the workspace only when asked, after a dry run shows it', () => {
    expect(cli(['user', 'create', 'ivy'], 'ivy-password-1\n').status).toBe(0);
    const ws = workspaceDir(dir, 'ivy');
    fs.mkdirSync(ws, { recursive: true });
    fs.writeFileSync(path.join(ws, 'results.dat'), '12345');
    const dry = cli(['user', 'remove', 'ivy', '--delete-workspace', '--dry-run']);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain(`would delete ${ws}: 1 files, 5 bytes`);
    expect(dry.stdout).toContain('results.dat');
    expect(fs.existsSync(path.join(ws, 'results.dat'))).toBe(true);
    const done = cli(['user', 'remove', 'ivy', '--delete-workspace']);
    expect(done.status).toBe(0);
    expect(done.stdout).toContain(`deleted ${ws}: 1 files, 5 bytes`);
    expect(fs.existsSync(ws)).toBe(false);
    expect(cli(['user', 'list', '--json']).stdout).not.toContain('"ivy"');
  });
});
