import { buildCreateOptions, CAP_ADD, chooseWebPort } from '../../../server/spawner/container-spec';
import type { SpawnRequest } from '../../../server/spawner/spawner';

const req: SpawnRequest & { name: string } = {
  urlId: 'f'.repeat(32),
  user: 'alice',
  mappingId: 'm1',
  image: 'app:1',
  name: 'hub-hub-alice-abc',
  env: { JPY_USER: 'alice', URL_ID: 'f'.repeat(32) },
  mounts: [{ source: '/srv/data', target: '/data', readOnly: true }],
  limits: { memoryBytes: 512 * 1024 ** 2, nanoCpus: 5e8, pidsLimit: 100 },
};

describe('chooseWebPort', () => {
  it('uses the configured port unless the image exposes exactly one other port', () => {
    expect(chooseWebPort(undefined, 8888)).toBe(8888);
    expect(chooseWebPort({ '8888/tcp': {} }, 8888)).toBe(8888);
    expect(chooseWebPort({ '6080/tcp': {} }, 8888)).toBe(6080);
    expect(chooseWebPort({ '6080/tcp': {}, '5900/tcp': {} }, 8888)).toBe(8888);
    expect(chooseWebPort({ '6080/tcp': {}, '53/udp': {} }, 8888)).toBe(6080);
  });
});

describe('buildCreateOptions', () => {
  const settings = { realm: 'r1', network: 'hub-net', connect: 'container-ip' as const };

  it('labels, env and name come from the request', () => {
    const o = buildCreateOptions(req, 8888, settings);
    expect(o.name).toBe(req.name);
    expect(o.Image).toBe('app:1');
    expect(o.Labels).toEqual({
      'eu.simphony-project.docker.user': 'alice',
      'eu.simphony-project.docker.mapping_id': 'm1',
      'eu.simphony-project.docker.url_id': req.urlId,
      'eu.simphony-project.docker.realm': 'r1',
    });
    expect(o.Env).toEqual(['JPY_USER=alice', `URL_ID=${req.urlId}`]);
  });

  it('labels the installation that creates the container', () => {
    const o = buildCreateOptions(req, 8888, { ...settings, installId: 'c'.repeat(32) });
    expect(o.Labels?.['eu.simphony-project.docker.install']).toBe('c'.repeat(32));
  });

  it('has secure defaults and the limits', () => {
    const h = buildCreateOptions(req, 8888, settings).HostConfig!;
    expect(h.Privileged).toBe(false);
    expect(h.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(h.CapDrop).toEqual(['ALL']);
    expect(h.CapAdd).toEqual(CAP_ADD);
    expect(h.Memory).toBe(512 * 1024 ** 2);
    expect(h.MemorySwap).toBe(512 * 1024 ** 2);
    expect(h.NanoCpus).toBe(5e8);
    expect(h.PidsLimit).toBe(100);
    expect(h.NetworkMode).toBe('hub-net');
    expect(h.Mounts).toEqual([
      { Type: 'bind', Source: '/srv/data', Target: '/data', ReadOnly: true },
    ]);
    expect(h.PortBindings).toBeUndefined();
    expect(h.Init).toBe(false);
  });

  it("runs Docker's init as PID 1 when spawner.init asks for it", () => {
    expect(buildCreateOptions(req, 8888, { ...settings, init: true }).HostConfig!.Init).toBe(true);
  });

  it('publishes on loopback only in host-port mode', () => {
    const h = buildCreateOptions(req, 6080, { ...settings, connect: 'host-port' }).HostConfig!;
    expect(h.PortBindings).toEqual({ '6080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
  });
});
