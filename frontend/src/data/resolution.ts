import type { ResolutionConfigurable } from './types';

/** A screen size in pixels. */
export interface Size {
  width: number;
  height: number;
}

/** Limits an image accepts; absent bounds mean "no limit" within sane defaults. */
export type SizeLimits = Partial<
  Pick<ResolutionConfigurable, 'min_width' | 'max_width' | 'min_height' | 'max_height'>
>;

const RE = /^\s*(\d{2,5})\s*[xX×]\s*(\d{2,5})\s*$/;

/** Reads "1280x800" (also "1280 x 800", "1280X800"); null when it is not a size. */
export function parseResolution(text: string): Size | null {
  const m = RE.exec(text);
  if (!m) return null;
  return { width: Number(m[1]), height: Number(m[2]) };
}

export function formatResolution(size: Size): string {
  return `${size.width}x${size.height}`;
}

function clamp(value: number, min = 320, max = 7680): number {
  return Math.min(Math.max(value, min), max);
}

/**
 * The resolution that fills a window of this size, within the image's limits. Rounded down
 * to even numbers because several VNC servers and video encoders reject odd sizes.
 */
export function fitToWindow(viewport: Size, limits: SizeLimits = {}): string {
  const even = (n: number) => Math.floor(n / 2) * 2;
  const width = clamp(even(viewport.width), limits.min_width ?? 320, limits.max_width ?? 7680);
  const height = clamp(even(viewport.height), limits.min_height ?? 240, limits.max_height ?? 4320);
  return formatResolution({ width, height });
}

/** Why a typed size is refused, as a sentence that says what to change; null when valid. */
export function checkResolution(text: string, limits: SizeLimits = {}): string | null {
  const size = parseResolution(text);
  if (!size) return 'enter the size as WIDTHxHEIGHT, for example 1280x800';
  const { min_width: minW, max_width: maxW, min_height: minH, max_height: maxH } = limits;
  if (minW !== undefined && size.width < minW) return `the width must be at least ${minW}`;
  if (maxW !== undefined && size.width > maxW) return `the width must be at most ${maxW}`;
  if (minH !== undefined && size.height < minH) return `the height must be at least ${minH}`;
  if (maxH !== undefined && size.height > maxH) return `the height must be at most ${maxH}`;
  return null;
}
