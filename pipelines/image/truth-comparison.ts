/**
 * A coadd against the simulator's truth catalog: forced photometry at the truth positions
 * (through the coadd's WCS) of the bright, isolated stars inside the image - a plain pixel
 * sum in a circle wide enough for the whole PSF, and a re-centred first-moment centroid.
 * Written without the tasks' measurement code, so that it can check them.
 *
 * The coadd must be in the truth's flux units (nJy, as calibrate makes it with the reference
 * catalog) and background-subtracted.
 */
import type { Exposure } from '../../registry/index.js';
import { ImageError } from './errors.js';
import { COUNT_SHIFT, MASK_BITS } from './mask-planes.js';
import { isColumnTable, type ColumnTable } from './reference-catalog.js';
import { TanWcs } from './tan-wcs.js';

/** Selection and measurement settings; the defaults suit the simulator's PSFs (sigma up to 2 px). */
export interface TruthComparisonOptions {
  /** Aperture radius in pixels (default 8: 4 sigma of the widest PSF, all but 0.03% of its light). */
  readonly radius?: number;
  /** PSF sigma in pixels used to estimate neighbours' light in the aperture (default 2, the widest). */
  readonly psfSigma?: number;
  /** Largest neighbour light in the aperture, as a fraction of the star's flux (default 0.003). */
  readonly maxSpill?: number;
  /** Smallest aperture S/N (true flux over the aperture noise; default 50). */
  readonly minSnr?: number;
  /** Radius of the first-moment centroid window in pixels (default 4). */
  readonly centroidRadius?: number;
  /** 0-based pixel of (RA, Dec) in degrees; the coadd header's TAN WCS when absent. */
  readonly skyToPixel?: (ra: number, dec: number) => readonly [number, number];
}

/** One star of the comparison. */
export interface TruthStar {
  /** Truth catalog `id`. */
  readonly id: number;
  /** Degrees. */
  readonly ra: number;
  readonly dec: number;
  /** 0-based pixel of the truth position in the coadd. */
  readonly x: number;
  readonly y: number;
  /** nJy (the coadd's units). */
  readonly trueFlux: number;
  readonly measuredFlux: number;
  /** Square root of the summed variance in the aperture. */
  readonly measuredFluxErr: number;
  /** measuredFlux / trueFlux. */
  readonly ratio: number;
  /** Distance from the truth position to the measured centroid, pixels. */
  readonly offsetPx: number;
}

/** The stars compared (truth catalog order) and their medians (NaN when there are none). */
export interface TruthComparison {
  readonly stars: TruthStar[];
  readonly medianRatio: number;
  readonly medianOffsetPx: number;
}

/** The middle element of the sorted values (the upper one for an even count); NaN when empty. */
function middle(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  return [...values].sort((a, b) => a - b)[values.length >> 1]!;
}

function column(truth: ColumnTable, name: string): Float64Array {
  const col = truth.getChild(name);
  if (!col) throw new ImageError(`truth catalog has no '${name}' column`, 'IMAGE_INPUT');
  const values = col.toArray();
  return Float64Array.from({ length: truth.numRows }, (_, i) => Number(values[i] as number | bigint));
}

/**
 * Compares `coadd` with the truth catalog's `<band>_flux` (nJy) at the truth positions. A
 * star is kept when its aperture lies inside the image with every pixel covered (no NO_DATA,
 * a nonzero input count, finite), when its neighbours put less than `maxSpill` of its flux
 * into the aperture (their Gaussian light summed over a 0.5 px grid), and when its aperture
 * S/N is above `minSnr`. Throws {@link ImageError} `IMAGE_INPUT` when the truth is not a
 * table or lacks the columns, `IMAGE_WCS` when the coadd has no TAN WCS (and no `skyToPixel`).
 */
export function compareToTruth(coadd: Exposure, truth: ColumnTable, band: string, options: TruthComparisonOptions = {}): TruthComparison {
  if (!isColumnTable(truth)) throw new ImageError('truth catalog is not a table', 'IMAGE_INPUT');
  const R = options.radius ?? 8, SIGMA = options.psfSigma ?? 2, maxSpill = options.maxSpill ?? 0.003;
  const minSnr = options.minSnr ?? 50, CR = options.centroidRadius ?? 4;
  let skyToPixel = options.skyToPixel;
  if (!skyToPixel) {
    const wcs = TanWcs.fromHeader(coadd.header);
    skyToPixel = (ra, dec) => wcs.skyToPixel(ra, dec);
  }
  const ids = column(truth, 'id'), ra = column(truth, 'ra'), dec = column(truth, 'dec'), flux = column(truth, `${band}_flux`);
  const frame = coaddPlanes(coadd);
  // Only stars near the image can be measured or spill light into an aperture.
  const reach = R + 6 * SIGMA;
  const { xs, ys, near } = projectNearImage(skyToPixel, ra, dec, frame, reach);
  const stars: TruthStar[] = [];
  for (const i of near) {
    const x = xs[i]!, y = ys[i]!;
    if (!(x > R + 1 && y > R + 1 && x < frame.width - R - 2 && y < frame.height - R - 2)) continue;
    if (neighbourSpill(i, near, xs, ys, flux, R, SIGMA, reach) > maxSpill * flux[i]!) continue;
    const { sum, noise, covered } = apertureSum(frame, x, y, R);
    // Bright: aperture S/N above minSnr.
    if (!covered || !(flux[i]! > minSnr * Math.sqrt(noise))) continue;
    const [cx, cy] = firstMomentCentroid(frame, x, y, CR);
    stars.push({
      id: ids[i]!, ra: ra[i]!, dec: dec[i]!, x, y, trueFlux: flux[i]!, measuredFlux: sum, measuredFluxErr: Math.sqrt(noise),
      ratio: sum / flux[i]!, offsetPx: Math.hypot(cx - x, cy - y),
    });
  }
  return { stars, medianRatio: middle(stars.map((s) => s.ratio)), medianOffsetPx: middle(stars.map((s) => s.offsetPx)) };
}

/** The coadd's pixel planes, as the measurements read them. */
interface CoaddPlanes {
  readonly image: ArrayLike<number>;
  readonly variance: ArrayLike<number>;
  readonly mask: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
}

/** The coadd's planes; it needs variance and mask planes and pixels that are not 64-bit integers. */
function coaddPlanes(coadd: Exposure): CoaddPlanes {
  const { variance, mask } = coadd;
  if (!variance || !mask) throw new ImageError('coadd has no variance or mask plane', 'IMAGE_INPUT');
  if (coadd.image instanceof BigInt64Array || coadd.image instanceof BigUint64Array) throw new ImageError('coadd pixels are 64-bit integers', 'IMAGE_INPUT');
  return { image: coadd.image, variance, mask, width: coadd.width, height: coadd.height };
}

/** Every star's pixel position, and the stars within `reach` of the image (catalog order). */
function projectNearImage(
  skyToPixel: (ra: number, dec: number) => readonly [number, number], ra: Float64Array, dec: Float64Array, frame: CoaddPlanes, reach: number,
): { xs: Float64Array; ys: Float64Array; near: number[] } {
  const near: number[] = [];
  const xs = new Float64Array(ra.length), ys = new Float64Array(ra.length);
  for (let i = 0; i < ra.length; i++) {
    const [x, y] = skyToPixel(ra[i]!, dec[i]!);
    xs[i] = x;
    ys[i] = y;
    if (x > -reach - 1 && y > -reach - 1 && x < frame.width + reach && y < frame.height + reach) near.push(i);
  }
  return { xs, ys, near };
}

/** The light star i's neighbours put into its aperture (radius r): each one's Gaussian (sigma) summed over a 0.5 px grid, times its flux. */
function neighbourSpill(i: number, near: readonly number[], xs: Float64Array, ys: Float64Array, flux: Float64Array, r: number, sigma: number, reach: number): number {
  const x = xs[i]!, y = ys[i]!;
  let spill = 0;
  for (const j of near) {
    const d = Math.hypot(xs[j]! - x, ys[j]! - y);
    if (j === i || d > reach) continue;
    let fraction = 0;
    for (let dv = -r + 0.25; dv < r; dv += 0.5) {
      for (let du = -r + 0.25; du < r; du += 0.5) {
        if (du * du + dv * dv > r * r) continue;
        fraction += Math.exp(-((x + du - xs[j]!) ** 2 + (y + dv - ys[j]!) ** 2) / (2 * sigma * sigma)) * 0.25 / (2 * Math.PI * sigma * sigma);
      }
    }
    spill += fraction * flux[j]!;
  }
  return spill;
}

/** The plain pixel and variance sums in the circle of radius r around (x, y), and whether every pixel of it is covered (not NO_DATA, a nonzero input count, finite). */
function apertureSum(frame: CoaddPlanes, x: number, y: number, r: number): { sum: number; noise: number; covered: boolean } {
  const { image, variance, mask, width } = frame;
  const NO_DATA = 1 << MASK_BITS.NO_DATA;
  let sum = 0, noise = 0, covered = true;
  for (let py = Math.floor(y - r); py <= Math.ceil(y + r); py++) {
    for (let px = Math.floor(x - r); px <= Math.ceil(x + r); px++) {
      if (Math.hypot(px - x, py - y) > r) continue;
      const p = py * width + px;
      if (mask[p]! & NO_DATA || mask[p]! >>> COUNT_SHIFT === 0 || !Number.isFinite(image[p]!)) covered = false;
      sum += image[p]!;
      noise += variance[p]!;
    }
  }
  return { sum, noise, covered };
}

/** The first moment of the pixels in a circle of radius r, re-centred on it until it settles (at most 30 times). */
function firstMomentCentroid(frame: CoaddPlanes, x: number, y: number, r: number): [number, number] {
  const { image, width: W, height: H } = frame;
  let cx = x, cy = y;
  for (let it = 0; it < 30; it++) {
    let s0 = 0, sx = 0, sy = 0;
    for (let py = Math.max(0, Math.floor(cy - r)); py <= Math.min(H - 1, Math.ceil(cy + r)); py++) {
      for (let px = Math.max(0, Math.floor(cx - r)); px <= Math.min(W - 1, Math.ceil(cx + r)); px++) {
        if (Math.hypot(px - cx, py - cy) > r) continue;
        const val = image[py * W + px]!;
        s0 += val;
        sx += val * px;
        sy += val * py;
      }
    }
    const nx = sx / s0, ny = sy / s0;
    const moved = Math.hypot(nx - cx, ny - cy);
    cx = nx;
    cy = ny;
    if (!(moved >= 1e-5)) break;
  }
  return [cx, cy];
}
