/**
 * Single-frame calibration of a post-ISR exposure (electrons): background subtraction,
 * source detection and measurement, then - with reference stars - matching from the
 * header's WCS (shift found by voting, then mutual nearest neighbours), a TAN WCS fit with
 * 3-sigma clipping and model selection (shift, similarity or affine by BIC), and a photometric zero point (the weighted median of reference flux / measured
 * flux over clean stars with S/N > `photometrySnrMin`; fluxes are aperture-corrected PSF
 * fluxes, see source-measurement.ts).
 *
 * The calexp is background-subtracted and calibrated: pixels in nJy (image x C, variance x
 * C^2 with C the nJy per electron), header with the fitted WCS and the calibration cards
 * PHOTCALB (C), PHOTCERR, MAGZERO (the AB magnitude of one electron: 31.4 - 2.5 log10 C),
 * BGMEAN, PSFSIGMA, APRADIUS, APCORR, WCSRMS, WCSMODEL, NSOURCES, NMATCHES. Without reference stars the
 * header WCS stays and C comes from `nominalZeroPoints[band]` if configured; otherwise the
 * calexp stays in electrons (BUNIT says which).
 */
import type { Exposure, FitsHeader } from '../../registry/index.js';
import { readConfig, type ConfigOf } from '../core/config-schema.js';
import { CALIBRATE_CONFIG } from './task-configs.js';
import { ImageError } from './errors.js';
import { derivedHeader, headerString, setInt, setReal, setValue } from './header-cards.js';
import { matchNearest, voteOffset, type PointMatch } from './matching.js';
import { loadReferenceStars, type ReferenceStars } from './reference-catalog.js';
import { measureSources, type Measurement, type SourceTable } from './source-measurement.js';
import { medianInPlace, weightedQuantile } from './statistics.js';
import { TAN_FIT_PARAMETERS, TanWcs, fitTanWcs, separationArcsec, type TanFitModel, type TanWcsFit } from './tan-wcs.js';

/** AB magnitude of 1 nJy. */
export const AB_NJY_MAGNITUDE = 31.4;

/** Calibration settings (the task config with defaults filled in by {@link readConfig}). */
export type CalibrateConfig = ConfigOf<typeof CALIBRATE_CONFIG>;

/** Every calibration field at its default. */
export const CALIBRATE_DEFAULTS: CalibrateConfig = readConfig(CALIBRATE_CONFIG, {}, 'calibrate');

/** Figures of one calibration. */
export interface CalibrateMetadata {
  readonly nSources: number;
  readonly nFootprints: number;
  readonly nRefStars: number;
  readonly nMatches: number;
  readonly nPhotometric: number;
  /** Rms of the WCS fit residuals, arcsec (NaN without a fit). */
  readonly wcsRmsArcsec: number;
  /** How far the fit moved the image center from the header WCS, arcsec. */
  readonly wcsShiftArcsec: number;
  readonly wcsFitted: boolean;
  /** The WCS model chosen (null without a fit). */
  readonly wcsModel: TanFitModel | null;
  /** AB magnitude of one electron (NaN when uncalibrated). */
  readonly zeroPoint: number;
  readonly zeroPointErr: number;
  /** nJy per electron applied to the pixels (1 when uncalibrated). */
  readonly calibration: number;
  readonly photometryFitted: boolean;
  readonly psfSigma: number;
  readonly apertureRadius: number;
  readonly apertureCorrection: number;
  /** Electrons per pixel. */
  readonly backgroundMean: number;
  readonly backgroundNoise: number;
  readonly band: string | null;
}

/** Output of {@link runCalibrate}: the calexp, its sources (pixel positions and fluxes in electrons) and figures. */
export interface CalibrateResult {
  readonly exposure: Exposure;
  readonly sources: SourceTable;
  readonly metadata: CalibrateMetadata;
}

/** Calibrates `exposure` (post-ISR, electrons) with the reference catalog shards in `refCat` (when given). */
export function runCalibrate(exposure: Exposure, refCat: readonly unknown[] | undefined, config: CalibrateConfig = CALIBRATE_DEFAULTS, log: (m: string) => void = () => {}): CalibrateResult {
  const { width, height, header } = exposure;
  const n = width * height;
  const image = exposure.image as ArrayLike<number>;
  if (image.length !== n) throw new ImageError(`exposure has ${image.length} pixels, not ${width}x${height}`, 'IMAGE_SHAPE');
  const mask = exposure.mask ? Int32Array.from(exposure.mask) : new Int32Array(n);
  const variance = exposure.variance ?? poissonVariance(image);
  const m = measureSources(image, variance, mask, width, height, {
    backgroundMeshSize: config.backgroundMeshSize, detectionThreshold: config.detectionThreshold,
    psfSigmaGuess: config.psfSigmaGuess, apertureRadiusSigma: config.apertureRadiusSigma,
  });
  log(`calibrate: ${m.sources.count} sources in ${m.footprintCount} footprints, PSF sigma ${m.psfSigma.toFixed(3)} px, background ${m.background.mean.toFixed(2)} e-`);
  const band = config.band || headerString(header, 'BAND') || null;
  const headerWcs = TanWcs.inHeader(header) ? TanWcs.fromHeader(header) : undefined;
  const solution = config.useReferenceCatalog && refCat ? solveWithReferences(m, refCat, headerWcs, band, width, height, config, log) : NO_REFERENCES;
  const photometry = appliedCalibration(solution.photometry, band, config);
  return {
    exposure: { width, height, ...calibratedPlanes(m.subtracted, variance, photometry.calibration), mask: m.mask, header: calexpHeader(header, m, solution, photometry) },
    sources: m.sources,
    metadata: calibrateMetadata(m, solution, photometry, headerWcs, width, height, band),
  };
}

/** The photometric calibration fitted to the reference catalog (1 nJy per electron and `fitted` false without one). */
interface FittedPhotometry {
  /** nJy per electron. */
  readonly calibration: number;
  readonly calibrationErr: number;
  /** Stars the zero point was taken from. */
  readonly nPhotometric: number;
  readonly fitted: boolean;
}

/** What the reference catalog gave: its matches, the WCS fit and the fitted photometry. */
interface ReferenceSolution {
  readonly nRefStars: number;
  /** Against source indices of the full table. */
  readonly matches: readonly PointMatch[];
  readonly fit: TanWcsFit | undefined;
  readonly wcsModel: TanFitModel | null;
  readonly photometry: FittedPhotometry;
}

const NO_REFERENCES: ReferenceSolution = {
  nRefStars: 0, matches: [], fit: undefined, wcsModel: null, photometry: { calibration: 1, calibrationErr: NaN, nPhotometric: 0, fitted: false },
};

/** The calibration applied to the pixels, with whether there is one and its AB magnitude of one electron (NaN without). */
interface AppliedCalibration extends FittedPhotometry {
  readonly calibrated: boolean;
  readonly zeroPoint: number;
}

/** Matches the sources to the reference stars, fits the WCS and the zero point. */
function solveWithReferences(
  m: Measurement, refCat: readonly unknown[], headerWcs: TanWcs | undefined, band: string | null, width: number, height: number, config: CalibrateConfig, log: (m: string) => void,
): ReferenceSolution {
  if (!headerWcs) throw new ImageError('calibrate needs a TAN WCS in the exposure header to match the reference catalog', 'IMAGE_WCS');
  if (!band) throw new ImageError('calibrate needs a band (header BAND or config band) to read reference fluxes', 'IMAGE_HEADER');
  const refs = loadReferenceStars(refCat, band);
  const astrometry = solveAstrometry(m.sources, refs, headerWcs, width, height, m.psfSigma, config, log);
  const photo = zeroPoint(m.sources, refs, astrometry.matches, config.photometrySnrMin);
  const fitted = photo.used >= config.minPhotometricStars && photo.used > 0;
  if (!fitted) log(`calibrate: only ${photo.used} stars for the zero point; pixels stay uncalibrated`);
  return {
    nRefStars: refs.count, matches: astrometry.matches, fit: astrometry.fit, wcsModel: astrometry.model ?? null,
    photometry: { calibration: fitted ? photo.calibration : 1, calibrationErr: fitted ? photo.error : NaN, nPhotometric: photo.used, fitted },
  };
}

/** The fitted calibration or, without one, the band's configured nominal zero point (else none). */
function appliedCalibration(photometry: FittedPhotometry, band: string | null, config: CalibrateConfig): AppliedCalibration {
  const nominal = band ? config.nominalZeroPoints[band] : undefined;
  const calibration = !photometry.fitted && nominal !== undefined ? 10 ** (0.4 * (AB_NJY_MAGNITUDE - nominal)) : photometry.calibration;
  const calibrated = photometry.fitted || calibration !== 1;
  return { ...photometry, calibration, calibrated, zeroPoint: calibrated ? AB_NJY_MAGNITUDE - 2.5 * Math.log10(calibration) : NaN };
}

/** The calexp's pixels: the background-subtracted image times `calibration`, the variance times its square. */
function calibratedPlanes(subtracted: Float32Array, variance: ArrayLike<number>, calibration: number): { image: Float32Array; variance: Float32Array } {
  const n = subtracted.length;
  const out = new Float32Array(n), outVar = new Float32Array(n);
  const c2 = calibration * calibration;
  for (let p = 0; p < n; p++) {
    out[p] = subtracted[p]! * calibration;
    outVar[p] = variance[p]! * c2;
  }
  return { image: out, variance: outVar };
}

/** The calexp's header: the input's, with the fitted WCS, the calibration cards and a history line. */
function calexpHeader(header: FitsHeader, m: Measurement, solution: ReferenceSolution, photometry: AppliedCalibration): FitsHeader {
  const { fit, wcsModel, matches } = solution;
  const { calibrated, calibration, zeroPoint: zp, fitted } = photometry;
  let h = derivedHeader(header);
  if (fit) h = fit.wcs.replaceInHeader(h);
  setValue(h, 'BUNIT', calibrated ? 'nJy' : 'electron', calibrated ? 'calibrated flux per pixel' : 'uncalibrated');
  setReal(h, 'PHOTCALB', calibration, '[nJy/e-] calibration applied to the pixels');
  setReal(h, 'PHOTCERR', photometry.calibrationErr, '[nJy/e-] error of PHOTCALB');
  setReal(h, 'MAGZERO', zp, 'AB magnitude of one electron (post-ISR)');
  setValue(h, 'PHOTFIT', fitted, 'zero point fitted to the reference catalog');
  setReal(h, 'BGMEAN', m.background.mean, '[e-] mean background subtracted');
  setReal(h, 'PSFSIGMA', m.psfSigma, '[pixel] Gaussian sigma of the PSF');
  setReal(h, 'APRADIUS', m.apertureRadius, '[pixel] photometry aperture radius');
  setReal(h, 'APCORR', m.apertureCorrection, 'aperture / Gaussian PSF flux');
  setValue(h, 'WCSFIT', fit !== undefined, 'WCS fitted to the reference catalog');
  if (fit) setReal(h, 'WCSRMS', fit.rmsArcsec, '[arcsec] rms of the WCS fit');
  if (wcsModel) setValue(h, 'WCSMODEL', wcsModel, 'WCS fit model (shift, similarity, affine)');
  setInt(h, 'NSOURCES', m.sources.count, 'detected sources');
  setInt(h, 'NMATCHES', matches.length, 'sources matched to the reference catalog');
  h.addHistory(`calibrate: ${m.sources.count} sources, ${matches.length} matches${fit ? `, WCS rms ${fit.rmsArcsec.toFixed(4)} arcsec` : ''}${fitted ? `, zero point ${zp.toFixed(4)}` : ''}`);
  return h;
}

/** The figures of the calibration; the WCS shift is that of the image center, from the header WCS to the fitted one. */
function calibrateMetadata(
  m: Measurement, solution: ReferenceSolution, photometry: AppliedCalibration, headerWcs: TanWcs | undefined, width: number, height: number, band: string | null,
): CalibrateMetadata {
  const { fit, wcsModel } = solution;
  const { calibration, calibrationErr, fitted } = photometry;
  let wcsShiftArcsec = NaN;
  if (fit && headerWcs) {
    const [a1, d1] = headerWcs.pixelToSky((width - 1) / 2, (height - 1) / 2), [a2, d2] = fit.wcs.pixelToSky((width - 1) / 2, (height - 1) / 2);
    wcsShiftArcsec = separationArcsec(a1, d1, a2, d2);
  }
  return {
    nSources: m.sources.count, nFootprints: m.footprintCount, nRefStars: solution.nRefStars, nMatches: solution.matches.length, nPhotometric: photometry.nPhotometric,
    wcsRmsArcsec: fit?.rmsArcsec ?? NaN, wcsShiftArcsec, wcsFitted: fit !== undefined, wcsModel,
    zeroPoint: photometry.zeroPoint, zeroPointErr: fitted ? (2.5 / Math.LN10) * (calibrationErr / calibration) : NaN,
    calibration, photometryFitted: fitted, psfSigma: m.psfSigma, apertureRadius: m.apertureRadius, apertureCorrection: m.apertureCorrection,
    backgroundMean: m.background.mean, backgroundNoise: m.background.noise, band,
  };
}

/** Variance of an image without a variance plane: its values (Poisson, electrons) or, where not positive, the median. */
function poissonVariance(image: ArrayLike<number>): Float32Array {
  const finite = Float64Array.from(image).filter(Number.isFinite);
  const med = Math.max(medianInPlace(finite), 1);
  return Float32Array.from(image as ArrayLike<number>, (v) => (v > 0 ? v : med));
}

/** Matching and the WCS fit: vote for the header WCS's shift, match, fit, clip, re-match (3 rounds). */
function solveAstrometry(src: SourceTable, refs: ReferenceStars, initial: TanWcs, width: number, height: number, psfSigma: number, config: CalibrateConfig, log: (m: string) => void): { matches: PointMatch[]; fit?: TanWcsFit; model?: TanFitModel } {
  const scale = initial.pixelScaleArcsec;
  const search = config.matchSearchRadiusArcsec / scale, radius = config.matchRadiusArcsec / scale;
  // Sources usable for astrometry: isolated, converged centroids; the brightest 300.
  const order = Array.from({ length: src.count }, (_, i) => i)
    .filter((i) => src.isolated[i] && src.flux[i]! > 0 && src.significance[i]! >= config.detectionThreshold)
    .sort((a, b) => src.flux[b]! - src.flux[a]!).slice(0, 300);
  const sx = Float64Array.from(order, (i) => src.x[i]!), sy = Float64Array.from(order, (i) => src.y[i]!);
  const project = (wcs: TanWcs) => {
    const rx = new Float64Array(refs.count), ry = new Float64Array(refs.count);
    for (let j = 0; j < refs.count; j++) [rx[j], ry[j]] = wcs.skyToPixel(refs.ra[j]!, refs.dec[j]!);
    return { x: rx, y: ry };
  };
  let pos = project(initial);
  // References on (or near) the image, for the vote.
  const near = Array.from({ length: refs.count }, (_, j) => j).filter((j) => pos.x[j]! > -search && pos.y[j]! > -search && pos.x[j]! < width + search && pos.y[j]! < height + search);
  const vote = voteOffset({ x: sx, y: sy }, { x: near.map((j) => pos.x[j]!), y: near.map((j) => pos.y[j]!) }, search, Math.max(1, radius));
  log(`calibrate: header WCS offset (${vote.dx.toFixed(2)}, ${vote.dy.toFixed(2)}) px from ${vote.votes} votes among ${order.length} sources and ${near.length} reference stars`);
  let matches = matchNearest({ x: sx, y: sy }, pos, radius, vote.dx, vote.dy);
  let fit: TanWcsFit | undefined;
  let model: TanFitModel | undefined;
  let wcs = initial;
  for (let round = 0; round < 3; round++) {
    if (matches.length < config.minMatches) break;
    // Weights: inverse centroid variance. A Gaussian PSF's centroid has an error of
    // sqrt(2) sigma / (S/N) per axis (S/N of the PSF flux); 0.005 px is added as a floor.
    // Matches with S/N of at least astrometrySnrMin - or, when fewer than three do, the three
    // with the highest S/N.
    const bySnr = matches.map((mt) => {
      const i = order[mt.source]!;
      return { mt, i, snr: src.flux[i]! / Math.max(src.fluxErr[i]!, 1e-12) };
    }).filter((m) => m.snr > 0).sort((a, b) => b.snr - a.snr);
    const pairs = bySnr.filter((m, k) => m.snr >= config.astrometrySnrMin || k < 3).map(({ mt, i, snr }) => {
      const s = Math.hypot((Math.SQRT2 * psfSigma) / snr, 0.005);
      return { x: src.x[i]!, y: src.y[i]!, ra: refs.ra[mt.ref]!, dec: refs.dec[mt.ref]!, weight: 1 / (s * s) };
    });
    if (pairs.length < config.minMatches) break;
    // Candidate models: the richest allowed fits first, to clip outliers against.
    const candidates: TanFitModel[] = config.wcsFitModel !== 'auto' ? [config.wcsFitModel]
      : pairs.length >= config.affineMinMatches ? ['shift', 'similarity', 'affine'] : pairs.length >= config.similarityMinMatches ? ['shift', 'similarity'] : ['shift'];
    // Similarity and shift fits turn / keep the header's CD matrix: start them from it.
    const start = (model: TanFitModel) => (model === 'affine' ? wcs : new TanWcs({ crval: wcs.crval, crpix: initial.crpix, cd: initial.cd }));
    const richest = candidates[candidates.length - 1]!;
    let f = fitTanWcs(pairs, start(richest), richest);
    // Clip pairs whose residual exceeds 3 times its expected error, scaled up when the errors
    // were underestimated: (r / sigma)^2 of a 2-D offset is chi-square with 2 degrees of
    // freedom, whose median is 1.386.
    const sigmaOf = (p: { weight: number }) => scale / Math.sqrt(p.weight);
    const chi2 = medianInPlace(Float64Array.from(f.residualsArcsec, (r, k) => (r / sigmaOf(pairs[k]!)) ** 2)) / 1.386;
    const inflate = Math.max(1, Math.sqrt(chi2));
    const kept = pairs.filter((p, k) => f.residualsArcsec[k]! <= 3 * inflate * sigmaOf(p));
    const used = kept.length >= Math.max(config.minMatches, TAN_FIT_PARAMETERS[richest] / 2) ? kept : pairs;
    // The simplest model the data support: least BIC = chi^2 / s^2 + k ln(2n), with s^2 the
    // richest model's reduced chi-square (when above 1).
    const fits = candidates.map((m) => fitTanWcs(used, start(m), m));
    const chi2Of = (g: TanWcsFit) => g.residualsArcsec.reduce((acc, r, k) => acc + (r / sigmaOf(used[k]!)) ** 2, 0);
    const dof = Math.max(1, 2 * used.length - TAN_FIT_PARAMETERS[richest]);
    const s2 = Math.max(1, chi2Of(fits[fits.length - 1]!) / dof);
    let best = 0, bestBic = Infinity;
    fits.forEach((g, k) => {
      const bic = chi2Of(g) / s2 + TAN_FIT_PARAMETERS[candidates[k]!] * Math.log(2 * used.length);
      if (bic < bestBic) {
        bestBic = bic;
        best = k;
      }
    });
    f = fits[best]!;
    model = candidates[best]!;
    fit = { ...f, rmsArcsec: rms(f.residualsArcsec) };
    wcs = f.wcs;
    pos = project(wcs);
    matches = matchNearest({ x: sx, y: sy }, pos, radius);
  }
  if (!fit) log(`calibrate: ${matches.length} matches (< ${config.minMatches}); keeping the header WCS`);
  // Report matches against source indices of the full table.
  return { matches: matches.map((mt) => ({ ...mt, source: order[mt.source]! })), ...(fit && model ? { fit, model } : {}) };
}

function rms(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v * v;
  return Math.sqrt(s / Math.max(values.length, 1));
}

/**
 * Zero point from matched clean stars (S/N >= snrMin, or the best three when none is that
 * bright): C = refFlux / flux, the weighted 60th percentile with weights min(S/N, 100)^2.
 * A quantile, because unresolved neighbours add flux to some stars and never take it away
 * (they only lower C), so the estimate leans a little above the median; weighted, so that
 * the brighter stars, whose fluxes neighbours disturb the least, count more - but capped, so
 * that no single star decides. Its relative error is taken as 1.2533 (a median's
 * efficiency) over the square root of the summed weights.
 */
function zeroPoint(src: SourceTable, refs: ReferenceStars, matches: readonly PointMatch[], snrMin: number): { calibration: number; error: number; used: number } {
  const ratios: number[] = [], weights: number[] = [];
  // Clean matched stars with S/N of at least snrMin - or, when there are none, the three
  // clean ones with the highest S/N.
  const candidates = matches.filter((mt) => src.clean[mt.source] && src.flux[mt.source]! > 0 && src.fluxErr[mt.source]! > 0 && refs.flux[mt.ref]! > 0)
    .sort((a, b) => src.flux[b.source]! / src.fluxErr[b.source]! - src.flux[a.source]! / src.fluxErr[a.source]!);
  const enough = candidates.some((mt) => src.flux[mt.source]! / src.fluxErr[mt.source]! >= snrMin);
  for (const [k, mt] of candidates.entries()) {
    const i = mt.source;
    const f = src.flux[i]!, e = src.fluxErr[i]!, r = refs.flux[mt.ref]!;
    if (enough ? f / e < snrMin : k >= 3) continue;
    ratios.push(r / f);
    weights.push(Math.min(f / e, 100) ** 2);
  }
  if (ratios.length === 0) return { calibration: NaN, error: NaN, used: 0 };
  const sw = weights.reduce((a, b) => a + b, 0);
  const calibration = weightedQuantile(ratios, weights, 0.6);
  return { calibration, error: (1.2533 * calibration) / Math.sqrt(sw), used: ratios.length };
}
