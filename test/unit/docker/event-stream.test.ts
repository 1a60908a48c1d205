import { PassThrough } from 'node:stream';
import { EventStream } from '../../../server/docker/event-stream';
import { logger } from '../../../server/log';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('EventStream', () => {
  it('parses events, reconnects after the stream ends and after refusals, and stops for good', async () => {
    const streams: PassThrough[] = [];
    let refuse = 0;
    const events: unknown[] = [];
    const connections: boolean[] = [];
    const es = new EventStream({
      name: 'test events',
      open: async () => {
        if (refuse > 0) {
          refuse--;
          throw new Error('connect ECONNREFUSED');
        }
        const s = new PassThrough();
        streams.push(s);
        return s;
      },
      onEvent: (e) => events.push(e),
      onConnection: (up) => connections.push(up),
      log: logger('test'),
      initialBackoffMs: 1,
      maxBackoffMs: 4,
    });
    es.start();
    await tick();
    expect(es.connected).toBe(true);
    streams[0].write('{"Action":"die"}\nnot json\n{"Action":');
    streams[0].write('"destroy"}\n');
    await tick();
    expect(events).toEqual([{ Action: 'die' }, { Action: 'destroy' }]);

    refuse = 2;
    streams[0].end();
    await tick(50);
    expect(streams).toHaveLength(2);
    expect(connections).toEqual([true, false, true]);

    es.stop();
    streams[1].end();
    await tick(20);
    expect(streams).toHaveLength(2);
    expect(es.connected).toBe(false);
  });
});
