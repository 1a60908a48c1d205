import { encodePng, type Rgba } from './png';

const SIZE = 128;
const RADIUS = 20;
const CLEAR: Rgba = [0, 0, 0, 0];
const FRAME: Rgba = [0x4a, 0x55, 0x68, 0xff];
const TITLE: Rgba = [0x2d, 0x37, 0x48, 0xff];
const PANE: Rgba = [0xe2, 0xe8, 0xf0, 0xff];

/** Inside a square with rounded corners, so the icon looks like an app tile, not a block. */
function inRoundedSquare(x: number, y: number): boolean {
  const cx = Math.min(Math.max(x, RADIUS), SIZE - 1 - RADIUS);
  const cy = Math.min(Math.max(y, RADIUS), SIZE - 1 - RADIUS);
  return (x - cx) ** 2 + (y - cy) ** 2 <= RADIUS ** 2;
}

/** A generic "application window" drawn once at start: images without a usable icon get it. */
export const DEFAULT_ICON: Buffer = encodePng(SIZE, SIZE, (x, y) => {
  if (!inRoundedSquare(x, y)) return CLEAR;
  const inWindow = x >= 24 && x < 104 && y >= 30 && y < 98;
  if (!inWindow) return FRAME;
  return y < 44 ? TITLE : PANE;
});
