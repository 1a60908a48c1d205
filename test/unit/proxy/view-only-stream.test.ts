import { RfbViolation } from '../../../server/proxy/rfb-view-filter';
import { frame, ViewOnlyStream } from '../../../server/proxy/view-only-stream';

const HANDSHAKE = Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([1, 1])]);
const FBUR = Buffer.from([3, 1, 0, 0, 0, 0, 4, 0, 3, 0]);
const KEY = Buffer.from([4, 1, 0, 0, 0, 0, 0, 0x61]);
const POINTER = Buffer.from([5, 1, 0, 10, 0, 20]);

/** A client frame with explicit FIN and opcode (masked, like a browser's). */
function clientFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const f = frame(opcode, payload);
  if (!fin) f[0] &= 0x7f;
  return f;
}

/** Decodes the relay's output frames: [opcode, payload] each. */
function decode(out: Buffer): Array<[number, Buffer]> {
  const frames: Array<[number, Buffer]> = [];
  let i = 0;
  while (i < out.length) {
    expect(out[i] & 0x80).toBe(0x80);
    const opcode = out[i] & 0x0f;
    expect(out[i + 1] & 0x80).toBe(0x80);
    let n = out[i + 1] & 0x7f;
    let at = i + 2;
    if (n === 126) {
      n = out.readUInt16BE(at);
      at += 2;
    } else if (n === 127) {
      n = Number(out.readBigUInt64BE(at));
      at += 8;
    }
    const mask = out.subarray(at, at + 4);
    const payload = Buffer.from(out.subarray(at + 4, at + 4 + n));
    for (let k = 0; k < n; k++) payload[k] ^= mask[k & 3];
    frames.push([opcode, payload]);
    i = at + 4 + n;
  }
  return frames;
}

/** Runs chunks through a fresh stream; the output, or the error it raised. */
async function relay(chunks: Buffer[]): Promise<Buffer> {
  const s = new ViewOnlyStream();
  const out: Buffer[] = [];
  s.on('data', (c: Buffer) => out.push(c));
  const failed = new Promise<never>((_r, reject) => s.once('error', reject));
  for (const c of chunks) s.write(c);
  s.end();
  await Promise.race([new Promise((r) => s.once('end', r)), failed]);
  return Buffer.concat(out);
}

const rfbOf = (out: Buffer): Buffer =>
  Buffer.concat(
    decode(out)
      .filter(([op]) => op === 2)
      .map(([, p]) => p),
  );

describe('ViewOnlyStream', () => {
  const stream = Buffer.concat([
    clientFrame(2, HANDSHAKE),
    clientFrame(2, Buffer.concat([FBUR, KEY])),
    clientFrame(2, POINTER),
    clientFrame(2, FBUR),
  ]);

  it('drops input and re-frames the rest as masked binary frames', async () => {
    expect(rfbOf(await relay([stream]))).toEqual(Buffer.concat([HANDSHAKE, FBUR, FBUR]));
  });

  it('gives the same RFB bytes at every TCP split', async () => {
    const expected = Buffer.concat([HANDSHAKE, FBUR, FBUR]);
    for (let cut = 1; cut < stream.length; cut++)
      expect(rfbOf(await relay([stream.subarray(0, cut), stream.subarray(cut)]))).toEqual(expected);
  });

  it('follows messages split across fragmented frames, with a ping between fragments', async () => {
    const msgs = Buffer.concat([HANDSHAKE, KEY, FBUR, KEY]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < msgs.length; i += 3) {
      const first = i === 0;
      const last = i + 3 >= msgs.length;
      chunks.push(clientFrame(first ? 2 : 0, msgs.subarray(i, i + 3), last));
      if (i === 9) chunks.push(clientFrame(9, Buffer.from('hi')));
    }
    const out = await relay([Buffer.concat(chunks)]);
    expect(rfbOf(out)).toEqual(Buffer.concat([HANDSHAKE, FBUR]));
    expect(decode(out).filter(([op]) => op === 9)).toEqual([[9, Buffer.from('hi')]]);
  });

  it('passes a close frame and nothing after it', async () => {
    const close = clientFrame(8, Buffer.from([3, 232]));
    const out = await relay([clientFrame(2, HANDSHAKE), close, clientFrame(2, FBUR)]);
    expect(decode(out).map(([op]) => op)).toEqual([2, 8]);
  });

  it('handles frames with 16-bit lengths', async () => {
    const many = Buffer.concat(Array.from({ length: 20 }, () => Buffer.concat([KEY, FBUR])));
    const out = await relay([clientFrame(2, Buffer.concat([HANDSHAKE, many]))]);
    expect(rfbOf(out)).toEqual(Buffer.concat([HANDSHAKE, ...Array(20).fill(FBUR)]));
  });

  it.each([
    ['a text frame', clientFrame(1, Buffer.from('RFB'))],
    ['an unmasked frame', Buffer.from([0x82, 0x01, 0x00])],
    ['a compressed frame (RSV1)', Buffer.from([0xc2, 0x80, 0, 0, 0, 0])],
    ['a reserved opcode', clientFrame(3, Buffer.alloc(0))],
    ['a continuation outside a message', clientFrame(0, HANDSHAKE)],
    ['a fragmented control frame', clientFrame(9, Buffer.alloc(1), false)],
    ['an unknown RFB message', clientFrame(2, Buffer.concat([HANDSHAKE, Buffer.from([77])]))],
  ])('errors (and the tunnel closes) on %s', async (_what, bad) => {
    await expect(relay([bad])).rejects.toBeInstanceOf(RfbViolation);
  });

  it('errors on a new message inside a fragmented one', async () => {
    const bad = [clientFrame(2, HANDSHAKE.subarray(0, 4), false), clientFrame(2, FBUR)];
    await expect(relay(bad)).rejects.toBeInstanceOf(RfbViolation);
  });
});
