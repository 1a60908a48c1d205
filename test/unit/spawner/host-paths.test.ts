import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ContainerDetails } from '../../../server/spawner/docker-client';
import { HostPaths, PathNotShared } from '../../../server/spawner/host-paths';

/** The hub container's mounts as the engine reports them in an inspect. */
function inspected(mounts: Partial<ContainerDetails['Mounts'][number]>[]): ContainerDetails {
  return { Id: 'hub-self', Mounts: mounts } as unknown as ContainerDetails;
}

describe('HostPaths', () => {
  it('maps a path under a named volume to the volume\u2019s host mountpoint', () => {
    const paths = HostPaths.fromContainer(
      inspected([
        { Type: 'volume', Destination: '/data', Source: '/var/lib/docker/volumes/v/_data' },
      ]),
    );
    expect(paths.inContainer).toBe(true);
    expect(paths.toHost('/data/workspaces/alice')).toEqual({
      source: '/var/lib/docker/volumes/v/_data/workspaces/alice',
      readOnly: false,
    });
    expect(paths.toHost('/data').source).toBe('/var/lib/docker/volumes/v/_data');
  });

  it('does not take a sibling with the same prefix for a path under the mount', () => {
    const paths = HostPaths.fromContainer(
      inspected([{ Type: 'bind', Destination: '/data', Source: '/srv/hub' }]),
    );
    expect(() => paths.toHost('/database/x')).toThrow(PathNotShared);
    expect(paths.reaches('/database')).toBe(false);
  });

  it('ignores mounts with no host side (tmpfs, a remote volume driver)', () => {
    const paths = HostPaths.fromContainer(
      inspected([
        { Type: 'tmpfs', Destination: '/tmp/x', Source: '' },
        { Type: 'volume', Destination: '/remote', Source: '' },
      ]),
    );
    expect(paths.reaches('/tmp/x/a')).toBe(false);
    expect(() => paths.toHost('/remote/a')).toThrow(/own filesystem/);
  });

  it('follows symlinks in the hub\u2019s view before choosing the mount', () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'host-paths-')));
    try {
      fs.mkdirSync(path.join(dir, 'real'));
      fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'link'));
      const paths = HostPaths.fromContainer(
        inspected([{ Type: 'bind', Destination: path.join(dir, 'real'), Source: '/host/real' }]),
      );
      expect(paths.toHost(path.join(dir, 'link')).source).toBe('/host/real');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is the identity for a hub on the host', () => {
    const paths = HostPaths.identity();
    expect(paths.inContainer).toBe(false);
    expect(paths.reaches('/anything')).toBe(true);
    const mounts = [{ source: 'rel/path', target: '/w', readOnly: false }];
    expect(paths.translate(mounts)).toBe(mounts);
  });
});
