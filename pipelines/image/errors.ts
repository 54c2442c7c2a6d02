/** Errors of the image-processing code (ISR, calibration, warping, coaddition). */
import { PipelineError, type ImageErrorCode } from '../core/pipeline-errors.js';

/**
 * Root of the image-processing errors. Codes: `IMAGE_WCS` (no usable or a singular WCS),
 * `IMAGE_HEADER` (a keyword missing or malformed), `IMAGE_SHAPE` (planes or calibrations of
 * the wrong size), `IMAGE_INPUT` (an input of the wrong kind), `IMAGE_FIT` (too few points
 * for a fit), `IMAGE_SKYMAP` (a tract or patch the sky map lacks).
 */
export class ImageError extends PipelineError {
  override name = 'ImageError';
  constructor(message: string, override readonly code: ImageErrorCode) {
    super(message, code);
  }
}
