/**
 * Single-frame source measurement: two passes of background estimation (the second with the
 * first pass's detections masked), detection, Gaussian-weighted centroids, the PSF width
 * from adaptive moments of bright isolated stars, aperture fluxes at a radius of a few
 * PSF sigmas (4 sigma holds all but exp(-8) = 0.03% of a Gaussian PSF's light) and Gaussian
 * PSF fluxes. The PSF fluxes are put on the aperture scale by an aperture correction - a
 * low weighted quantile of aperture / PSF flux over bright clean stars - which absorbs the PSF model's
 * errors (a Gaussian of the wrong width, or a PSF that is no Gaussian); `flux` is that
 * corrected PSF flux: as noiseless as the matched filter, as total as the aperture.
 */
import { backgroundImage, estimateBackground, type BackgroundModel } from './background.js';
import { adaptiveMoments, gaussianCentroid } from './centroid.js';
import { detectSources, type DetectedPeak } from './detection.js';
import { maskBit } from './mask-planes.js';
import { apertureFlux, erf, psfFlux } from './photometry.js';
import { fitPsfSigma } from './psf-width.js';
import { weightedMedian, weightedQuantile } from './statistics.js';

/** Measurement settings. */
export interface MeasurementOptions {
  readonly backgroundMeshSize: number;
  readonly detectionThreshold: number;
  /** Starting guess of the PSF's Gaussian sigma, pixels (the detection kernel of the first pass). */
  readonly psfSigmaGuess: number;
  /** Aperture radius in PSF sigmas (at least 3 pixels). */
  readonly apertureRadiusSigma: number;
}

/** Measured sources, column-wise. */
export interface SourceTable {
  readonly count: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** PSF flux times the aperture correction, and its error, in the image's units. */
  readonly flux: Float64Array;
  readonly fluxErr: Float64Array;
  /** Aperture flux and error. */
  readonly apFlux: Float64Array;
  readonly apFluxErr: Float64Array;
  readonly significance: Float64Array;
  /** True when isolated and the aperture and PSF fluxes are whole (no edge, no masked pixel). */
  readonly clean: Uint8Array;
  /**
   * The centroid converged, 3 PSF sigmas or more from the edge, its footprint holds no other
   * peak and neighbours add less than 1% to its PSF flux: good for astrometry.
   */
  readonly isolated: Uint8Array;
}

/** Everything a measurement pass yields. */
export interface Measurement {
  readonly sources: SourceTable;
  readonly background: BackgroundModel;
  /** The image minus the background. */
  readonly subtracted: Float32Array;
  /** The input mask with the DETECTED plane of the final pass. */
  readonly mask: Int32Array;
  readonly psfSigma: number;
  readonly apertureRadius: number;
  /** Aperture / PSF flux (1 when the stars could not measure it to 2%). */
  readonly apertureCorrection: number;
  readonly footprintCount: number;
}

const IGNORE = maskBit('BAD') | maskBit('NO_DATA') | maskBit('SAT');

/** Measures the sources of an image with its variance and mask planes. */
export function measureSources(image: ArrayLike<number>, variance: ArrayLike<number>, mask: Int32Array, width: number, height: number, options: MeasurementOptions): Measurement {
  const { background, subtracted, firstPeaks } = subtractBackground(image, variance, mask, width, height, options);
  const frame: SubtractedFrame = { image: subtracted, variance, mask, width, height };
  const psfSigma = estimatePsfSigma(frame, firstPeaks, options.psfSigmaGuess);
  const det = detectSources(subtracted, variance, mask, width, height, { sigma: psfSigma, threshold: options.detectionThreshold, ignoreMask: IGNORE, minPixels: 3 });
  const radius = Math.max(3, options.apertureRadiusSigma * psfSigma);
  const sources = measurePeaks(frame, det.peaks, psfSigma, radius);
  const blend = neighbourLight(sources, psfSigma, radius);
  clearBlended(sources, blend.psf);
  const apertureCorrection = applyApertureCorrection(sources, blend.aperture);
  return {
    sources, background, subtracted, mask: withDetected(mask, det.footprints), psfSigma, apertureRadius: radius, apertureCorrection, footprintCount: det.footprintCount,
  };
}

/** A background-subtracted image with its variance and mask, as the measurements read it. */
interface SubtractedFrame {
  readonly image: Float32Array;
  readonly variance: ArrayLike<number>;
  readonly mask: Int32Array;
  readonly width: number;
  readonly height: number;
}

/**
 * Two passes: a robust (median) background and a detection with the guessed PSF, then a mean
 * background with those footprints (grown by 2 sigma) masked, so that the sources' wings do
 * not raise it. Returns the second background, the image minus it and the first pass's peaks.
 */
function subtractBackground(
  image: ArrayLike<number>, variance: ArrayLike<number>, mask: Int32Array, width: number, height: number, options: MeasurementOptions,
): { background: BackgroundModel; subtracted: Float32Array; firstPeaks: readonly DetectedPeak[] } {
  const n = width * height;
  const DETECTED = maskBit('DETECTED');
  const bg1 = estimateBackground(image, width, height, mask, { meshSize: options.backgroundMeshSize, ignoreMask: IGNORE, statistic: 'median' });
  const det1 = detectSources(subtract(image, backgroundImage(bg1, width, height)), variance, mask, width, height, { sigma: options.psfSigmaGuess, threshold: options.detectionThreshold, ignoreMask: IGNORE, minPixels: 3 });
  const grown = growFootprints(det1.footprints, width, height, Math.ceil(2 * options.psfSigmaGuess));
  const bgMask = new Int32Array(n);
  for (let p = 0; p < n; p++) bgMask[p] = mask[p]! | (grown[p]! ? DETECTED : 0);
  const background = estimateBackground(image, width, height, bgMask, { meshSize: options.backgroundMeshSize, ignoreMask: IGNORE | DETECTED, statistic: 'mean' });
  return { background, subtracted: subtract(image, backgroundImage(background, width, height)), firstPeaks: det1.peaks };
}

/**
 * The PSF's Gaussian sigma. The brightest isolated peaks of pass 1 (significance 10 or more,
 * no other peak within 5 sigma, clear of the edges and of masked pixels) give a first estimate
 * by adaptive moments (weighted median, weights min(S/N, 100)^2), then one maximum-likelihood
 * Gaussian fit over all of them at once (psf-width.ts) refines it. `guess` without such stars.
 */
function estimatePsfSigma(frame: SubtractedFrame, peaks: readonly DetectedPeak[], guess: number): number {
  const { image, variance, mask, width, height } = frame;
  const edge = 4 * guess + 2;
  const sigmas: number[] = [], sigmaWeights: number[] = [];
  const stars: { x: number; y: number }[] = [];
  const bright = peaks
    .filter((p) => p.peaksInFootprint === 1 && p.significance >= 10 && p.x >= edge && p.y >= edge && p.x <= width - 1 - edge && p.y <= height - 1 - edge)
    .filter((p) => !peaks.some((q) => q !== p && Math.hypot(q.x - p.x, q.y - p.y) < 5 * guess))
    .sort((a, b) => b.significance - a.significance).slice(0, 30);
  for (const p of bright) {
    const c = gaussianCentroid(image, width, height, p.x, p.y, guess, mask, IGNORE);
    if (!c.ok || hasMaskNear(mask, width, height, c.x, c.y, 3 * guess, IGNORE)) continue;
    const m = adaptiveMoments(image, width, height, c.x, c.y, guess, mask, IGNORE);
    if (!m.ok || !(m.sigma > 0.3)) continue;
    sigmas.push(m.sigma);
    sigmaWeights.push(Math.min(p.significance, 100) ** 2);
    stars.push(c);
  }
  const psfSigma = sigmas.length > 0 ? weightedMedian(sigmas, sigmaWeights) : guess;
  if (stars.length === 0) return psfSigma;
  const fitted = fitPsfSigma(image, variance, mask, width, height, stars, Math.ceil(4 * psfSigma), 0.7 * psfSigma, 1.4 * psfSigma, IGNORE);
  return Number.isFinite(fitted) ? fitted : psfSigma;
}

/** The input mask with the DETECTED plane set on `footprints`. */
function withDetected(mask: Int32Array, footprints: Int32Array): Int32Array {
  const DETECTED = maskBit('DETECTED');
  const out = Int32Array.from(mask);
  for (let p = 0; p < out.length; p++) if (footprints[p]!) out[p]! |= DETECTED;
  return out;
}

/** Centroid, aperture and PSF flux of each peak (the PSF flux not yet aperture-corrected), and whether it is isolated and clean before blending is considered. */
function measurePeaks(frame: SubtractedFrame, peaks: readonly DetectedPeak[], psfSigma: number, radius: number): SourceTable {
  const { image, variance, mask, width, height } = frame;
  const count = peaks.length;
  const x = new Float64Array(count), y = new Float64Array(count), apFlux = new Float64Array(count), apFluxErr = new Float64Array(count);
  const flux = new Float64Array(count), fluxErr = new Float64Array(count);
  const significance = new Float64Array(count), clean = new Uint8Array(count), isolated = new Uint8Array(count);
  peaks.forEach((peak, i) => {
    const c = gaussianCentroid(image, width, height, peak.x, peak.y, psfSigma, mask, IGNORE);
    x[i] = c.x;
    y[i] = c.y;
    const a = apertureFlux(image, variance, mask, width, height, c.x, c.y, radius, IGNORE);
    apFlux[i] = a.flux;
    apFluxErr[i] = a.fluxErr;
    const psf = psfFlux(image, variance, mask, width, height, c.x, c.y, psfSigma, IGNORE);
    flux[i] = psf.flux;
    fluxErr[i] = psf.fluxErr;
    significance[i] = peak.significance;
    // The centroid's weight window must not be cut by the image edge (that pulls it inward).
    const margin = 3 * psfSigma;
    const inside = c.x >= margin && c.y >= margin && c.x <= width - 1 - margin && c.y <= height - 1 - margin;
    isolated[i] = c.ok && inside && peak.peaksInFootprint === 1 ? 1 : 0;
    clean[i] = isolated[i] && !a.edge && !a.masked && !psf.incomplete ? 1 : 0;
  });
  return { count, x, y, flux, fluxErr, apFlux, apFluxErr, significance, clean, isolated };
}

/**
 * Light of the other sources in each source's measurements, as a fraction of its own flux
 * (Gaussian PSF, the others' PSF fluxes): in the PSF flux (and the Gaussian-weighted
 * centroid), a neighbour at distance d weighs exp(-d^2 / 4 sigma^2); in the aperture, at
 * most the part of its profile beyond d - R along the line between them. Infinity for a
 * source without positive flux of its own.
 */
function neighbourLight(sources: SourceTable, psfSigma: number, radius: number): { psf: Float64Array; aperture: Float64Array } {
  const { count, x, y, flux, apFlux } = sources;
  const psf = new Float64Array(count), aperture = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let inPsf = 0, inAperture = 0;
    for (let k = 0; k < count; k++) {
      if (k === i || !(flux[k]! > 0)) continue;
      const d = Math.hypot(x[k]! - x[i]!, y[k]! - y[i]!);
      inPsf += flux[k]! * Math.exp(-(d * d) / (4 * psfSigma * psfSigma));
      inAperture += flux[k]! * 0.5 * (1 - erf((d - radius) / (Math.SQRT2 * psfSigma)));
    }
    psf[i] = flux[i]! > 0 ? inPsf / flux[i]! : Infinity;
    aperture[i] = apFlux[i]! > 0 ? inAperture / apFlux[i]! : Infinity;
  }
  return { psf, aperture };
}

/** Clears `isolated` and `clean` of the sources whose neighbours add 1% or more to their PSF flux. */
function clearBlended(sources: SourceTable, psfBlend: Float64Array): void {
  for (let i = 0; i < sources.count; i++) {
    if (psfBlend[i]! > 0.01) {
      sources.isolated[i] = 0;
      sources.clean[i] = 0;
    }
  }
}

/**
 * Aperture correction: aperture / PSF flux over clean stars with an aperture S/N above 20
 * and detected neighbours adding under 0.5% to the aperture, weights min(S/N, 100)^2 (the
 * brightest count most, none alone). Unresolved neighbours only ever raise the ratio (they
 * add more light to the wide aperture than to the PSF fit), so the estimate is the weighted
 * 30th percentile rather than the median: blends above it do not move it, and noise costs
 * it half a star's error at most. Applied only when those stars together measure it to 2%
 * (summed S/N of 50); otherwise the Gaussian model stands. Scales `flux` and `fluxErr` by
 * it and returns it.
 */
function applyApertureCorrection(sources: SourceTable, apBlend: Float64Array): number {
  const { count, flux, fluxErr, apFlux, apFluxErr, clean } = sources;
  const ratios: number[] = [], weights: number[] = [];
  for (let i = 0; i < count; i++) {
    const snr = apFlux[i]! / apFluxErr[i]!;
    if (!clean[i] || !(snr > 20) || !(flux[i]! > 0) || apBlend[i]! > 0.005) continue;
    ratios.push(apFlux[i]! / flux[i]!);
    weights.push(Math.min(snr, 100) ** 2);
  }
  const apertureCorrection = weights.reduce((a, b) => a + b, 0) >= 50 * 50 ? weightedQuantile(ratios, weights, 0.3) : 1;
  for (let i = 0; i < count; i++) {
    flux[i]! *= apertureCorrection;
    fluxErr[i]! *= apertureCorrection;
  }
  return apertureCorrection;
}

function subtract(image: ArrayLike<number>, background: Float32Array): Float32Array {
  const out = new Float32Array(background.length);
  for (let p = 0; p < out.length; p++) out[p] = image[p]! - background[p]!;
  return out;
}

/** Footprint labels dilated by a square of half-size `r` (as a 0/1 map). */
function growFootprints(labels: Int32Array, width: number, height: number, r: number): Uint8Array {
  // Separable max filter: rows, then columns.
  const rows = new Uint8Array(labels.length), out = new Uint8Array(labels.length);
  for (let y = 0; y < height; y++) dilateLine(labels, rows, y * width, 1, width, r);
  for (let x = 0; x < width; x++) dilateLine(rows, out, x, width, height, r);
  return out;
}

/**
 * Sets `out` to 1 along one line of `n` pixels (`start`, `start + stride`, ...) wherever a set
 * pixel of `src` on that line is at most `r` away: forward and backward sweeps track the
 * nearest set pixel on each side.
 */
function dilateLine(src: ArrayLike<number>, out: Uint8Array, start: number, stride: number, n: number, r: number): void {
  let prev = -Infinity;
  for (let i = 0; i < n; i++) {
    if (src[start + i * stride]) prev = i;
    if (i - prev <= r) out[start + i * stride] = 1;
  }
  let next = Infinity;
  for (let i = n - 1; i >= 0; i--) {
    if (src[start + i * stride]) next = i;
    if (next - i <= r) out[start + i * stride] = 1;
  }
}

function hasMaskNear(mask: Int32Array, width: number, height: number, cx: number, cy: number, r: number, bits: number): boolean {
  for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(height - 1, Math.ceil(cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(width - 1, Math.ceil(cx + r)); x++) if (mask[y * width + x]! & bits) return true;
  }
  return false;
}
