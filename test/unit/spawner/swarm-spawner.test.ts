import type Dockerode from 'dockerode';
import { logger } from '../../../server/log';
import { HubDocker } from '../../../server/docker/client';
import { SwarmClient } from '../../../server/spawner/swarm-client';
import { SwarmSpawner } from '../../../server/spawner/swarm-spawner';
import { buildServiceSpec, SWARM_IMAGE_LABEL } from '../../../server/spawner/swarm-spec';

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

/**
 * What app updates read from a Swarm app (ContainerInfo.image and imageId): the service is
 * created from the image id, so its spec says which image the task runs however the name has
 * moved since, and a label keeps the name it was started by. The engine is a fake answering the
 * two list calls with a service built by buildServiceSpec, as the real one stores it.
 */
describe('SwarmSpawner reads the image a service runs', () => {
  const oldId = `sha256:${'0a'.repeat(32)}`;
  const listed = (spec: Record<string, unknown>) => {
    const service = { ID: 's1', CreatedAt: new Date().toISOString(), Spec: spec };
    const task = {
      ID: 't1',
      ServiceID: 's1',
      CreatedAt: new Date().toISOString(),
      Status: { State: 'running', Timestamp: new Date().toISOString() },
      NetworksAttachments: [],
    };
    const docker = {
      listServices: async () => [service],
      listTasks: async () => [task],
    } as unknown as Dockerode;
    const client = new SwarmClient(new HubDocker(docker, 5000), log);
    return new SwarmSpawner(client, { ...settings, selfId: null }, log).list();
  };
  const spec = () =>
    buildServiceSpec(
      { ...req, image: 'hub/app:1', name: 'svc', imageId: oldId, networkId: 'n1', network: 'net' },
      8888,
      { realm: 'r', installId: 'i', init: false, stopGraceSeconds: 5 },
    );

  it('reports the id it was created from and the reference it was started by', async () => {
    const [info] = await listed(spec());
    expect(info).toMatchObject({
      urlId: req.urlId,
      owner: 'self',
      state: 'running',
      image: 'hub/app:1',
      imageId: oldId,
    });
  });

  it('falls back to the id for a service made before the image label', async () => {
    const s = spec() as { Labels: Record<string, string> };
    delete s.Labels[SWARM_IMAGE_LABEL];
    const [info] = await listed(s);
    expect(info).toMatchObject({ image: oldId, imageId: oldId });
  });

  it('reports no id for a service whose spec names the image by reference', async () => {
    const s = spec() as { TaskTemplate: { ContainerSpec: { Image: string } } };
    s.TaskTemplate.ContainerSpec.Image = `hub/app:1@sha256:${'1b'.repeat(32)}`;
    const [info] = await listed(s);
    expect(info).toMatchObject({ image: 'hub/app:1', imageId: null });
  });
});
