import { FrameBoundary } from '../../../server/proxy/ws-frames';

function frame(opcode: number, payload: number, masked = false): Buffer {
  const len =
    payload < 126
      ? [payload]
      : payload < 65536
        ? [126, payload >> 8, payload & 255]
        : [
            127,
            0,
            0,
            0,
            0,
            (payload >>> 24) & 255,
            (payload >> 16) & 255,
            (payload >> 8) & 255,
            payload & 255,
          ];
  const header = Buffer.from([
    0x80 | opcode,
    (masked ? 0x80 : 0) | len[0],
    ...len.slice(1),
    ...(masked ? [1, 2, 3, 4] : []),
  ]);
  return Buffer.concat([header, Buffer.alloc(payload, 7)]);
}

describe('FrameBoundary', () => {
  it('is at a boundary only between frames, across any chunking', () => {
    const stream = Buffer.concat([
      frame(1, 5),
      frame(2, 300),
      frame(2, 70000),
      frame(9, 0),
      frame(1, 1, true),
    ]);
    const ends = new Set<number>();
    let pos = 0;
    for (const f of [frame(1, 5), frame(2, 300), frame(2, 70000), frame(9, 0), frame(1, 1, true)]) {
      pos += f.length;
      ends.add(pos);
    }
    for (const size of [1, 2, 3, 7, 1000, stream.length]) {
      const t = new FrameBoundary();
      for (let i = 0; i < stream.length; i += size) {
        const chunk = stream.subarray(i, Math.min(i + size, stream.length));
        t.feed(chunk);
        const end = i + chunk.length;
        expect(t.atBoundary).toBe(ends.has(end));
      }
    }
  });

  it('turns itself off on bytes that are not WebSocket frames', () => {
    const t = new FrameBoundary();
    t.feed(Buffer.from('HTTP/1.1 200 OK\r\n'));
    expect(t.usable).toBe(false);
    expect(t.atBoundary).toBe(false);
  });

  it('stops pinging once the app starts closing', () => {
    const t = new FrameBoundary();
    t.feed(frame(8, 2));
    expect(t.atBoundary).toBe(false);
  });
});
