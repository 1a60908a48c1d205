import type Dockerode from 'dockerode';
import { HubDocker } from '../../../server/docker/client';
import { logger } from '../../../server/log';
import { DockerClient, DockerUnavailable } from '../../../server/spawner/docker-client';

/** An engine where another call is already removing the container (Docker answers 409). */
function removingEngine(inspectsUntilGone: number) {
  let inspects = 0;
  const engine = {
    getContainer: () => ({
      remove: () => Promise.reject(Object.assign(new Error('conflict'), { statusCode: 409 })),
      inspect: () =>
        ++inspects > inspectsUntilGone
          ? Promise.reject(Object.assign(new Error('no such container'), { statusCode: 404 }))
          : Promise.resolve({ Id: 'c1' }),
    }),
  };
  return { engine: engine as unknown as Dockerode, inspects: () => inspects };
}

describe('DockerClient.removeContainer', () => {
  it('resolves only once a removal already under way has finished (the name is free then)', async () => {
    const { engine, inspects } = removingEngine(3);
    await new DockerClient(new HubDocker(engine, 5000), logger('test')).removeContainer('c1');
    expect(inspects()).toBe(4);
  });

  it('gives up with a message naming the setting when the removal never ends', async () => {
    const { engine } = removingEngine(Infinity);
    const removal = new DockerClient(new HubDocker(engine, 300), logger('test')).removeContainer(
      'c1',
    );
    await expect(removal).rejects.toBeInstanceOf(DockerUnavailable);
    await expect(removal).rejects.toThrow(/still being removed .* spawner\.docker_timeout_seconds/);
  });
});
