/**
 * The config schemas of the optical chain's tasks (isr.ts, calibrate.ts, make-warp.ts,
 * assemble-coadd.ts), apart from their code: the task library declares its tasks with them,
 * and a worker thread loads the library at start without the image code (~35 ms), which it
 * loads on a task's first quantum.
 */
import { defineConfig } from '../core/config-schema.js';

/** ISR's config fields. */
export const ISR_CONFIG = defineConfig({
  doOverscan: { type: 'boolean', default: true, doc: 'Subtract the overscan level (step 1)' },
  overscanStatistic: { type: 'string', choices: ['median', 'mean'], default: 'median', doc: 'Statistic of each overscan row (or column)' },
  overscanFitOrder: { type: 'number', default: 1, doc: 'Polynomial degree along the readout; negative: per-row values, no fit' },
  doBias: { type: 'boolean', default: true, doc: 'Subtract the bias frame when one is given' },
  doDark: { type: 'boolean', default: true, doc: 'Subtract the scaled dark when one is given' },
  doFlat: { type: 'boolean', default: true, doc: 'Divide by the flat when one is given' },
  saturation: { type: 'number', default: null, doc: "Saturation level (ADU) overriding the raw's SATURATE card (no default: a raw without one needs it)" },
  minFlat: { type: 'number', default: 0.05, doc: 'Flat values below this are BAD' },
  gain: { type: 'number', default: null, doc: "Gain (e-/ADU) overriding the raw's GAIN card" },
  readNoise: { type: 'number', default: null, doc: "Read noise (e-) overriding the raw's RDNOISE card" },
  badSections: { type: 'strings', default: [], doc: 'Bad regions as FITS sections of the trimmed image, e.g. `[37:37,1:128]` for a bad column' },
});

/** Calibration's config fields. */
export const CALIBRATE_CONFIG = defineConfig({
  useReferenceCatalog: { type: 'boolean', default: false, doc: 'Fit the WCS and the zero point against the reference catalog (adds the refCat prerequisite)' },
  detectionThreshold: { type: 'number', default: 5, doc: 'Detection threshold, sigma of the PSF-smoothed image' },
  matchRadiusArcsec: { type: 'number', default: 2, doc: 'Final match radius, arcseconds' },
  matchSearchRadiusArcsec: { type: 'number', default: 30, doc: 'How far the header WCS may be off (radius of the offset vote), arcseconds' },
  minMatches: { type: 'number', default: 2, doc: 'Fewest matches for a WCS fit (fewer keep the header WCS)' },
  astrometrySnrMin: {
    type: 'number', default: 20,
    doc: 'Matched sources fainter than this PSF-flux S/N stay out of the WCS fit (their centroids suffer most from faint neighbours), unless fewer than three are brighter',
  },
  wcsFitModel: {
    type: 'string', choices: ['auto', 'affine', 'similarity', 'shift'], default: 'auto',
    doc: "WCS model: `affine` (full CD), `similarity` (rotation and scale of the header's CD), `shift` (header CD, CRVAL fitted), or `auto`: " +
      'the one of these with the least BIC (similarity only from `similarityMinMatches` matches on, affine from `affineMinMatches`)',
  },
  similarityMinMatches: { type: 'number', default: 6, doc: 'Fewest matches for `auto` to consider a similarity' },
  affineMinMatches: { type: 'number', default: 20, doc: 'Fewest matches for `auto` to consider an affine fit' },
  backgroundMeshSize: { type: 'number', default: 32, doc: 'Side of the background mesh cells, pixels' },
  psfSigmaGuess: { type: 'number', default: 1.5, doc: "Starting guess of the PSF's Gaussian sigma, pixels (the detection kernel of the first pass)" },
  apertureRadiusSigma: { type: 'number', default: 4, doc: 'Aperture radius in PSF sigmas (at least 3 pixels)' },
  photometrySnrMin: { type: 'number', default: 20, doc: 'Fewest S/N of a star used for the zero point' },
  minPhotometricStars: { type: 'number', default: 1, doc: 'Fewest stars for a zero point' },
  band: { type: 'string', default: null, doc: "Band of the reference fluxes; the header's BAND when absent" },
  nominalZeroPoints: { type: 'numberMap', default: {}, doc: 'AB magnitude of 1 electron per band, used when there is no reference catalog' },
});

/** makeWarp's config fields. */
export const MAKE_WARP_CONFIG = defineConfig({
  kernel: { type: 'string', choices: ['lanczos3', 'bilinear'], default: 'lanczos3', doc: 'Resampling kernel (resample.ts)' },
  badMaskPlanes: {
    type: 'strings', default: ['BAD', 'SAT', 'NO_DATA', 'CR'],
    doc: "Planes spread from every kernel tap into the warp's mask (the others come from the nearest 2x2 pixels)",
  },
});

/** assembleCoadd's config fields. */
export const ASSEMBLE_COADD_CONFIG = defineConfig({
  badMaskPlanes: { type: 'strings', default: ['NO_DATA', 'BAD', 'SAT', 'CR'], doc: "Planes that exclude a warp's pixel from the mean" },
  weighting: { type: 'string', choices: ['warp', 'pixel'], default: 'warp', doc: "Weights: each warp's inverse median variance, or each pixel's inverse variance" },
});
