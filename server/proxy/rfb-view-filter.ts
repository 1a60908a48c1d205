/**
 * Makes a VNC connection view-only on the hub's side: the RFB client stream (RFC 6143) is
 * parsed message by message and the viewer's input (keys, pointer, clipboard, desktop resizes,
 * power actions) never reaches the app, whatever the viewer's page does. Everything else
 * (pixel format, encodings, update requests, fences) passes unchanged.
 *
 * Only what can be delimited from the client stream alone is accepted: protocol 3.7 or 3.8
 * with security type None or VNC authentication. Anything else (3.3, where the server picks the
 * security type; TLS-based types; an unknown message type) cannot be delimited without
 * guessing, so it is a violation and the connection is closed: a guess would let input slip by.
 */

/** The client stream broke the protocol as far as a view-only relay can follow it. */
export class RfbViolation extends Error {}

type Phase = 'version' | 'security' | 'vncauth' | 'clientinit' | 'messages';

/** How long the message starting with `head` is, and whether it passes; 0 = need more bytes. */
interface Measured {
  length: number;
  pass: boolean;
}

const VERSION = /^RFB 003\.00[78]\n$/;

// Client-to-server message types (RFC 6143 §7.5 and the community registry).
const SET_PIXEL_FORMAT = 0;
const SET_ENCODINGS = 2;
const FRAMEBUFFER_UPDATE_REQUEST = 3;
const KEY_EVENT = 4;
const POINTER_EVENT = 5;
const CLIENT_CUT_TEXT = 6;
const ENABLE_CONTINUOUS_UPDATES = 150;
const CLIENT_FENCE = 248;
const SET_DESKTOP_SIZE = 251;
const XVP = 250;
const QEMU = 255;
const QEMU_EXTENDED_KEY_EVENT = 0;

/** Bytes needed before a message's length is known, per type (at least the type byte). */
const HEAD_BYTES: Record<number, number> = {
  [SET_PIXEL_FORMAT]: 1,
  [SET_ENCODINGS]: 4,
  [FRAMEBUFFER_UPDATE_REQUEST]: 1,
  [KEY_EVENT]: 1,
  [POINTER_EVENT]: 1,
  [CLIENT_CUT_TEXT]: 8,
  [ENABLE_CONTINUOUS_UPDATES]: 1,
  [CLIENT_FENCE]: 9,
  [XVP]: 1,
  [SET_DESKTOP_SIZE]: 7,
  [QEMU]: 2,
};

function measureMessage(head: Buffer): Measured {
  const type = head[0];
  switch (type) {
    case SET_PIXEL_FORMAT:
      return { length: 20, pass: true };
    case SET_ENCODINGS:
      return { length: 4 + 4 * head.readUInt16BE(2), pass: true };
    case FRAMEBUFFER_UPDATE_REQUEST:
      return { length: 10, pass: true };
    case KEY_EVENT:
      return { length: 8, pass: false };
    case POINTER_EVENT:
      return { length: 6, pass: false };
    case CLIENT_CUT_TEXT: {
      // A negative length is the extended clipboard format: its absolute value follows.
      const n = head.readInt32BE(4);
      return { length: 8 + Math.abs(n), pass: false };
    }
    case ENABLE_CONTINUOUS_UPDATES:
      return { length: 10, pass: true };
    case CLIENT_FENCE:
      if (head[8] > 64) throw new RfbViolation('ClientFence payload longer than 64 bytes');
      return { length: 9 + head[8], pass: true };
    case XVP:
      return { length: 4, pass: false };
    case SET_DESKTOP_SIZE:
      return { length: 8 + 16 * head[6], pass: false };
    case QEMU:
      if (head[1] !== QEMU_EXTENDED_KEY_EVENT)
        throw new RfbViolation(`QEMU client message subtype ${head[1]} is not supported`);
      return { length: 12, pass: false };
    default:
      throw new RfbViolation(`client message type ${type} is not known`);
  }
}

/**
 * The RFB client stream in, the bytes the app may see out. Feed bytes in stream order, in
 * chunks of any size; throws RfbViolation once the stream cannot be followed (and keeps
 * throwing: the connection must close).
 */
export class RfbViewFilter {
  private phase: Phase = 'version';
  private readonly head = Buffer.alloc(16);
  private have = 0;
  /** Bytes left of the current message once measured, and whether they pass. */
  private remaining = 0;
  private passing = false;
  private broken: RfbViolation | null = null;
  private security = 0;
  /** Input messages dropped so far (for logs and tests). */
  dropped = 0;

  feed(chunk: Buffer): Buffer {
    if (this.broken) throw this.broken;
    const out: Buffer[] = [];
    let i = 0;
    try {
      while (i < chunk.length) {
        if (this.remaining > 0) {
          const take = Math.min(this.remaining, chunk.length - i);
          if (this.passing) out.push(chunk.subarray(i, i + take));
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.endMessage();
          continue;
        }
        this.head[this.have++] = chunk[i++];
        const m = this.measure();
        if (!m) continue;
        if (m.length < this.have) throw new RfbViolation('message shorter than its head');
        if (m.pass) out.push(Buffer.from(this.head.subarray(0, this.have)));
        else this.dropped++;
        this.remaining = m.length - this.have;
        this.passing = m.pass;
        this.have = 0;
        if (this.remaining === 0) this.endMessage();
      }
    } catch (err) {
      if (err instanceof RfbViolation) this.broken = err;
      throw err;
    }
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }

  /** The length of the message whose first `have` bytes are in `head`, once knowable. */
  private measure(): Measured | null {
    const head = this.head.subarray(0, this.have);
    switch (this.phase) {
      case 'version':
        if (this.have < 12) return null;
        if (!VERSION.test(head.toString('latin1')))
          throw new RfbViolation('only RFB 3.7 and 3.8 can be shared view-only');
        return { length: 12, pass: true };
      case 'security':
        if (head[0] !== 1 && head[0] !== 2)
          throw new RfbViolation(`security type ${head[0]} cannot be shared view-only`);
        this.security = head[0];
        return { length: 1, pass: true };
      case 'vncauth':
        return this.have < 16 ? null : { length: 16, pass: true };
      case 'clientinit':
        return { length: 1, pass: true };
      case 'messages': {
        const need = HEAD_BYTES[head[0]];
        if (need === undefined) return measureMessage(head);
        return this.have < need ? null : measureMessage(head);
      }
    }
  }

  /** The message that just ended moves the handshake on. */
  private endMessage(): void {
    switch (this.phase) {
      case 'version':
        this.phase = 'security';
        break;
      case 'security':
        this.phase = this.security === 2 ? 'vncauth' : 'clientinit';
        break;
      case 'vncauth':
        this.phase = 'clientinit';
        break;
      case 'clientinit':
        this.phase = 'messages';
        break;
      case 'messages':
        break;
    }
  }
}
