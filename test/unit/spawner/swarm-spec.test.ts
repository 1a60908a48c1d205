import { LABELS } from '../../../server/spawner/names';
import {
  appNetworkName,
  buildServiceSpec,
  MAX_SERVICE_NAME,
  serviceName,
} from '../../../server/spawner/swarm-spec';
import { demuxLogs, latestTask, taskState } from '../../../server/spawner/swarm-tasks';

const req = {
  urlId: 'a'.repeat(32),
  user: 'alice',
  mappingId: 'm1',
  image: 'hub/terminal:latest',
  env: { JPY_USER: 'alice' },
  mounts: [{ source: '/srv/a', target: '/workspace', readOnly: false }],
  limits: { memoryBytes: 512 * 2 ** 20, nanoCpus: 1e9, pidsLimit: 256 },
};

describe('swarm service names', () => {
  it('stay DNS labels of at most 63 characters and keep the distinguishing hash', () => {
    const long = serviceName('a-rather-long-realm', 'x'.repeat(80), 'm1', 'install');
    expect(long.length).toBeLessThanOrEqual(MAX_SERVICE_NAME);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(serviceName('r', 'x'.repeat(80), 'm2', 'install')).not.toBe(
      serviceName('r', 'x'.repeat(80), 'm1', 'install'),
    );
    expect(appNetworkName(long, 'a'.repeat(32)).length).toBeLessThanOrEqual(MAX_SERVICE_NAME);
    expect(appNetworkName(long, 'a'.repeat(32))).not.toBe(appNetworkName(long, 'b'.repeat(32)));
  });
});

describe('swarm service spec', () => {
  const spec = buildServiceSpec(
    { ...req, name: 'svc', imageId: 'sha256:abc', networkId: 'n1', network: 'svc-net' },
    8888,
    { realm: 'r', installId: 'i', init: true, stopGraceSeconds: 5 },
  ) as {
    Labels: Record<string, string>;
    EndpointSpec: { Mode: string };
    TaskTemplate: {
      ContainerSpec: { Image: string; Labels: Record<string, string>; CapabilityDrop: string[] };
      RestartPolicy: { Condition: string };
      Resources: { Limits: Record<string, number> };
      Networks: { Target: string }[];
    };
  };
  it('runs the image by ID, once, on its own network, with dnsrr', () => {
    expect(spec.TaskTemplate.ContainerSpec.Image).toBe('sha256:abc');
    expect(spec.TaskTemplate.RestartPolicy.Condition).toBe('none');
    expect(spec.TaskTemplate.Networks).toEqual([{ Target: 'n1' }]);
    expect(spec.EndpointSpec.Mode).toBe('dnsrr');
  });
  it('labels service and container alike, drops capabilities, sets limits', () => {
    expect(spec.Labels[LABELS.urlId]).toBe(req.urlId);
    expect(spec.TaskTemplate.ContainerSpec.Labels).toEqual(spec.Labels);
    expect(spec.TaskTemplate.ContainerSpec.CapabilityDrop).toEqual(['ALL']);
    expect(spec.TaskTemplate.Resources.Limits).toEqual({
      NanoCPUs: 1e9,
      MemoryBytes: 512 * 2 ** 20,
      Pids: 256,
    });
  });
});

describe('tasks', () => {
  it('maps states, picks the newest task and demultiplexes logs', () => {
    expect(taskState({ ID: 't', Status: { State: 'running' } })).toBe('running');
    expect(taskState({ ID: 't', Status: { State: 'rejected' } })).toBe('dead');
    expect(taskState({ ID: 't', Status: { State: 'complete' } })).toBe('exited');
    expect(taskState(undefined)).toBe('created');
    expect(
      latestTask([
        { ID: 'old', CreatedAt: '2026-01-01T00:00:00Z' },
        { ID: 'new', CreatedAt: '2026-01-02T00:00:00Z' },
      ])?.ID,
    ).toBe('new');
    const frame = (stream: number, text: string) => {
      const head = Buffer.alloc(8);
      head[0] = stream;
      head.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([head, Buffer.from(text)]);
    };
    expect(demuxLogs(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')]))).toBe('out\nerr\n');
  });
});
