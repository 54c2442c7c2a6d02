/**
 * IRAF/NOAO image sections in FITS headers (`DATASEC = '[x1:x2,y1:y2]'`, 1-based and
 * inclusive, as in the SAAO and NOAO headers, spaces allowed: `'[  17: 528,   1: 520]'`).
 */
import { ImageError } from './errors.js';

/** A pixel box: 0-based first column/row and size. */
export interface PixelBox {
  readonly x0: number;
  readonly y0: number;
  readonly width: number;
  readonly height: number;
}

const SECTION = /^\s*\[\s*(\d+)\s*:\s*(\d+)\s*,\s*(\d+)\s*:\s*(\d+)\s*\]\s*$/;

/**
 * The 0-based box of a section string. Reversed ranges (`[528:17,...]`, a flipped readout)
 * give the same box. Throws {@link ImageError} `IMAGE_HEADER` for malformed text, zero
 * coordinates or a box outside `width` x `height` (when given).
 */
export function parseFitsSection(text: string, keyword = 'section', width?: number, height?: number): PixelBox {
  const m = SECTION.exec(text);
  if (!m) throw new ImageError(`${keyword} '${text}' is not an image section [x1:x2,y1:y2]`, 'IMAGE_HEADER');
  const [a, b, c, d] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
  if (Math.min(a, b, c, d) < 1) throw new ImageError(`${keyword} '${text}': section coordinates start at 1`, 'IMAGE_HEADER');
  const box = { x0: Math.min(a, b) - 1, y0: Math.min(c, d) - 1, width: Math.abs(b - a) + 1, height: Math.abs(d - c) + 1 };
  if ((width !== undefined && box.x0 + box.width > width) || (height !== undefined && box.y0 + box.height > height)) {
    throw new ImageError(`${keyword} '${text}' reaches beyond the ${width}x${height} image`, 'IMAGE_HEADER');
  }
  return box;
}

/** The section string `[x1:x2,y1:y2]` of a 0-based box. */
export function formatFitsSection(box: PixelBox): string {
  return `[${box.x0 + 1}:${box.x0 + box.width},${box.y0 + 1}:${box.y0 + box.height}]`;
}
