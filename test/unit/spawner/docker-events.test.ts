import { demuxLogs } from '../../../server/spawner/docker-client';
import { toContainerEvent } from '../../../server/spawner/docker-events';

const URL_LABEL = 'eu.simphony-project.docker.url_id';
const raw = (Action: string, attrs: Record<string, string> = {}) => ({
  Type: 'container',
  Action,
  Actor: { ID: 'c1', Attributes: { [URL_LABEL]: 'u1', ...attrs } },
});

describe('toContainerEvent', () => {
  it('turns die, stop and oom into died, destroy into removed', () => {
    expect(toContainerEvent(raw('die', { exitCode: '137' }))).toEqual({
      kind: 'died',
      urlId: 'u1',
      containerId: 'c1',
      exitCode: 137,
    });
    expect(toContainerEvent(raw('stop'))?.kind).toBe('died');
    expect(toContainerEvent(raw('oom'))?.kind).toBe('died');
    expect(toContainerEvent(raw('destroy'))?.kind).toBe('removed');
  });

  it('counts only SIGKILL as a deadly kill', () => {
    expect(toContainerEvent(raw('kill', { signal: '9' }))?.kind).toBe('died');
    expect(toContainerEvent(raw('kill', { signal: '1' }))).toBeNull();
  });

  it('ignores other containers and other events', () => {
    expect(
      toContainerEvent({ Type: 'container', Action: 'die', Actor: { ID: 'x', Attributes: {} } }),
    ).toBeNull();
    expect(toContainerEvent(raw('start'))).toBeNull();
    expect(toContainerEvent({ ...raw('die'), Type: 'image' })).toBeNull();
  });
});

describe('demuxLogs', () => {
  const frame = (stream: number, text: string) => {
    const payload = Buffer.from(text);
    const head = Buffer.alloc(8);
    head[0] = stream;
    head.writeUInt32BE(payload.length, 4);
    return Buffer.concat([head, payload]);
  };

  it('joins stdout and stderr frames in order', () => {
    expect(
      demuxLogs(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, 'more\n')])),
    ).toBe('out\nerr\nmore\n');
  });

  it('reads unframed (TTY) output as text', () => {
    expect(demuxLogs(Buffer.from('plain text output\n'))).toBe('plain text output\n');
    expect(demuxLogs(Buffer.alloc(0))).toBe('');
  });
});
