/**
 * Deconvolution of a dirty image (Högbom 1974), in its two-term multi-frequency form (Rau &
 * Cornwell 2011): find the residual pixel whose flux and spectral slope remove the most
 * (within a mask, when given), subtract `gain` times their PSFs centred there, record the
 * component, repeat until that falls below `thresholdJy` (a few times the thermal noise) or
 * `maxIterations` is reached. The restoring beam is an elliptical Gaussian fitted to the top
 * of the PSF's main lobe; noise is 1.4826 x MAD of the residual away from the sources'
 * components (the source-free area).
 */
import { MAD_TO_SIGMA, medianInPlace } from '../image/statistics.js';
import { RadioError } from './errors.js';

/**
 * Pixels above this fraction of the PSF peak, connected to it, are fitted. A point source off
 * the pixel grid is CLEANed into components on the pixels about it, restored at its position
 * as sum(c_i G(d_i)) while the data hold sum(c_i PSF(d_i)): the peak is right only where the
 * Gaussian G follows the PSF within a pixel or two of its centre. The radio chain's snapshot
 * PSF is boxy (0.738 of the peak 1 pixel out along x, 0.217 at 2): fitted down to 0.35 the
 * Gaussian passes under it at 1 pixel (0.720), which took 0.25-0.35% off restored peaks on
 * average; fitted above 0.5 it is within 0.007 of the PSF at every pixel 1 out.
 */
const MAIN_LOBE_LEVEL = 0.5;

/**
 * An elliptical Gaussian beam in pixels: exp(-(a dx^2 + b dx dy + c dy^2)) with x to the west
 * and y to the north, and its FITS description (BMAJ, BMIN as FWHM in pixels, BPA degrees
 * from north through east).
 */
export interface Beam {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly majorPx: number;
  readonly minorPx: number;
  readonly paDeg: number;
}

/** The beam of quadratic form (a, b, c), with its axes and position angle. */
function beamFromQuadratic(a: number, b: number, c: number): Beam {
  const mean = (a + c) / 2, half = Math.hypot((a - c) / 2, b / 2);
  const lmin = mean - half, lmax = mean + half;
  if (!(lmin > 0)) throw new RadioError('the PSF main lobe is not a peak (fitted quadratic form not positive)', 'RADIO_INPUT');
  // eigenvector of the smallest eigenvalue: the major axis (dx, dy)
  const [dx, dy] = Math.abs(b) > 1e-15 ? [b / 2, lmin - a] : a <= c ? [1, 0] : [0, 1];
  let pa = (Math.atan2(-dx, dy) * 180) / Math.PI;
  if (pa > 90) pa -= 180;
  if (pa <= -90) pa += 180;
  const fwhm = (l: number) => 2 * Math.sqrt(Math.LN2 / l);
  return { a, b, c, majorPx: fwhm(lmin), minorPx: fwhm(lmax), paDeg: pa };
}

/** The beam with FWHMs `majorPx`, `minorPx` and position angle `paDeg` (east of north). */
export function beamFromAxes(majorPx: number, minorPx: number, paDeg: number): Beam {
  const t = (paDeg * Math.PI) / 180;
  // unit vectors (x west, y north) along the major and minor axes
  const [mx, my] = [-Math.sin(t), Math.cos(t)], [nx, ny] = [my, -mx];
  const p = 4 * Math.LN2 / (majorPx * majorPx), q = 4 * Math.LN2 / (minorPx * minorPx);
  return beamFromQuadratic(p * mx * mx + q * nx * nx, 2 * (p * mx * my + q * nx * ny), p * my * my + q * ny * ny);
}

/** The beam's value at pixel offset (dx, dy). */
export function beamAt(beam: Beam, dx: number, dy: number): number {
  return Math.exp(-(beam.a * dx * dx + beam.b * dx * dy + beam.c * dy * dy));
}

/**
 * Fits a Gaussian to the main lobe of `image` (size n x n, peak 1 at (cx, cy)): least squares
 * of -ln(value) = a dx^2 + b dx dy + c dy^2 over the pixels above {@link MAIN_LOBE_LEVEL}
 * connected to the peak.
 */
export function fitBeam(image: Float64Array, n: number, cx: number, cy: number): Beam {
  const m = new Float64Array(9), rhs = new Float64Array(3);
  const seen = new Set<number>([cy * n + cx]);
  const stack = [cy * n + cx];
  while (stack.length) {
    const at = stack.pop()!;
    const x = at % n, y = Math.floor(at / n);
    const dx = x - cx, dy = y - cy, f = [dx * dx, dx * dy, dy * dy], z = -Math.log(image[at]!);
    for (let i = 0; i < 3; i++) {
      rhs[i] += f[i]! * z;
      for (let j = 0; j < 3; j++) m[3 * i + j] += f[i]! * f[j]!;
    }
    for (const [ox, oy] of [[1, 0], [-1, 0], [0, 1], [0, -1]] as const) {
      const nx = x + ox, ny = y + oy, next = ny * n + nx;
      if (nx < 0 || ny < 0 || nx >= n || ny >= n || seen.has(next) || !(image[next]! > MAIN_LOBE_LEVEL)) continue;
      seen.add(next);
      stack.push(next);
    }
  }
  if (seen.size < 6) throw new RadioError(`the PSF main lobe has ${seen.size} pixels: use smaller cells`, 'RADIO_INPUT');
  const [a, b, c] = solve3(m, rhs);
  return beamFromQuadratic(a, b, c);
}

function solve3(m: Float64Array, r: Float64Array): [number, number, number] {
  const det = (q: ArrayLike<number>) => q[0]! * (q[4]! * q[8]! - q[5]! * q[7]!) - q[1]! * (q[3]! * q[8]! - q[5]! * q[6]!) + q[2]! * (q[3]! * q[7]! - q[4]! * q[6]!);
  const d = det(m);
  const column = (j: number) => det(Array.from(m, (v, i) => (i % 3 === j ? r[Math.floor(i / 3)]! : v))) / d;
  return [column(0), column(1), column(2)];
}

/** 1.4826 x the median absolute deviation of `image`'s pixels where `use` is not 0 (all without it). */
export function robustRms(image: Float64Array, use?: Uint8Array): number {
  const values = new Float64Array(image.length);
  let n = 0;
  for (let i = 0; i < image.length; i++) if (!use || use[i]) values[n++] = image[i]!;
  if (n === 0) throw new RadioError('no source-free pixels to measure the noise on', 'RADIO_INPUT');
  const med = medianInPlace(values.slice(0, n));
  for (let i = 0; i < n; i++) values[i] = Math.abs(values[i]! - med);
  return MAD_TO_SIGMA * medianInPlace(values, n);
}

/** Settings of a CLEAN. */
export interface CleanSpec {
  readonly gain: number;
  readonly maxIterations: number;
  readonly thresholdJy: number;
}

/** CLEAN components (flux by pixel index of the image) and what the CLEAN did. */
export interface CleanResult {
  readonly components: Map<number, number>;
  readonly residual: Float64Array;
  readonly iterations: number;
  readonly finalPeak: number;
}

/**
 * Two-term multi-frequency Högbom CLEAN (Rau & Cornwell 2011) of the dirty images `d.dirty`
 * and `d.dirtySlope` (npix x npix) with the PSFs `d.psf`, `d.psfT`, `d.psfT2` (2 npix x 2 npix,
 * `d.psf` 1 at (npix, npix)), components only where `mask` is not 0 (everywhere without it).
 * Each component is a flux and a spectral slope, I(nu) = I0 + I1 t: a single-PSF CLEAN of a
 * source whose apparent flux changes across the band (spectral index, and the primary beam
 * narrowing with frequency) leaves sidelobes of that change, and CLEANing them took 1% off the
 * radio chain's sources on average. At each pixel the two terms are
 * solved from the peak values of the PSFs (the 2 x 2 Hessian); the pixel whose solution
 * reduces the residual most is taken, until sqrt of that reduction falls below `thresholdJy`.
 * The components map holds I0 (the weighted band-mean flux, as t has weighted mean 0); the
 * residual is that of the Taylor-0 image.
 */
export function hogbomClean(d: TaylorImages, npix: number, spec: CleanSpec, mask?: Uint8Array): CleanResult {
  const r0 = Float64Array.from(d.dirty), r1 = Float64Array.from(d.dirtySlope), components = new Map<number, number>();
  const n = 2 * npix, q = inverseHessian(d, npix);
  let iterations = 0;
  for (; iterations < spec.maxIterations; iterations++) {
    const at = bestReduction(r0, r1, q, mask);
    if (at < 0) break;
    const a0 = q[0] * r0[at]! + q[1] * r1[at]!, a1 = q[1] * r0[at]! + q[2] * r1[at]!;
    if (Math.sqrt(a0 * r0[at]! + a1 * r1[at]!) < spec.thresholdJy) break;
    const f0 = spec.gain * a0, f1 = spec.gain * a1, px = at % npix, py = Math.floor(at / npix);
    components.set(at, (components.get(at) ?? 0) + f0);
    for (let y = 0; y < npix; y++) {
      const row = (y - py + npix) * n - px + npix;
      for (let x = 0; x < npix; x++) {
        const j = row + x;
        r0[y * npix + x] -= f0 * d.psf[j]! + f1 * d.psfT[j]!;
        r1[y * npix + x] -= f0 * d.psfT[j]! + f1 * d.psfT2[j]!;
      }
    }
  }
  return { components, residual: r0, iterations, finalPeak: Math.abs(r0[bestReduction(r0, r1, q)]!) };
}

/** The images a two-term CLEAN works on (gridding.ts's {@link DirtyImage} is one). */
export interface TaylorImages {
  readonly dirty: Float64Array;
  readonly dirtySlope: Float64Array;
  readonly psf: Float64Array;
  readonly psfT: Float64Array;
  readonly psfT2: Float64Array;
}

/**
 * The inverse [q00, q01, q11] of the PSFs' peak values [[h00, h01], [h01, h11]]: (I0, I1) =
 * Q (r0, r1) at a pixel. One term (I1 = 0) when the band gives t no spread (one channel).
 */
function inverseHessian(d: TaylorImages, npix: number): [number, number, number] {
  const c = npix * 2 * npix + npix, h00 = d.psf[c]!, h01 = d.psfT[c]!, h11 = d.psfT2[c]!;
  const det = h00 * h11 - h01 * h01;
  return det > 1e-12 * h00 * h00 ? [h11 / det, -h01 / det, h00 / det] : [1 / h00, 0, 0];
}

/** The pixel (where `mask` is not 0) whose two-term solution reduces the residual most, (r0, r1) Q (r0, r1); -1 when the mask holds none. */
function bestReduction(r0: Float64Array, r1: Float64Array, [q00, q01, q11]: [number, number, number], mask?: Uint8Array): number {
  let at = -1, best = -1;
  for (let i = 0; i < r0.length; i++) {
    if (mask && !mask[i]) continue;
    const x = r0[i]!, y = r1[i]!, reduction = q00 * x * x + 2 * q01 * x * y + q11 * y * y;
    if (reduction > best) [best, at] = [reduction, i];
  }
  return at;
}

/**
 * 1 for pixels within `radiusPx` of a component of at least `minFlux` (a source; the small
 * components CLEAN takes from noise and sidelobe peaks mark none), 0 elsewhere.
 */
export function sourceMask(components: ReadonlyMap<number, number>, npix: number, radiusPx: number, minFlux: number): Uint8Array {
  const near = new Uint8Array(npix * npix);
  const r = Math.ceil(radiusPx);
  for (const [at, flux] of components) {
    if (Math.abs(flux) < minFlux) continue;
    const cx = at % npix, cy = Math.floor(at / npix);
    for (let y = Math.max(0, cy - r); y <= Math.min(npix - 1, cy + r); y++) {
      for (let x = Math.max(0, cx - r); x <= Math.min(npix - 1, cx + r); x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= radiusPx * radiusPx) near[y * npix + x] = 1;
    }
  }
  return near;
}

/** The complement of {@link sourceMask}: 1 for pixels farther than `radiusPx` from every source component. */
export function sourceFreeMask(components: ReadonlyMap<number, number>, npix: number, radiusPx: number, minFlux: number): Uint8Array {
  return sourceMask(components, npix, radiusPx, minFlux).map((v) => 1 - v);
}
