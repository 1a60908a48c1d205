import zlib from 'node:zlib';

/**
 * Just enough PNG for the catalogue: recognise one (labels carry base64 icons) and draw one (the
 * default icon, and test fixtures). Not an image library: no decoding of pixel data.
 */

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const IEND = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/** Size of a PNG as read from its header, or null when the bytes are not a complete PNG. */
export function pngSize(bytes: Buffer): { width: number; height: number } | null {
  // Signature, then IHDR as the first chunk (length 13), then IEND as the last: a truncated or
  // foreign file fails one of these three, which is all a browser needs us to promise.
  if (bytes.length < SIGNATURE.length + 25 + IEND.length) return null;
  if (!bytes.subarray(0, 8).equals(SIGNATURE)) return null;
  if (bytes.readUInt32BE(8) !== 13 || bytes.toString('latin1', 12, 16) !== 'IHDR') return null;
  if (!bytes.subarray(bytes.length - IEND.length).equals(IEND)) return null;
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width === 0 || height === 0) return null;
  return { width, height };
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** An RGBA colour, each channel 0..255. */
export type Rgba = readonly [number, number, number, number];

/**
 * Encodes a width × height RGBA PNG whose pixel colours come from `paint(x, y)`.
 * `pad` appends an ignored ancillary chunk of that many bytes (tests use it to build big icons).
 */
export function encodePng(
  width: number,
  height: number,
  paint: (x: number, y: number) => Rgba,
  pad = 0,
): Buffer {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1);
    raw[row] = 0; // filter type: none
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = paint(x, y);
      raw.set([r, g, b, a], row + 1 + x * 4);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit depth, RGBA, deflate, adaptive filter, no interlace
  const parts = [SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw))];
  if (pad > 0) parts.push(chunk('paDd', Buffer.alloc(pad, 0x61)));
  parts.push(chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}
