import type Dockerode from 'dockerode';
import { logger } from '../../../server/log';
import { HubDocker } from '../../../server/docker/client';
import { SwarmClient } from '../../../server/spawner/swarm-client';
import { SwarmSpawner } from '../../../server/spawner/swarm-spawner';

/**
 * Bad set-ups the Swarm spawner must name before it creates anything: an engine that is not a
 * manager, an engine that does not answer, a hub outside a container. The engine is a fake that
 * records every call, so "nothing created" is checked call by call.
 */
function fakeEngine(info: () => Promise<unknown>) {
  const calls: string[] = [];
  const record = (name: string) => async (): Promise<never> => {
    calls.push(name);
    throw new Error(`${name} must not be called`);
  };
  const docker = {
    info: async () => {
      calls.push('info');
      return info();
    },
    getImage: () => ({ inspect: record('inspectImage') }),
    createNetwork: record('createNetwork'),
    createService: record('createService'),
  } as unknown as Dockerode;
  return { docker: new SwarmClient(new HubDocker(docker, 5000), logger('test')), calls };
}

const settings = {
  realm: 'r',
  install: { id: 'i', legacyBefore: null },
  init: false,
  containerPort: 8888,
  startTimeoutMs: 5000,
  stopGraceSeconds: 5,
  pollMs: 10,
};
const req = {
  urlId: 'a'.repeat(32),
  user: 'alice',
  mappingId: 'm',
  image: 'x',
  env: {},
  mounts: [],
  limits: { memoryBytes: 1 << 30, nanoCpus: 1e9, pidsLimit: 64 },
};
const log = logger('test');

describe('SwarmSpawner refuses bad set-ups before creating anything', () => {
  it('names an engine that is not a swarm manager', async () => {
    for (const swarm of [
      { LocalNodeState: 'inactive' },
      { LocalNodeState: 'active', ControlAvailable: false },
    ]) {
      const { docker, calls } = fakeEngine(async () => ({ Swarm: swarm }));
      const s = new SwarmSpawner(docker, { ...settings, selfId: 'c'.repeat(64) }, log);
      await expect(s.start(req, () => undefined)).rejects.toMatchObject({
        status: 503,
        code: 'swarm_unavailable',
        message: expect.stringMatching(/not a swarm manager.*docker swarm init/),
      });
      expect(calls).toEqual(['info']);
    }
  });

  it('names an engine that does not answer', async () => {
    const { docker, calls } = fakeEngine(async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 10.9.9.9:2376'), {
        code: 'ECONNREFUSED',
      });
    });
    const s = new SwarmSpawner(docker, { ...settings, selfId: 'c'.repeat(64) }, log);
    await expect(s.start(req, () => undefined)).rejects.toMatchObject({
      status: 503,
      message: expect.stringContaining('ECONNREFUSED'),
    });
    expect(calls).toEqual(['info']);
  });

  it('names a hub that does not run in a container', async () => {
    const { docker, calls } = fakeEngine(async () => ({
      Swarm: { LocalNodeState: 'active', ControlAvailable: true },
    }));
    const s = new SwarmSpawner(docker, { ...settings, selfId: null }, log);
    await expect(s.init()).rejects.toMatchObject({ code: 'swarm_needs_container' });
    await expect(s.start(req, () => undefined)).rejects.toMatchObject({
      message: expect.stringMatching(/does not run in a container/),
    });
    expect(calls).toEqual(['info', 'info']);
  });
});
