/** Errors of the radio chain (UVH5 files, subband merging, calibration, imaging, mosaicking). */
import { PipelineError, type RadioErrorCode } from '../core/pipeline-errors.js';

/**
 * Root of the radio errors. Codes: `UVH5_FORMAT` (a file that is not the UVH5 qg reads),
 * `SUBBAND_MISSING`, `SUBBAND_MISMATCH` (axes that do not agree, channels not contiguous),
 * `GAIN_TABLE` (a gain table that does not fit the data), `RADIO_INPUT` (an input of the wrong
 * kind), and the mosaic validators' `MOSAIC_*` codes.
 */
export class RadioError extends PipelineError {
  override name = 'RadioError';
  constructor(message: string, override readonly code: RadioErrorCode) {
    super(message, code);
  }
}
