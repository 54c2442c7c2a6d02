/**
 * The PSF's width as one maximum-likelihood fit over several stars: for a trial sigma, each
 * star's best amplitude under a pixel-integrated circular Gaussian (centers fixed) leaves a
 * chi-square; sigma minimizes the sum (golden-section search). Every pixel of every star
 * counts by its variance, so faint stars add what they know and no single star decides -
 * unlike a median of per-star moments, which a few faint stars leave at several percent.
 */
import { gaussianPixelFractions } from './photometry.js';

/** A star to fit: its centroid. */
export interface PsfStar {
  readonly x: number;
  readonly y: number;
}

/**
 * The sigma in [lo, hi] that minimizes the summed chi-square of Gaussian fits to `stars`
 * over square windows of half-size `radius` (pixels outside the image, not finite or with
 * `ignoreMask` bits are left out). Returns NaN when no pixel is usable.
 */
export function fitPsfSigma(
  image: ArrayLike<number>, variance: ArrayLike<number>, mask: Int32Array | undefined, width: number, height: number,
  stars: readonly PsfStar[], radius: number, lo: number, hi: number, ignoreMask = 0,
): number {
  const n = 2 * radius + 1;
  const fx = new Float64Array(n), fy = new Float64Array(n);
  const chi2 = (sigma: number) => {
    let total = 0, used = 0;
    for (const s of stars) {
      const ix = Math.round(s.x), iy = Math.round(s.y);
      gaussianPixelFractions(ix - radius, n, s.x, sigma, fx);
      gaussianPixelFractions(iy - radius, n, s.y, sigma, fy);
      // chi^2(F) = sum (I - F P)^2 / V is least at F = sum(P I / V) / sum(P^2 / V), leaving
      // sum(I^2 / V) - sum(P I / V)^2 / sum(P^2 / V).
      let sii = 0, spi = 0, spp = 0;
      for (let j = 0; j < n; j++) {
        const y = iy - radius + j;
        if (y < 0 || y >= height) continue;
        for (let i = 0; i < n; i++) {
          const x = ix - radius + i;
          if (x < 0 || x >= width) continue;
          const p = y * width + x;
          const v = image[p]!, w = variance[p]!;
          if (!Number.isFinite(v) || !(w > 0) || (mask && mask[p]! & ignoreMask)) continue;
          const model = fx[i]! * fy[j]!;
          sii += (v * v) / w;
          spi += (model * v) / w;
          spp += (model * model) / w;
          used++;
        }
      }
      if (spp > 0) total += sii - (spi * spi) / spp;
    }
    return used > 0 ? total : NaN;
  };
  // Golden-section search; chi^2 is unimodal in sigma near the truth.
  const g = (Math.sqrt(5) - 1) / 2;
  let a = lo, b = hi;
  let c = b - g * (b - a), d = a + g * (b - a);
  let fc = chi2(c), fd = chi2(d);
  if (!Number.isFinite(fc) || !Number.isFinite(fd)) return NaN;
  while (b - a > 1e-4 * (lo + hi)) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = chi2(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = chi2(d);
    }
  }
  return (a + b) / 2;
}
