/** Errors about pipelines: YAML problems (with file, line and key) and graph problems. */

/** Codes of the image-processing errors (pipelines/image/errors.ts). */
export type ImageErrorCode = 'IMAGE_FIT' | 'IMAGE_HEADER' | 'IMAGE_INPUT' | 'IMAGE_SHAPE' | 'IMAGE_SKYMAP' | 'IMAGE_WCS';

/** Codes of the radio errors (pipelines/radio/errors.ts), with the mosaic validators' MOSAIC_*. */
export type RadioErrorCode =
  | 'GAIN_TABLE' | 'RADIO_INPUT' | 'SUBBAND_MISMATCH' | 'SUBBAND_MISSING' | 'UVH5_FORMAT'
  | 'MOSAIC_ASTROMETRY' | 'MOSAIC_BEAM' | 'MOSAIC_COVERAGE' | 'MOSAIC_GRID' | 'MOSAIC_MISSING' | 'MOSAIC_NOISE' | 'MOSAIC_PBCOR';

/** Every code a PipelineError carries; engine/cli maps each to an exit status. */
export type PipelineErrorCode =
  | ImageErrorCode | RadioErrorCode
  // a pipeline's YAML, tasks and connections
  | 'PIPELINE_CLASS' | 'PIPELINE_CONFIG' | 'PIPELINE_CONNECTION' | 'PIPELINE_CYCLE' | 'PIPELINE_DIMENSIONS' | 'PIPELINE_EMPTY'
  | 'PIPELINE_FILE' | 'PIPELINE_IMPORT' | 'PIPELINE_INIT' | 'PIPELINE_INSTRUMENT' | 'PIPELINE_PARAMETER'
  | 'PIPELINE_PREREQUISITE_PRODUCED' | 'PIPELINE_SELECTION' | 'PIPELINE_STORAGE_CLASS' | 'PIPELINE_TWO_PRODUCERS'
  | 'PIPELINE_UNSUPPORTED' | 'PIPELINE_YAML' | 'TASK_MODULE'
  // qg pipeline check: the pipeline does not fit a repository
  | 'PIPELINE_CHECK';

/** Root of pipeline errors; `code` is stable. */
export class PipelineError extends Error {
  override name = 'PipelineError';
  constructor(message: string, readonly code: PipelineErrorCode) {
    super(message);
  }
}
