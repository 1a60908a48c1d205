import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { RfbViewFilter, RfbViolation } from './rfb-view-filter';

/**
 * The browser-to-app side of a view-only VNC WebSocket: client frames (RFC 6455, masked, any
 * fragmentation, split anywhere across TCP chunks) are unmasked, their payloads joined into the
 * RFB client stream and filtered by RfbViewFilter, and what passes goes on as whole binary
 * frames. WebSocket message boundaries mean nothing to RFB (websockify joins payloads), so
 * re-framing changes nothing the app sees but the dropped input.
 *
 * Text frames, extensions (RSV bits; the relay strips Sec-WebSocket-Extensions so none is
 * negotiated), unmasked frames and broken fragmentation are violations: the stream errors and
 * the tunnel closes.
 */
export class ViewOnlyStream extends Transform {
  readonly rfb = new RfbViewFilter();
  private readonly header = Buffer.alloc(14);
  private have = 0;
  private need = 2;
  private remaining = 0;
  private readonly mask = Buffer.alloc(4);
  private maskAt = 0;
  private opcode = 0;
  private control: Buffer[] = [];
  private inMessage = false;
  private sawClose = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.consume(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  private consume(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && !this.sawClose) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        const payload = Buffer.from(chunk.subarray(i, i + take));
        for (let k = 0; k < payload.length; k++) payload[k] ^= this.mask[this.maskAt++ & 3];
        this.remaining -= take;
        i += take;
        this.payload(payload);
        if (this.remaining === 0) this.endFrame();
        continue;
      }
      this.header[this.have++] = chunk[i++];
      if (this.have === 2) this.startHeader();
      if (this.have === this.need) this.endHeader();
    }
  }

  private startHeader(): void {
    const b0 = this.header[0];
    const b1 = this.header[1];
    if (b0 & 0x70) throw new RfbViolation('WebSocket extensions are not allowed on a view share');
    if (!(b1 & 0x80)) throw new RfbViolation('client WebSocket frames must be masked');
    const len7 = b1 & 0x7f;
    this.need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + 4;
  }

  private endHeader(): void {
    const b0 = this.header[0];
    const fin = (b0 & 0x80) !== 0;
    this.opcode = b0 & 0x0f;
    const len7 = this.header[1] & 0x7f;
    let length = len7;
    if (len7 === 126) length = this.header.readUInt16BE(2);
    else if (len7 === 127) {
      const big = this.header.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new RfbViolation('frame too long');
      length = Number(big);
    }
    this.header.copy(this.mask, 0, this.need - 4, this.need);
    this.maskAt = 0;
    if (this.opcode >= 8) {
      if (this.opcode > 10) throw new RfbViolation(`WebSocket opcode ${this.opcode} is reserved`);
      if (!fin || length > 125) throw new RfbViolation('malformed WebSocket control frame');
      this.control = [];
    } else if (this.opcode === 1) {
      throw new RfbViolation('a VNC client sends binary frames, not text');
    } else if (this.opcode === 2) {
      if (this.inMessage) throw new RfbViolation('a new message inside a fragmented one');
      this.inMessage = !fin;
    } else if (this.opcode === 0) {
      if (!this.inMessage) throw new RfbViolation('a continuation frame outside a message');
      this.inMessage = !fin;
    } else {
      throw new RfbViolation(`WebSocket opcode ${this.opcode} is reserved`);
    }
    this.have = 0;
    this.need = 2;
    this.remaining = length;
    if (length === 0) this.endFrame();
  }

  private payload(bytes: Buffer): void {
    if (this.opcode >= 8) {
      this.control.push(bytes);
      return;
    }
    const pass = this.rfb.feed(bytes);
    if (pass.length) this.push(frame(2, pass));
  }

  private endFrame(): void {
    if (this.opcode < 8) return;
    this.push(frame(this.opcode, Buffer.concat(this.control)));
    this.control = [];
    // Nothing may follow a close frame (RFC 6455 §5.5.1).
    if (this.opcode === 8) this.sawClose = true;
  }
}

/** One masked, final client frame. */
export function frame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const ext = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const out = Buffer.alloc(2 + ext + 4 + n);
  out[0] = 0x80 | opcode;
  out[1] = 0x80 | (ext === 0 ? n : ext === 2 ? 126 : 127);
  if (ext === 2) out.writeUInt16BE(n, 2);
  else if (ext === 8) out.writeBigUInt64BE(BigInt(n), 2);
  const mask = randomBytes(4);
  mask.copy(out, 2 + ext);
  const at = 6 + ext;
  for (let k = 0; k < n; k++) out[at + k] = payload[k] ^ mask[k & 3];
  return out;
}
