/**
 * Photometry. Circular apertures with fractional pixel weights: pixels wholly inside count
 * fully, pixels cut by the circle by the fraction of an 8x8 sub-pixel grid inside it; the
 * flux error comes from the variance plane (sum of w^2 V). PSF fluxes with a circular
 * Gaussian model integrated over each pixel: the least-squares amplitude
 * F = sum(P I) / sum(P^2), with variance sum(P^2 V) / sum(P^2)^2 - the matched filter, far
 * less noisy than an aperture and nearly blind to faint neighbours a few pixels away.
 */

/** One aperture measurement. */
export interface ApertureFlux {
  readonly flux: number;
  readonly fluxErr: number;
  /** Effective number of pixels (sum of weights). */
  readonly area: number;
  /** The aperture reaches past the image edge. */
  readonly edge: boolean;
  /** The aperture holds a masked (`flagMask`) or non-finite pixel; such pixels are left out. */
  readonly masked: boolean;
}

const SUB = 8;

/** Fraction of the pixel centered at (dx, dy) from the aperture center that lies within radius r. */
export function pixelFraction(dx: number, dy: number, r: number): number {
  const ax = Math.abs(dx), ay = Math.abs(dy);
  const far = Math.hypot(ax + 0.5, ay + 0.5);
  if (far <= r) return 1;
  const near = Math.hypot(Math.max(ax - 0.5, 0), Math.max(ay - 0.5, 0));
  if (near >= r) return 0;
  let inside = 0;
  const r2 = r * r;
  for (let j = 0; j < SUB; j++) {
    const sy = dy - 0.5 + (j + 0.5) / SUB;
    for (let i = 0; i < SUB; i++) {
      const sx = dx - 0.5 + (i + 0.5) / SUB;
      if (sx * sx + sy * sy <= r2) inside++;
    }
  }
  return inside / (SUB * SUB);
}

/** Aperture flux of radius `radius` pixels at (x, y) in a background-subtracted image. */
export function apertureFlux(
  image: ArrayLike<number>, variance: ArrayLike<number> | undefined, mask: Int32Array | undefined, width: number, height: number,
  x: number, y: number, radius: number, flagMask = 0,
): ApertureFlux {
  let flux = 0, v = 0, area = 0, edge = false, masked = false;
  const x0 = Math.floor(x - radius - 0.5), x1 = Math.ceil(x + radius + 0.5);
  const y0 = Math.floor(y - radius - 0.5), y1 = Math.ceil(y + radius + 0.5);
  for (let py = y0; py <= y1; py++) {
    for (let px = x0; px <= x1; px++) {
      const f = pixelFraction(px - x, py - y, radius);
      if (f === 0) continue;
      if (px < 0 || py < 0 || px >= width || py >= height) {
        edge = true;
        continue;
      }
      const p = py * width + px;
      const value = image[p]!;
      if (!Number.isFinite(value) || (mask && mask[p]! & flagMask)) {
        masked = true;
        continue;
      }
      flux += f * value;
      if (variance) v += f * f * variance[p]!;
      area += f;
    }
  }
  return { flux, fluxErr: Math.sqrt(v), area, edge, masked };
}

/** One PSF-flux measurement. */
export interface PsfFlux {
  readonly flux: number;
  readonly fluxErr: number;
  /** A masked or non-finite pixel, or the image edge, cut the model window. */
  readonly incomplete: boolean;
  /**
   * Reduced chi-square of the fit within 2 sigma of the center, where the flux is: about 1
   * for a lone star, more for a blend, a galaxy or a wrong PSF width.
   */
  readonly chi2: number;
}

/**
 * The error function by Abramowitz and Stegun's formula 7.1.26 (absolute error below
 * 1.5e-7), enough for pixel-integrated PSF weights.
 */
export function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

/** Fractions of a unit Gaussian (sigma) centered at c falling in pixels first .. first + n - 1 (written into out). */
export function gaussianPixelFractions(first: number, n: number, c: number, sigma: number, out: Float64Array): void {
  const k = 1 / (Math.SQRT2 * sigma);
  let lower = erf((first - 0.5 - c) * k);
  for (let i = 0; i < n; i++) {
    const upper = erf((first + i + 0.5 - c) * k);
    out[i] = 0.5 * (upper - lower);
    lower = upper;
  }
}

/** PSF flux at (x, y) with a circular Gaussian PSF of `sigma` pixels, over a window of radius 4 sigma. */
export function psfFlux(
  image: ArrayLike<number>, variance: ArrayLike<number> | undefined, mask: Int32Array | undefined, width: number, height: number,
  x: number, y: number, sigma: number, flagMask = 0,
): PsfFlux {
  const r = Math.ceil(4 * sigma);
  const ix = Math.round(x), iy = Math.round(y);
  const n = 2 * r + 1;
  const fx = new Float64Array(n), fy = new Float64Array(n);
  gaussianPixelFractions(ix - r, n, x, sigma, fx);
  gaussianPixelFractions(iy - r, n, y, sigma, fy);
  let spi = 0, spp = 0, sppv = 0, incomplete = false;
  for (let j = 0; j < n; j++) {
    const py = iy - r + j;
    for (let i = 0; i < n; i++) {
      const px = ix - r + i;
      const p = fx[i]! * fy[j]!;
      if (px < 0 || py < 0 || px >= width || py >= height) {
        incomplete = true;
        continue;
      }
      const q = py * width + px;
      const v = image[q]!;
      if (!Number.isFinite(v) || (mask && mask[q]! & flagMask)) {
        incomplete = true;
        continue;
      }
      spi += p * v;
      spp += p * p;
      if (variance) sppv += p * p * variance[q]!;
    }
  }
  if (!(spp > 0)) return { flux: NaN, fluxErr: NaN, incomplete: true, chi2: NaN };
  const flux = spi / spp;
  // Goodness of fit near the core.
  let chi2 = 0, dof = 0;
  if (variance) {
    const core2 = 4 * sigma * sigma;
    for (let j = 0; j < n; j++) {
      const py = iy - r + j;
      for (let i = 0; i < n; i++) {
        const px = ix - r + i;
        if (px < 0 || py < 0 || px >= width || py >= height || (px - x) ** 2 + (py - y) ** 2 > core2) continue;
        const q = py * width + px;
        const v = image[q]!, w = variance[q]!;
        if (!Number.isFinite(v) || !(w > 0) || (mask && mask[q]! & flagMask)) continue;
        chi2 += (v - flux * fx[i]! * fy[j]!) ** 2 / w;
        dof++;
      }
    }
  }
  return { flux, fluxErr: Math.sqrt(sppv) / spp, incomplete, chi2: dof > 1 ? chi2 / (dof - 1) : NaN };
}
