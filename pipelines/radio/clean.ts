/**
 * Deconvolution of a dirty image (Högbom 1974): find the brightest residual pixel, subtract
 * `gain` times the PSF centred there, record the component, repeat until the peak falls
 * below `thresholdJy` (a few times the thermal noise) or `maxIterations` is reached. The restoring beam is an
 * elliptical Gaussian fitted to the PSF's main lobe; noise is 1.4826 x MAD of the residual
 * away from the sources' components (the source-free area).
 */
import { MAD_TO_SIGMA, medianInPlace } from '../image/statistics.js';
import { RadioError } from './errors.js';

/** Pixels above this fraction of the PSF peak, connected to it, define the main lobe. */
const MAIN_LOBE_LEVEL = 0.35;

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

/** Högbom CLEAN of `dirty` (npix x npix) with `psf` (2 npix x 2 npix, peak 1 at (npix, npix)). */
export function hogbomClean(dirty: Float64Array, psf: Float64Array, npix: number, spec: CleanSpec): CleanResult {
  const residual = Float64Array.from(dirty), components = new Map<number, number>();
  const n = 2 * npix;
  let iterations = 0;
  for (; iterations < spec.maxIterations; iterations++) {
    const peakAt = brightest(residual), peak = residual[peakAt]!;
    if (Math.abs(peak) < spec.thresholdJy) break;
    const flux = spec.gain * peak, px = peakAt % npix, py = Math.floor(peakAt / npix);
    components.set(peakAt, (components.get(peakAt) ?? 0) + flux);
    for (let y = 0; y < npix; y++) {
      const row = (y - py + npix) * n - px + npix;
      for (let x = 0; x < npix; x++) residual[y * npix + x] -= flux * psf[row + x]!;
    }
  }
  return { components, residual, iterations, finalPeak: Math.abs(residual[brightest(residual)]!) };
}

function brightest(image: Float64Array): number {
  let at = 0, best = -1;
  for (let i = 0; i < image.length; i++) {
    const v = Math.abs(image[i]!);
    if (v > best) [best, at] = [v, i];
  }
  return at;
}

/**
 * 1 for pixels farther than `radiusPx` from every component of at least `minFlux` (a source;
 * the small components CLEAN takes from noise peaks mark none), 0 elsewhere.
 */
export function sourceFreeMask(components: ReadonlyMap<number, number>, npix: number, radiusPx: number, minFlux: number): Uint8Array {
  const use = new Uint8Array(npix * npix).fill(1);
  const r = Math.ceil(radiusPx);
  for (const [at, flux] of components) {
    if (Math.abs(flux) < minFlux) continue;
    const cx = at % npix, cy = Math.floor(at / npix);
    for (let y = Math.max(0, cy - r); y <= Math.min(npix - 1, cy + r); y++) {
      for (let x = Math.max(0, cx - r); x <= Math.min(npix - 1, cx + r); x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= radiusPx * radiusPx) use[y * npix + x] = 0;
    }
  }
  return use;
}
