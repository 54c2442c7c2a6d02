/**
 * Overscan (bias level) estimation from a raw's BIASSEC: one statistic per readout row for a
 * serial overscan (a box taller than wide, beside the data) or per column for a parallel one
 * (wider than tall), then optionally a low-order polynomial through those values with one
 * round of 3-sigma rejection (rows hit by cosmic rays). The result is a level for every
 * row (or column) of the raw, in the raw's units (ADU).
 */
import { ImageError } from './errors.js';
import type { PixelBox } from './fits-section.js';
import { evaluatePolynomial, fitPolynomial } from './linear-algebra.js';
import { MAD_TO_SIGMA, medianInPlace } from './statistics.js';

/** How the overscan is reduced. */
export interface OverscanOptions {
  /** Statistic of each row's (column's) overscan pixels. */
  readonly statistic: 'median' | 'mean';
  /** Degree of the polynomial fitted along the readout; negative keeps the per-row values. */
  readonly fitOrder: number;
}

/** The estimated overscan. */
export interface OverscanEstimate {
  /** `row`: one level per raw row (serial overscan); `column`: one per raw column. */
  readonly axis: 'row' | 'column';
  /** Level of every row (or column) of the raw image. */
  readonly levels: Float64Array;
  /** The per-row statistics inside the overscan box (before any fit). */
  readonly measured: Float64Array;
  /** Mean of `levels` over the box, and the rms of the measured values about them. */
  readonly mean: number;
  readonly residualRms: number;
  /** Rows (columns) left out of the fit as outliers. */
  readonly rejected: number;
}

/**
 * Estimates the overscan level of every row (or column) of a `width` x `height` raw from the
 * pixels in `box`. Non-finite pixels are skipped. Throws {@link ImageError} `IMAGE_HEADER`
 * for an empty box.
 */
export function estimateOverscan(pixels: ArrayLike<number>, width: number, height: number, box: PixelBox, options: OverscanOptions): OverscanEstimate {
  if (box.width < 1 || box.height < 1) throw new ImageError('the overscan section is empty', 'IMAGE_HEADER');
  const axis = box.height >= box.width ? 'row' : 'column';
  const count = axis === 'row' ? box.height : box.width;
  const across = axis === 'row' ? box.width : box.height;
  const first = axis === 'row' ? box.y0 : box.x0;
  const measured = new Float64Array(count);
  const scratch = new Float64Array(across);
  for (let k = 0; k < count; k++) {
    let n = 0;
    for (let j = 0; j < across; j++) {
      const x = axis === 'row' ? box.x0 + j : box.x0 + k;
      const y = axis === 'row' ? box.y0 + k : box.y0 + j;
      const v = pixels[y * width + x]!;
      if (Number.isFinite(v)) scratch[n++] = v;
    }
    if (n === 0) measured[k] = NaN;
    else if (options.statistic === 'median') measured[k] = medianInPlace(scratch, n);
    else {
      let s = 0;
      for (let j = 0; j < n; j++) s += scratch[j]!;
      measured[k] = s / n;
    }
  }
  const total = axis === 'row' ? height : width;
  const levels = new Float64Array(total);
  let rejected = 0;
  // t in [-1, 1] over the box keeps the normal equations well conditioned.
  const half = Math.max((count - 1) / 2, 0.5);
  const tOf = (i: number) => (i - first - (count - 1) / 2) / half;
  if (options.fitOrder >= 0) {
    const order = Math.min(Math.floor(options.fitOrder), Math.max(count - 1, 0));
    const t = Float64Array.from({ length: count }, (_, k) => tOf(first + k));
    const weights = Float64Array.from(measured, (v) => (Number.isFinite(v) ? 1 : 0));
    let coeffs = fitPolynomial(t, measured, order, weights);
    if (!coeffs) throw new ImageError('the overscan section has no finite pixels', 'IMAGE_HEADER');
    // One round of rejection: rows more than 3 sigma (MAD) from the fit.
    const resid = Float64Array.from(measured, (v, k) => Math.abs(v - evaluatePolynomial(coeffs!, t[k]!)));
    const finite = resid.filter(Number.isFinite);
    const sigma = MAD_TO_SIGMA * medianInPlace(Float64Array.from(finite));
    if (sigma > 0) {
      for (let k = 0; k < count; k++) {
        if (weights[k]! > 0 && resid[k]! > 3 * sigma) {
          weights[k] = 0;
          rejected++;
        }
      }
      if (rejected > 0) coeffs = fitPolynomial(t, measured, order, weights) ?? coeffs;
    }
    for (let i = 0; i < total; i++) levels[i] = evaluatePolynomial(coeffs, tOf(i));
  } else {
    // Per-row values; rows outside the box take the nearest measured row.
    for (let i = 0; i < total; i++) {
      const k = Math.min(Math.max(i - first, 0), count - 1);
      levels[i] = measured[k]!;
    }
    for (let i = 0; i < total; i++) {
      if (!Number.isFinite(levels[i]!)) throw new ImageError(`the overscan of ${axis} ${i} has no finite pixels`, 'IMAGE_HEADER');
    }
  }
  let sum = 0, ss = 0, n = 0;
  for (let k = 0; k < count; k++) {
    const level = levels[first + k]!;
    sum += level;
    if (Number.isFinite(measured[k]!)) {
      ss += (measured[k]! - level) ** 2;
      n++;
    }
  }
  return { axis, levels, measured, mean: sum / count, residualRms: n > 0 ? Math.sqrt(ss / n) : NaN, rejected };
}
