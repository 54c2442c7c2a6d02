/**
 * Centroids and sizes of point sources. The centroid is the Gaussian-weighted first moment,
 * iterated with the weight centered on the current estimate: its fixed point is the center
 * of any symmetric profile, and the weight keeps noise far from the source out. Sizes are
 * adaptive second moments, corrected for the weight (Gaussian deconvolution) and for the
 * pixel's own 1/12 px^2.
 */

/** A point measurement. */
export interface Centroid {
  readonly x: number;
  readonly y: number;
  /** False when the iteration failed (no positive flux under the weight, or it wandered away). */
  readonly ok: boolean;
  readonly iterations: number;
}

/** Whether pixel p may be used (finite and not masked with `ignoreMask`). */
function usable(image: ArrayLike<number>, mask: Int32Array | undefined, ignoreMask: number, p: number): boolean {
  return Number.isFinite(image[p]!) && !(mask && mask[p]! & ignoreMask);
}

/** Gaussian-weighted pixel sums about a center: sum of w, w dx, w dy, w dx^2, w dy^2, w dx dy. */
interface WeightedSums {
  readonly s0: number;
  readonly sx: number;
  readonly sy: number;
  readonly sxx: number;
  readonly syy: number;
  readonly sxy: number;
}

/**
 * Sums over the usable pixels within ceil(4 sigma) of the pixel nearest (cx, cy), each
 * weighted by its value times a circular Gaussian of width `sigma` centered on (cx, cy).
 */
function weightedSums(
  image: ArrayLike<number>, width: number, height: number, cx: number, cy: number, sigma: number,
  mask: Int32Array | undefined, ignoreMask: number,
): WeightedSums {
  const r = Math.ceil(4 * sigma);
  const inv2s2 = 1 / (2 * sigma * sigma);
  let s0 = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  const ix = Math.round(cx), iy = Math.round(cy);
  for (let y = Math.max(0, iy - r); y <= Math.min(height - 1, iy + r); y++) {
    const dy = y - cy;
    for (let x = Math.max(0, ix - r); x <= Math.min(width - 1, ix + r); x++) {
      const p = y * width + x;
      if (!usable(image, mask, ignoreMask, p)) continue;
      const dx = x - cx;
      const w = Math.exp(-(dx * dx + dy * dy) * inv2s2) * image[p]!;
      s0 += w;
      sx += w * dx;
      sy += w * dy;
      sxx += w * dx * dx;
      syy += w * dy * dy;
      sxy += w * dx * dy;
    }
  }
  return { s0, sx, sy, sxx, syy, sxy };
}

/**
 * Gaussian-weighted centroid of `image` (background subtracted) near (x0, y0), with weight
 * sigma `sigma` over a window of radius 4 sigma. Stops when a step is below 1e-6 px; fails
 * when it moves more than `maxShift` px from the start.
 */
export function gaussianCentroid(
  image: ArrayLike<number>, width: number, height: number, x0: number, y0: number, sigma: number,
  mask?: Int32Array, ignoreMask = 0, maxShift = 3,
): Centroid {
  let cx = x0, cy = y0;
  for (let it = 1; it <= 50; it++) {
    const { s0: sw, sx, sy } = weightedSums(image, width, height, cx, cy, sigma, mask, ignoreMask);
    if (!(sw > 0)) return { x: x0, y: y0, ok: false, iterations: it };
    // For a Gaussian source of width s, one step moves by (s^2 / (s^2 + sigma^2)) of the offset; damping by the
    // inverse of that ratio for s = sigma doubles the step and converges in a few rounds.
    const stepX = (2 * sx) / sw, stepY = (2 * sy) / sw;
    cx += stepX;
    cy += stepY;
    if (Math.hypot(cx - x0, cy - y0) > maxShift) return { x: x0, y: y0, ok: false, iterations: it };
    if (Math.hypot(stepX, stepY) < 1e-6) return { x: cx, y: cy, ok: true, iterations: it };
  }
  return { x: cx, y: cy, ok: true, iterations: 50 };
}

/** Adaptive second moments of a source. */
export interface Moments {
  /** Gaussian sigma of the source (pixels), corrected for the weight and for pixelization. */
  readonly sigma: number;
  readonly ixx: number;
  readonly iyy: number;
  readonly ixy: number;
  readonly ok: boolean;
}

/**
 * Adaptive moments at a fixed center: weighted second moments with a circular Gaussian weight
 * of sigma w give the source's sigma s through 1/s^2 = 1/m^2 - 1/w^2 (m^2 the measured
 * moment); the weight is set to the estimate and the loop repeated.
 */
export function adaptiveMoments(
  image: ArrayLike<number>, width: number, height: number, cx: number, cy: number, sigmaGuess: number,
  mask?: Int32Array, ignoreMask = 0,
): Moments {
  let w = sigmaGuess;
  let result: Moments = { sigma: NaN, ixx: NaN, iyy: NaN, ixy: NaN, ok: false };
  for (let it = 0; it < 30; it++) {
    const { s0, sxx, syy, sxy } = weightedSums(image, width, height, cx, cy, w, mask, ignoreMask);
    if (!(s0 > 0)) return result;
    const m2 = (sxx + syy) / (2 * s0);
    const inv = 1 / m2 - 1 / (w * w);
    if (!(inv > 0)) return result;
    const s2 = 1 / inv;
    const s = Math.sqrt(Math.max(s2 - 1 / 12, 1e-6));
    const factor = s2 / m2;
    result = { sigma: s, ixx: (sxx / s0) * factor, iyy: (syy / s0) * factor, ixy: (sxy / s0) * factor, ok: true };
    if (Math.abs(Math.sqrt(s2) - w) < 1e-5) break;
    w = Math.sqrt(s2);
  }
  return result;
}
