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
  const v = coadd.variance, mask = coadd.mask;
  if (!v || !mask) throw new ImageError('coadd has no variance or mask plane', 'IMAGE_INPUT');
  if (coadd.image instanceof BigInt64Array || coadd.image instanceof BigUint64Array) throw new ImageError('coadd pixels are 64-bit integers', 'IMAGE_INPUT');
  const img: ArrayLike<number> = coadd.image;
  const W = coadd.width, H = coadd.height;
  const NO_DATA = 1 << MASK_BITS.NO_DATA;

  // Only stars near the image can be measured or spill light into an aperture.
  const reach = R + 6 * SIGMA;
  const near: number[] = [];
  const xs = new Float64Array(flux.length), ys = new Float64Array(flux.length);
  for (let i = 0; i < flux.length; i++) {
    const [x, y] = skyToPixel(ra[i]!, dec[i]!);
    xs[i] = x;
    ys[i] = y;
    if (x > -reach - 1 && y > -reach - 1 && x < W + reach && y < H + reach) near.push(i);
  }

  const stars: TruthStar[] = [];
  for (const i of near) {
    const x = xs[i]!, y = ys[i]!;
    if (!(x > R + 1 && y > R + 1 && x < W - R - 2 && y < H - R - 2)) continue;
    // Isolated: neighbours' light in the aperture.
    let spill = 0;
    for (const j of near) {
      const d = Math.hypot(xs[j]! - x, ys[j]! - y);
      if (j === i || d > reach) continue;
      let fraction = 0;
      for (let dv = -R + 0.25; dv < R; dv += 0.5) {
        for (let du = -R + 0.25; du < R; du += 0.5) {
          if (du * du + dv * dv > R * R) continue;
          fraction += Math.exp(-((x + du - xs[j]!) ** 2 + (y + dv - ys[j]!) ** 2) / (2 * SIGMA * SIGMA)) * 0.25 / (2 * Math.PI * SIGMA * SIGMA);
        }
      }
      spill += fraction * flux[j]!;
    }
    if (spill > maxSpill * flux[i]!) continue;
    let sum = 0, noise = 0, covered = true;
    for (let py = Math.floor(y - R); py <= Math.ceil(y + R); py++) {
      for (let px = Math.floor(x - R); px <= Math.ceil(x + R); px++) {
        if (Math.hypot(px - x, py - y) > R) continue;
        const p = py * W + px;
        if (mask[p]! & NO_DATA || mask[p]! >>> COUNT_SHIFT === 0 || !Number.isFinite(img[p]!)) covered = false;
        sum += img[p]!;
        noise += v[p]!;
      }
    }
    // Bright: aperture S/N above minSnr.
    if (!covered || !(flux[i]! > minSnr * Math.sqrt(noise))) continue;
    // Centroid: first moment in a circle, re-centred until it settles.
    let cx = x, cy = y;
    for (let it = 0; it < 30; it++) {
      let s0 = 0, sx = 0, sy = 0;
      for (let py = Math.max(0, Math.floor(cy - CR)); py <= Math.min(H - 1, Math.ceil(cy + CR)); py++) {
        for (let px = Math.max(0, Math.floor(cx - CR)); px <= Math.min(W - 1, Math.ceil(cx + CR)); px++) {
          if (Math.hypot(px - cx, py - cy) > CR) continue;
          const val = img[py * W + px]!;
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
    stars.push({
      id: ids[i]!, ra: ra[i]!, dec: dec[i]!, x, y, trueFlux: flux[i]!, measuredFlux: sum, measuredFluxErr: Math.sqrt(noise),
      ratio: sum / flux[i]!, offsetPx: Math.hypot(cx - x, cy - y),
    });
  }
  return { stars, medianRatio: middle(stars.map((s) => s.ratio)), medianOffsetPx: middle(stars.map((s) => s.offsetPx)) };
}
