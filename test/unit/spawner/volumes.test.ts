import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BadRequest, Forbidden } from '../../../server/errors';
import {
  checkPolicyVolume,
  resolveMounts,
  WORKSPACE_TARGET,
} from '../../../server/spawner/volumes';

const noVolume = { allow_home: false, volume_source: null, volume_target: null, volume_mode: null };

describe('policy volumes', () => {
  let tmp: string;
  let root: string;
  let outside: string;

  beforeEach(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'hub-vol-')));
    root = path.join(tmp, 'shared');
    outside = path.join(tmp, 'secret');
    fs.mkdirSync(path.join(root, 'data'), { recursive: true });
    fs.mkdirSync(outside);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const settings = () => ({
    dataDir: path.join(tmp, 'hubdata'),
    allowedRoots: [root],
    workspaceUid: 1000,
  });
  const vol = (source: string, mode: 'ro' | 'rw' | null = null) => ({
    ...noVolume,
    volume_source: source,
    volume_target: '/data',
    volume_mode: mode,
  });

  it('mounts a source under an allowed root, read-only unless rw', () => {
    expect(checkPolicyVolume(settings(), vol(path.join(root, 'data')))).toEqual({
      source: path.join(root, 'data'),
      target: '/data',
      readOnly: true,
    });
    expect(checkPolicyVolume(settings(), vol(path.join(root, 'data'), 'rw')).readOnly).toBe(false);
  });

  it('refuses a source outside the roots', () => {
    expect(() => checkPolicyVolume(settings(), vol(outside))).toThrow(Forbidden);
    expect(() => checkPolicyVolume(settings(), vol(outside))).toThrow(/allowed_volume_roots/);
  });

  it('refuses ".." even when it would resolve inside', () => {
    expect(() => checkPolicyVolume(settings(), vol(`${root}/data/../data`))).toThrow(/\.\./);
  });

  it('refuses a symlink that escapes the root', () => {
    const link = path.join(root, 'escape');
    fs.symlinkSync(outside, link);
    expect(() => checkPolicyVolume(settings(), vol(link))).toThrow(Forbidden);
  });

  it('refuses a root prefix that is not a parent folder', () => {
    fs.mkdirSync(`${root}-evil`);
    expect(() => checkPolicyVolume(settings(), vol(`${root}-evil`))).toThrow(Forbidden);
  });

  it('says a missing source is missing (400), not a silent drop', () => {
    expect(() => checkPolicyVolume(settings(), vol(path.join(root, 'nope')))).toThrow(BadRequest);
    expect(() => checkPolicyVolume(settings(), vol(path.join(root, 'nope')))).toThrow(
      /does not exist/,
    );
  });

  it('refuses any volume when no root is configured, naming the setting', () => {
    expect(() =>
      checkPolicyVolume({ ...settings(), allowedRoots: [] }, vol(path.join(root, 'data'))),
    ).toThrow(/spawner\.allowed_volume_roots/);
  });

  it('refuses a relative source and a bad target', () => {
    expect(() => checkPolicyVolume(settings(), vol('shared/data'))).toThrow(Forbidden);
    expect(() =>
      checkPolicyVolume(settings(), { ...vol(path.join(root, 'data')), volume_target: '/' }),
    ).toThrow(Forbidden);
    expect(() =>
      checkPolicyVolume(settings(), { ...vol(path.join(root, 'data')), volume_target: 'rel' }),
    ).toThrow(Forbidden);
  });

  it('creates the home workspace under the data folder for allow_home', () => {
    const mounts = resolveMounts(settings(), 'Bob/..', { ...noVolume, allow_home: true });
    expect(mounts).toHaveLength(1);
    expect(mounts[0].target).toBe(WORKSPACE_TARGET);
    expect(path.dirname(mounts[0].source)).toBe(path.join(tmp, 'hubdata', 'workspaces'));
    expect(fs.statSync(mounts[0].source).isDirectory()).toBe(true);
    if (process.getuid?.() === 0) expect(fs.statSync(mounts[0].source).uid).toBe(1000);
  });
});
