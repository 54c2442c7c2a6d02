/**
 * Point sources measured in a restored image (Jy/beam: a point source's peak is its flux):
 * the brightest pixel of a 5 x 5 box about the expected position, refined to sub-pixel
 * position and peak by the vertex of a 2-D quadratic fitted to the log values of its 3 x 3
 * neighbourhood (exact for a Gaussian beam of any orientation). Only isolated catalog sources
 * are measured (no other source within a given distance), so blends do not pass for errors.
 * The astrometric check of the mosaic and the demo's flux table use it.
 */
import type { TanWcs } from '../image/tan-wcs.js';
import { angularDistance, rad, sourceFlux, type PointSource } from './interferometry.js';

/** A measured peak: 0-based pixel position and value. */
export interface Peak {
  readonly x: number;
  readonly y: number;
  readonly peak: number;
}

/** The peak near (x0, y0) of `image` (`width` pixels wide); undefined when it is too near the edge or not positive. */
export function measurePeak(image: ArrayLike<number>, width: number, height: number, x0: number, y0: number): Peak | undefined {
  let bx = Math.round(x0), by = Math.round(y0);
  if (!(bx >= 3 && by >= 3 && bx < width - 3 && by < height - 3)) return undefined;
  for (let y = Math.round(y0) - 2; y <= Math.round(y0) + 2; y++) {
    for (let x = Math.round(x0) - 2; x <= Math.round(x0) + 2; x++) if (image[y * width + x]! > image[by * width + bx]!) [bx, by] = [x, y];
  }
  // least squares of ln(value) = c0 + c1 x + c2 y + c3 x^2 + c4 x y + c5 y^2 over the 3 x 3 box (x, y in -1..1)
  let S = 0, X = 0, Y = 0, sx = 0, sy = 0, sxy = 0;
  for (let y = -1; y <= 1; y++) {
    for (let x = -1; x <= 1; x++) {
      const f = Math.log(image[(by + y) * width + bx + x]!);
      if (!Number.isFinite(f)) return undefined;
      S += f;
      X += x * x * f;
      Y += y * y * f;
      sx += x * f;
      sy += y * f;
      sxy += x * y * f;
    }
  }
  const c1 = sx / 6, c2 = sy / 6, c4 = sxy / 4, s = (X + Y - (4 * S) / 3) / 2;
  const c3 = (s + (X - Y) / 2) / 2, c5 = (s - (X - Y) / 2) / 2, c0 = (S - 6 * s) / 9;
  const det = 4 * c3 * c5 - c4 * c4;
  if (!(det > 0 && c3 < 0)) return undefined;
  const dx = (-2 * c5 * c1 + c4 * c2) / det, dy = (-2 * c3 * c2 + c4 * c1) / det;
  return { x: bx + dx, y: by + dy, peak: Math.exp(c0 + c1 * dx + c2 * dy + c3 * dx * dx + c4 * dx * dy + c5 * dy * dy) };
}

/** A catalog source measured in an image. */
export interface SourceMeasurement {
  readonly index: number;
  readonly source: PointSource;
  /** Where the catalog puts it (0-based pixels). */
  readonly expectedX: number;
  readonly expectedY: number;
  readonly measured: Peak;
  /** The catalog flux at the image's frequency, Jy. */
  readonly trueFlux: number;
}

/** Each source of `sources` farther than `isolationDeg` from every other, inside the image and with a positive peak, measured. */
export function measureSources(image: { width: number; height: number; image: ArrayLike<number> }, wcs: TanWcs, sources: readonly PointSource[], frequencyHz: number, isolationDeg: number): SourceMeasurement[] {
  const out: SourceMeasurement[] = [];
  const isolated = (s: PointSource) => sources.every((o) => o === s || angularDistance(rad(s.ra), rad(s.dec), rad(o.ra), rad(o.dec)) > rad(isolationDeg));
  sources.forEach((source, index) => {
    if (!isolated(source)) return;
    const [x, y] = wcs.skyToPixel(source.ra, source.dec);
    const measured = Number.isFinite(x) ? measurePeak(image.image, image.width, image.height, x, y) : undefined;
    if (measured) out.push({ index, source, expectedX: x, expectedY: y, measured, trueFlux: sourceFlux(source, frequencyHz) });
  });
  return out;
}
