/**
 * Interpolation of an image (x fastest, 0-based pixel centres) at a fractional position:
 * bilinear for smooth images (primary beams, the imager's SIN-to-TAN regridding), Lanczos-3
 * for restored images, whose beams are a few pixels wide and whose peaks bilinear
 * interpolation would flatten. Both give NaN where their taps would leave the image.
 */
import { lanczos } from '../image/resample.js';

/** Bilinear interpolation at (x, y); NaN outside [0, width - 1] x [0, height - 1]. */
export function bilinearAt(image: ArrayLike<number>, width: number, height: number, x: number, y: number): number {
  if (!(x >= 0 && y >= 0 && x <= width - 1 && y <= height - 1)) return NaN;
  const x0 = Math.min(width - 2, Math.floor(x)), y0 = Math.min(height - 2, Math.floor(y));
  const fx = x - x0, fy = y - y0, at = y0 * width + x0;
  return (1 - fy) * ((1 - fx) * image[at]! + fx * image[at + 1]!) + fy * ((1 - fx) * image[at + width]! + fx * image[at + width + 1]!);
}

/** Lanczos-3 interpolation at (x, y), weights normalized to 1; NaN where the 6 x 6 taps leave the image. */
export function lanczos3At(image: ArrayLike<number>, width: number, height: number, x: number, y: number): number {
  const ix = Math.floor(x), iy = Math.floor(y);
  if (!(ix >= 2 && iy >= 2 && ix + 3 < width && iy + 3 < height)) return NaN;
  let sum = 0, norm = 0;
  for (let j = -2; j <= 3; j++) {
    const wy = lanczos(iy + j - y);
    for (let i = -2; i <= 3; i++) {
      const w = wy * lanczos(ix + i - x);
      sum += w * image[(iy + j) * width + ix + i]!;
      norm += w;
    }
  }
  return sum / norm;
}
