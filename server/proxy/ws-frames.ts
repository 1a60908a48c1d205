/**
 * Follows WebSocket frame boundaries in a byte stream without buffering or decoding payloads,
 * so the proxy knows when it may slip a keepalive ping between two frames of the app's stream.
 * Anything that does not look like RFC 6455 framing turns the tracker off (`usable` false):
 * then the proxy never injects anything into that connection.
 */
export class FrameBoundary {
  private readonly header = Buffer.alloc(14);
  private have = 0;
  private need = 2;
  private remaining = 0;
  private broken = false;
  private closing = false;

  /** Feeds bytes in stream order. */
  feed(chunk: Buffer): void {
    let i = 0;
    const len = chunk.length;
    while (i < len && !this.broken) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, len - i);
        this.remaining -= take;
        i += take;
        continue;
      }
      this.header[this.have++] = chunk[i++];
      if (this.have === 2) {
        const opcode = this.header[0] & 0x0f;
        if ((opcode > 2 && opcode < 8) || opcode > 10) {
          this.broken = true;
          return;
        }
        const len7 = this.header[1] & 0x7f;
        this.need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (this.header[1] & 0x80 ? 4 : 0);
      }
      if (this.have >= 2 && this.have === this.need) this.endHeader();
    }
  }

  private endHeader(): void {
    const len7 = this.header[1] & 0x7f;
    let payload = len7;
    if (len7 === 126) payload = this.header.readUInt16BE(2);
    else if (len7 === 127) {
      const big = this.header.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
        this.broken = true;
        return;
      }
      payload = Number(big);
    }
    if ((this.header[0] & 0x0f) === 8) this.closing = true;
    this.remaining = payload;
    this.have = 0;
    this.need = 2;
  }

  /** False once the stream stopped looking like WebSocket frames or started closing. */
  get usable(): boolean {
    return !this.broken && !this.closing;
  }

  /** True between two frames: a whole frame may be written to the same direction now. */
  get atBoundary(): boolean {
    return this.usable && this.have === 0 && this.remaining === 0;
  }
}

/** An empty, unmasked ping (server to client frames are never masked). */
export const PING_FRAME: Buffer = Buffer.from([0x89, 0x00]);
