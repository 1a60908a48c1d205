import { RfbViewFilter, RfbViolation } from '../../../server/proxy/rfb-view-filter';

const b = (...parts: Array<number[] | string | Buffer>): Buffer =>
  Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))),
  );

const V38 = 'RFB 003.008\n';
const HANDSHAKE_NONE = b(V38, [1], [1]); // version, security None, ClientInit shared
const HANDSHAKE_VNCAUTH = b(V38, [2], Buffer.alloc(16, 9), [0]);

// Client messages, built as a VNC client would send them.
const setPixelFormat = b([0, 0, 0, 0], Buffer.alloc(16, 5));
const setEncodings = (n: number) => {
  const m = Buffer.alloc(4 + 4 * n);
  m[0] = 2;
  m.writeUInt16BE(n, 2);
  for (let i = 0; i < n; i++) m.writeInt32BE(i - 2, 4 + 4 * i);
  return m;
};
const fbur = b([3, 1, 0, 0, 0, 0, 4, 0, 3, 0]);
const keyEvent = (key: number) => {
  const m = Buffer.alloc(8);
  m[0] = 4;
  m[1] = 1;
  m.writeUInt32BE(key, 4);
  return m;
};
const pointerEvent = b([5, 1, 0, 10, 0, 20]);
const cutText = (text: string) => {
  const m = Buffer.alloc(8 + text.length);
  m[0] = 6;
  m.writeUInt32BE(text.length, 4);
  m.write(text, 8, 'latin1');
  return m;
};
const extendedCutText = (n: number) => {
  const m = Buffer.alloc(8 + n, 1);
  m.fill(0, 0, 8);
  m[0] = 6;
  m.writeInt32BE(-n, 4);
  return m;
};
const continuousUpdates = b([150, 1, 0, 0, 0, 0, 4, 0, 3, 0]);
const fence = (n: number) => b([248, 0, 0, 0, 0, 0, 0, 1, n], Buffer.alloc(n, 3));
const setDesktopSize = (screens: number) =>
  b([251, 0, 4, 0, 3, 0, screens, 0], Buffer.alloc(16 * screens, 2));
const qemuKey = b([255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 0x1e]);
const xvp = b([250, 0, 1, 2]);

const PASS = [setPixelFormat, setEncodings(5), fbur, continuousUpdates, fence(4)];
const DROP = [
  keyEvent(0x61),
  pointerEvent,
  cutText('secret'),
  extendedCutText(12),
  setDesktopSize(2),
  qemuKey,
  xvp,
];

/** Feeds `input` split at the given offsets; returns what passed. */
function run(input: Buffer, cuts: number[] = []): Buffer {
  const f = new RfbViewFilter();
  const out: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts, input.length]) {
    out.push(f.feed(input.subarray(at, c)));
    at = c;
  }
  return Buffer.concat(out);
}

describe('RfbViewFilter: handshake', () => {
  it('passes the 3.8 handshake with security None and with VNC authentication', () => {
    expect(run(HANDSHAKE_NONE)).toEqual(HANDSHAKE_NONE);
    expect(run(HANDSHAKE_VNCAUTH)).toEqual(HANDSHAKE_VNCAUTH);
    const v37 = b('RFB 003.007\n', [1], [0]);
    expect(run(v37)).toEqual(v37);
  });

  it('does not mistake the VNC authentication response for messages', () => {
    // The 16-byte response is full of 4s (KeyEvent type): all of it must pass.
    const auth = b(V38, [2], Buffer.alloc(16, 4), [1], fbur);
    expect(run(auth)).toEqual(auth);
  });

  it.each([
    ['protocol 3.3 (the server picks the security type)', b('RFB 003.003\n')],
    ['a protocol that is not RFB', b('GET / HTTP/1.1\r\n')],
    ['a TLS security type', b(V38, [18])],
    ['VeNCrypt', b(V38, [19])],
  ])('closes on %s', (_what, input) => {
    expect(() => run(input)).toThrow(RfbViolation);
  });
});

describe('RfbViewFilter: messages', () => {
  it('passes pixel format, encodings, update requests, continuous updates and fences', () => {
    const input = b(HANDSHAKE_NONE, ...PASS);
    expect(run(input)).toEqual(input);
  });

  it.each(DROP.map((m) => [m[0], m]))('drops input message type %i', (_type, msg) => {
    const f = new RfbViewFilter();
    expect(f.feed(b(HANDSHAKE_NONE, msg, fbur))).toEqual(b(HANDSHAKE_NONE, fbur));
    expect(f.dropped).toBe(1);
  });

  it('keeps the stream in step after large dropped clipboard texts', () => {
    const big = cutText('x'.repeat(70_000));
    expect(run(b(HANDSHAKE_NONE, big, fbur, extendedCutText(5000), fbur))).toEqual(
      b(HANDSHAKE_NONE, fbur, fbur),
    );
  });

  it('gives the same output at every split of a mixed stream', () => {
    const input = b(HANDSHAKE_VNCAUTH, ...PASS.flatMap((p, i) => [p, DROP[i]]), ...DROP.slice(5));
    const expected = b(HANDSHAKE_VNCAUTH, ...PASS);
    expect(run(input)).toEqual(expected);
    for (let cut = 1; cut < input.length; cut++) expect(run(input, [cut])).toEqual(expected);
  });

  it('gives the same output fed one byte at a time', () => {
    const input = b(HANDSHAKE_NONE, keyEvent(0x62), setEncodings(3), pointerEvent, fbur);
    const cuts = Array.from({ length: input.length - 1 }, (_, i) => i + 1);
    expect(run(input, cuts)).toEqual(b(HANDSHAKE_NONE, setEncodings(3), fbur));
  });

  it.each([
    ['an unknown message type', [7, 0, 0, 0]],
    ['gii (253), which it cannot delimit', [253, 0, 0, 4]],
    ['a QEMU audio message', [255, 1, 0, 0]],
    ['a fence longer than 64 bytes', [248, 0, 0, 0, 0, 0, 0, 0, 65]],
  ])('closes on %s, and keeps refusing', (_what, msg) => {
    const f = new RfbViewFilter();
    expect(() => f.feed(b(HANDSHAKE_NONE, msg))).toThrow(RfbViolation);
    expect(() => f.feed(fbur)).toThrow(RfbViolation);
  });

  it('passes nothing of a message whose type is unknown, even split', () => {
    const f = new RfbViewFilter();
    expect(f.feed(HANDSHAKE_NONE)).toEqual(HANDSHAKE_NONE);
    expect(() => f.feed(b([9]))).toThrow(RfbViolation);
  });
});
