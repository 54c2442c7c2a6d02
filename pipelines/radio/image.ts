/**
 * image (dimensions instrument, observation): calibrated visibilities into a tile. The
 * Stokes-I samples are gridded and Fourier transformed (gridding.ts) into a dirty image and
 * PSF on a SIN grid about the phase centre; a Gaussian fitted to the top of the PSF's main lobe
 * is the restoring beam; a two-term (flux and spectral slope) Högbom CLEAN (clean.ts), kept
 * near the sources a first CLEAN found ({@link maskedClean}), down to `cleanThresholdSigma`
 * times the thermal noise (THERMRMS: the scatter of XX - YY, where an unpolarized sky cancels,
 * through the weights) finds the components, whose fluxes are the band-mean (weighted mean
 * frequency, FREQ) ones; the tile is written on a TAN
 * grid with the same centre and cell: the residual interpolated from the SIN grid (the two
 * differ by (tan - sin) of the offset, 0.1 pixel at the field's edge) plus each component
 * restored as the beam at its exact TAN position. The tile is apparent (not corrected for the
 * primary beam, PBCOR = F), in Jy/beam, with BMAJ/BMIN/BPA and the noise RMSNOISE (1.4826 x
 * MAD of the residual farther than `maskBeams` beams from every component of 5 sigmas or
 * more). The primary beam
 * on the same grid is the channel-weight mean of each channel's beam: what a flat-spectrum
 * source's apparent flux is multiplied by.
 */
import { FitsHeader, type Exposure } from '../../registry/index.js';
import { defineConfig, readConfig, type ConfigOf } from '../core/config-schema.js';
import type { TaskRunInput, TaskRunOutput } from '../core/connections.js';
import { setInt, setReal, setValue } from '../image/header-cards.js';
import { TanWcs } from '../image/tan-wcs.js';
import { beamAt, fitBeam, hogbomClean, robustRms, sourceFreeMask, sourceMask, type Beam, type CleanResult } from './clean.js';
import { dirtyImage, visibilityNoise, type DirtyImage } from './gridding.js';
import { bilinearAt } from './interpolation.js';
import { angularDistance, rad } from './interferometry.js';
import { primaryBeam, type BeamShape } from './primary-beam.js';
import { readUvh5, type UvData } from './uvh5.js';

/** Components of at least this many sigmas are sources, masked for the noise. */
const SOURCE_SIGMAS = 5;

/** image's config fields; the defaults give 256 x 256 pixels of 1.5 arcmin (6.4 degrees, past the 0.2 level of the radio profile's beam). */
export const IMAGE_CONFIG = defineConfig({
  npix: { type: 'number', default: 256, doc: 'Image size, pixels (a power of two)' },
  cellArcsec: { type: 'number', default: 90, doc: 'Pixel size, arcseconds' },
  cleanGain: { type: 'number', default: 0.1, doc: 'Fraction of the peak CLEAN removes per iteration' },
  cleanIterations: { type: 'number', default: 5000, doc: 'Most CLEAN iterations' },
  cleanThresholdSigma: { type: 'number', default: 5, doc: 'CLEAN stops when the residual peak is below this many sigmas of the thermal noise' },
  maskBeams: { type: 'number', default: 3, doc: 'The noise is measured farther than this many beam FWHMs from every component' },
  beamShape: { type: 'string', choices: ['gaussian', 'airy'], default: 'gaussian', doc: 'Primary beam model (primary-beam.ts)' },
});

/** Config of image (defaults filled in by {@link readConfig}). */
export type ImageConfig = ConfigOf<typeof IMAGE_CONFIG>;

/** Every image field at its default. */
export const IMAGE_DEFAULTS: ImageConfig = readConfig(IMAGE_CONFIG, {}, 'image');

/** Figures of an imaging. */
export interface ImageFigures {
  readonly rmsJy: number;
  /** The noise the visibilities carry (from XX - YY) through the weights; NaN without both polarizations. */
  readonly thermalRmsJy: number;
  readonly beamMajorArcmin: number;
  readonly beamMinorArcmin: number;
  readonly beamPaDeg: number;
  readonly cleanIterations: number;
  readonly cleanComponents: number;
  readonly cleanFluxJy: number;
  readonly residualPeakJy: number;
  readonly frequencyHz: number;
}

/** A tile and its primary beam on one TAN grid. */
export interface ImagedTile {
  readonly image: Exposure;
  readonly primaryBeam: Exposure;
  readonly figures: ImageFigures;
}

/** Images `data` with `config`. */
export function imageObservation(data: UvData, config: ImageConfig): ImagedTile {
  const { npix } = config;
  const cellRad = rad(config.cellArcsec / 3600);
  const d = dirtyImage(data, { npix, cellRad });
  const beam = fitBeam(d.psf, 2 * npix, npix, npix);
  const thermal = (visibilityNoise(data) ?? NaN) * d.noiseGain;
  const sigma = Number.isFinite(thermal) ? thermal : robustRms(d.dirty);
  const clean = maskedClean(d, npix, beam, config, sigma);
  const rms = robustRms(clean.residual, sourceFreeMask(clean.components, npix, config.maskBeams * beam.majorPx, SOURCE_SIGMAS * sigma));
  const wcs = new TanWcs({ crval: [(data.phaseCenterRa * 180) / Math.PI, (data.phaseCenterDec * 180) / Math.PI], crpix: [npix / 2 + 1, npix / 2 + 1], cd: [[-config.cellArcsec / 3600, 0], [0, config.cellArcsec / 3600]] });
  const frequencyHz = d.referenceHz, cleanFlux = [...clean.components.values()].reduce((a, b) => a + b, 0);
  const figures: ImageFigures = {
    rmsJy: rms, thermalRmsJy: thermal, beamMajorArcmin: (beam.majorPx * config.cellArcsec) / 60, beamMinorArcmin: (beam.minorPx * config.cellArcsec) / 60, beamPaDeg: beam.paDeg,
    cleanIterations: clean.iterations, cleanComponents: clean.components.size, cleanFluxJy: cleanFlux, residualPeakJy: clean.finalPeak, frequencyHz,
  };
  const header = tileHeader(wcs, data, figures);
  const image: Exposure = { width: npix, height: npix, image: restoreOnTan(clean, beam, wcs, npix, cellRad), header };
  const pb = primaryBeamImage(wcs, npix, data, d.channelWeights, config.beamShape);
  return { image, primaryBeam: { width: npix, height: npix, image: pb, header: beamHeader(wcs, data, config.beamShape, frequencyHz) }, figures };
}

/**
 * CLEAN bias: the sparse snapshot PSF has high sidelobes, and late in a CLEAN of the whole
 * image sidelobes plus noise top the threshold; the components put there subtract their own
 * sidelobes from the sources, lowering their restored peaks (the radio chain's bright sources
 * by 0.7% on average and up to 5 thermal sigmas, measured over 12 noise draws; 0.15% and 4
 * sigmas with the mask). So a first CLEAN finds the sources (components of at least
 * {@link SOURCE_SIGMAS} sigma) and a second, from the dirty images again, places components
 * only within one restoring-beam minor axis of them.
 */
function maskedClean(d: DirtyImage, npix: number, beam: Beam, config: ImageConfig, sigma: number): CleanResult {
  const spec = { gain: config.cleanGain, maxIterations: config.cleanIterations, thresholdJy: config.cleanThresholdSigma * sigma };
  const first = hogbomClean(d, npix, spec);
  return hogbomClean(d, npix, spec, sourceMask(first.components, npix, beam.minorPx, SOURCE_SIGMAS * sigma));
}

function beamHeader(wcs: TanWcs, data: UvData, shape: BeamShape, frequencyHz: number): FitsHeader {
  const h = new FitsHeader(wcs.toCards());
  setValue(h, 'BTYPE', 'Beam', 'primary-beam response');
  setValue(h, 'PBSHAPE', shape, 'primary-beam model');
  setReal(h, 'DISHDIAM', data.antennaDiameters[0] ?? NaN, 'dish diameter, m');
  setReal(h, 'FREQ', frequencyHz, 'weighted mean frequency, Hz');
  return h;
}

function tileHeader(wcs: TanWcs, data: UvData, f: ImageFigures): FitsHeader {
  const h = new FitsHeader(wcs.toCards());
  setValue(h, 'BUNIT', 'Jy/beam', 'brightness unit');
  setValue(h, 'BTYPE', 'Intensity', 'Stokes I, apparent');
  setReal(h, 'BMAJ', f.beamMajorArcmin / 60, 'restoring beam major axis FWHM, deg');
  setReal(h, 'BMIN', f.beamMinorArcmin / 60, 'restoring beam minor axis FWHM, deg');
  setReal(h, 'BPA', f.beamPaDeg, 'restoring beam position angle, deg E of N');
  setReal(h, 'RMSNOISE', f.rmsJy, '1.4826 MAD of the source-free residual, Jy/beam');
  setReal(h, 'THERMRMS', f.thermalRmsJy, 'thermal noise from XX - YY, Jy/beam');
  setValue(h, 'PBCOR', false, 'not corrected for the primary beam');
  setReal(h, 'FREQ', f.frequencyHz, 'weighted mean frequency, Hz');
  setValue(h, 'TELESCOP', data.telescopeName, '');
  setValue(h, 'OBJECT', data.objectName, '');
  setInt(h, 'NITER', f.cleanIterations, 'Hogbom CLEAN iterations');
  setReal(h, 'CLEANFLX', f.cleanFluxJy, 'total CLEAN flux, Jy');
  return h;
}

/** The residual interpolated onto the TAN grid plus each component restored at its TAN position. */
function restoreOnTan(clean: CleanResult, beam: Beam, wcs: TanWcs, npix: number, cellRad: number): Float32Array {
  const out = new Float32Array(npix * npix), c = npix / 2, deg = 180 / Math.PI;
  for (let py = 0; py < npix; py++) {
    for (let px = 0; px < npix; px++) {
      const [x, y] = wcs.pixelToIntermediate(px, py);
      const n = 1 / Math.sqrt(1 + (x / deg) ** 2 + (y / deg) ** 2);
      out[py * npix + px] = bilinearAt(clean.residual, npix, npix, c - (x / deg) * n / cellRad, c + (y / deg) * n / cellRad);
    }
  }
  const reach = Math.ceil(3 * beam.majorPx);
  for (const [at, flux] of clean.components) {
    const l = (c - (at % npix)) * cellRad, m = (Math.floor(at / npix) - c) * cellRad, n = Math.sqrt(1 - l * l - m * m);
    const [tx, ty] = wcs.intermediateToPixel((l / n) * deg, (m / n) * deg);
    for (let y = Math.max(0, Math.round(ty) - reach); y <= Math.min(npix - 1, Math.round(ty) + reach); y++) {
      for (let x = Math.max(0, Math.round(tx) - reach); x <= Math.min(npix - 1, Math.round(tx) + reach); x++) out[y * npix + x] += flux * beamAt(beam, x - tx, y - ty);
    }
  }
  return out;
}

/** The channel-weighted primary beam at each pixel of the TAN grid. */
function primaryBeamImage(wcs: TanWcs, npix: number, data: UvData, channelWeights: Float64Array, shape: BeamShape): Float32Array {
  const out = new Float32Array(npix * npix), diameter = data.antennaDiameters[0] ?? 0;
  for (let py = 0; py < npix; py++) {
    for (let px = 0; px < npix; px++) {
      const [ra, dec] = wcs.pixelToSky(px, py);
      const theta = angularDistance(rad(ra), rad(dec), data.phaseCenterRa, data.phaseCenterDec);
      out[py * npix + px] = data.freq.reduce((s, f, k) => s + channelWeights[k]! * primaryBeam(shape, theta, f, diameter), 0);
    }
  }
  return out;
}

/** The task: input `calibrated` (UVH5 bytes); outputs `image` (ExposureF) and `primaryBeam` (ImageF). */
export async function run(input: TaskRunInput): Promise<TaskRunOutput> {
  const config = readConfig(IMAGE_CONFIG, input.config, 'image');
  const tile = imageObservation(await readUvh5(input.inputs['calibrated'] as Uint8Array), config);
  const f = tile.figures;
  input.log(`imaged ${config.npix}x${config.npix} at ${config.cellArcsec}": beam ${f.beamMajorArcmin.toFixed(2)}' x ${f.beamMinorArcmin.toFixed(2)}' PA ${f.beamPaDeg.toFixed(1)}, ` +
    `${f.cleanIterations} CLEAN iterations (${f.cleanFluxJy.toFixed(3)} Jy), rms ${(1000 * f.rmsJy).toFixed(2)} mJy/beam`);
  return { outputs: { image: tile.image, primaryBeam: tile.primaryBeam }, metadata: { ...f } };
}
