/**
 * Public surface of pipelines/image/: the image processing behind the optical tasks - a TAN
 * WCS with its fit, ISR, calibration (background, detection, centroids, photometry,
 * astrometric and photometric fits), resampling onto sky-map patches and coaddition. Pure
 * functions of in-memory images (`Exposure`); no I/O.
 */
export { ImageError } from './errors.js';
export { TAN_FIT_PARAMETERS, TanWcs, fitTanWcs, separationArcsec, type CdMatrix, type TanFitModel, type TanWcsFit, type TanWcsParameters, type WcsMatch } from './tan-wcs.js';
export { parseFitsSection, formatFitsSection, type PixelBox } from './fits-section.js';
export { MASK_BITS, MASK_KEYWORDS, COUNT_SHIFT, MAX_COUNT, PLANE_BITS, maskBit, maskBits, maskPlaneCards, type MaskPlane } from './mask-planes.js';
export { MAD_TO_SIGMA, clippedStats, median, medianInPlace, selectInPlace, weightedMedian, weightedQuantile, type ClippedStats } from './statistics.js';
export { solveLinearSystem, fitPolynomial, evaluatePolynomial } from './linear-algebra.js';
export { estimateOverscan, type OverscanEstimate, type OverscanOptions } from './overscan.js';
export { ISR_DEFAULTS, runIsr, shiftPixelOrigin, type IsrCalibrations, type IsrConfig, type IsrMetadata, type IsrResult } from './isr.js';
export { estimateBackground, backgroundImage, type BackgroundModel, type BackgroundOptions } from './background.js';
export { detectSources, gaussianKernel, convolveSeparable, type DetectedPeak, type Detection, type DetectionOptions } from './detection.js';
export { gaussianCentroid, adaptiveMoments, type Centroid, type Moments } from './centroid.js';
export { apertureFlux, erf, gaussianPixelFractions, pixelFraction, psfFlux, type ApertureFlux, type PsfFlux } from './photometry.js';
export { fitPsfSigma, type PsfStar } from './psf-width.js';
export { loadReferenceStars, isColumnTable, type ColumnTable, type ReferenceStars } from './reference-catalog.js';
export { voteOffset, matchNearest, type OffsetVote, type PointMatch, type Points } from './matching.js';
export { measureSources, type Measurement, type MeasurementOptions, type SourceTable } from './source-measurement.js';
export {
  AB_NJY_MAGNITUDE, CALIBRATE_DEFAULTS, runCalibrate,
  type CalibrateConfig, type CalibrateMetadata, type CalibrateResult,
} from './calibrate.js';
export { patchGrid, type PatchGrid } from './sky-map.js';
export { lanczos, resampleInto, type ResampleKernel, type ResampleSource, type ResampleTarget } from './resample.js';
export { MAKE_WARP_DEFAULTS, runMakeWarp, type MakeWarpConfig, type MakeWarpMetadata, type MakeWarpResult, type WarpIdentity } from './make-warp.js';
export {
  ASSEMBLE_COADD_DEFAULTS, runAssembleCoadd,
  type AssembleCoaddConfig, type AssembleCoaddMetadata, type AssembleCoaddResult, type CoaddIdentity,
} from './assemble-coadd.js';
export { compareToTruth, type TruthComparison, type TruthComparisonOptions, type TruthStar } from './truth-comparison.js';
export { ASSEMBLE_COADD_CONFIG, CALIBRATE_CONFIG, ISR_CONFIG, MAKE_WARP_CONFIG } from './task-configs.js';
