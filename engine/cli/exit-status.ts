/**
 * Exit statuses of `qg`: 0 ok, 1 failure while working, 2 bad input (usage, an expression, an
 * unknown name), 130 interrupted. Which error code means which is one table, keyed by every
 * code our errors carry, so the compiler asks for a new code's status.
 */
import type { EngineErrorCode } from '../index.js';
import type { PipelineErrorCode } from '../../pipelines/index.js';
import type { PlanningErrorCode } from '../../planner/index.js';
import type { RegistryErrorCode } from '../../registry/index.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** 128 + SIGINT. */
export const EXIT_INTERRUPTED = 130;

/** Code of a command line yargs refuses (unknown option or command, missing value). */
export type CliErrorCode = 'USAGE';

/** Every code of the errors qg raises. */
export type ErrorCode = RegistryErrorCode | PlanningErrorCode | EngineErrorCode | PipelineErrorCode | CliErrorCode;

const usage = EXIT_USAGE;
const failure = EXIT_FAILURE;

/** Usage means "the user asked for something wrong", failure "it broke". */
export const EXIT_STATUS: Readonly<Record<ErrorCode, typeof EXIT_USAGE | typeof EXIT_FAILURE>> = {
  // the command line (yargs)
  USAGE: usage,
  // registry: bad input
  BAD_DB_URL: usage, CALIB_NEEDS_TIME: usage, CALIB_NONE: usage, CALIB_OVERLAP: usage, CALIB_RANGE: usage,
  CALIB_TYPE: usage, COLLECTION: usage, COLLECTION_CONFLICT: usage, COLLECTION_CYCLE: usage,
  COLLECTION_MISSING: usage, COLLECTION_NOT_IN_CHAIN: usage, COLLECTION_TYPE: usage, DATASET_CONFLICT: usage,
  DATASET_TYPE: usage, DATASET_TYPE_CONFLICT: usage, DATASET_TYPE_MISSING: usage, DATA_ID: usage,
  DATA_ID_RECORD: usage, DIMENSION_RECORD: usage, EXPORT_FORMAT: usage, FORMATTER: usage, INGEST_INSTRUMENT: usage,
  INGEST_OPTIONS: usage, INGEST_OUTSIDE_ROOT: usage, PATH: usage, QUERY_COLLECTIONS: usage, QUERY_EMPTY: usage,
  QUERY_LIMIT: usage, QUERY_ORDER: usage, QUERY_SKYPIX: usage, REPO_CONFIG: usage, REPO_EXISTS: usage,
  REPO_MISSING: usage, SIMULATE_OPTIONS: usage, TIME_FORMAT: usage, TRANSLATION: usage, TRANSLATION_CONFIG: usage,
  TRANSLATION_CONFIG_MISSING: usage, UNIVERSE: usage, USAGE_COLLECTIONS: usage, USAGE_CONFIRM: usage,
  USAGE_EXPORT: usage, USAGE_FIND_ALL: usage, USAGE_MODE: usage, USAGE_POSITION: usage, USAGE_PRUNE: usage,
  WHERE_BIND: usage, WHERE_OVERFLOW: usage, WHERE_RANGE: usage, WHERE_SYNTAX: usage, WHERE_TOO_LARGE: usage,
  WHERE_ABSENT_VALUE: usage, WHERE_TYPE: usage, WHERE_UNKNOWN_NAME: usage, WHERE_UNPRINTABLE: usage, WHERE_UNSUPPORTED: usage, YAML_FILE: usage,
  YAML_LIMIT: usage,
  // registry: broke while working
  DATABASE: failure, DATASET: failure, DATASET_MISSING: failure, FILE_CHECKSUM: failure, FILE_CORRUPT: failure,
  FILE_MISSING: failure, FILE_SIZE: failure, FITS_BAD_CARD: failure, FITS_BAD_HEADER: failure,
  FITS_BAD_INPUT: failure, FITS_BAD_SIZE: failure, FITS_BITPIX: failure, FITS_NO_END: failure, FITS_NO_HDU: failure,
  FITS_NO_SIMPLE: failure, FITS_TRUNCATED: failure, FITS_TYPE: failure, HEAP_HEADROOM: failure, INTERNAL: failure,
  REGISTRY_EXISTS: failure, REGISTRY_MISSING: failure, SCHEMA_VERSION: failure, SIMULATE_EXISTS: failure,
  SIMULATE_WCS: failure, SPATIAL_ARGUMENT: failure, SPATIAL_DECODE: failure, SPATIAL_INVALID_REGION: failure,
  TRANSFER: failure, TRANSFER_EXDEV: failure, TRANSFER_MODE: failure, TRANSFER_OUTSIDE_ROOT: failure,
  // planner: bad input
  BUILD_CONSTRAINT: usage, BUILD_DATASET_TYPE: usage, BUILD_INPUTS: usage, BUILD_NO_FORMATTER: usage,
  BUILD_OUTPUT: usage, BUILD_OUTPUT_EXISTS: usage, BUILD_OUTPUT_IN_THE_WAY: usage, BUILD_OUTPUT_NAME: usage,
  BUILD_PREREQUISITE: usage, BUILD_PREREQUISITE_AMBIGUOUS: usage, BUILD_STORAGE_CLASS: usage,
  BUILD_TASK_RUNNER: usage, GRAPH_FILE: usage, SHOW_GROUP_BY: usage, SHOW_QUANTUM: usage, SHOW_TASK: usage,
  SHOW_TOO_MANY: usage,
  // planner: broke while working
  GRAPH_EMPTY: failure, PREREQUISITE_MISSING: failure,
  // engine: bad input
  QUANTUM_LIST: usage, REPORT_NO_EVENTS: usage, REPORT_RUN: usage, SUBMIT_EXISTS: usage, SUBMIT_NONE: usage,
  SUBMIT_OPTIONS: usage, SUBMIT_SQLITE: usage,
  // engine: broke while working
  COMMAND_FAILED: failure, ENGINE_BUG: failure, GRAPH_FOREIGN: failure, INPUT_CORRUPT: failure,
  INPUT_MISSING: failure, OUTPUT_INVALID: failure, OUTPUT_MISSING: failure, POOL_BUSY: failure, POOL_CLOSED: failure,
  PRUNE_REPLACED: failure, RUN_CONFIG_CHANGED: failure, RUN_LOCKED: failure, RUN_OPTIONS: failure,
  RUN_OUTPUTS_CONFLICT: failure, SLURM: failure, SLURM_MISSING: failure, SUBMIT_ACTIVE: failure, TASK_MODULE: failure,
  TASK_NOT_RUNNABLE: failure, TASK_UNKNOWN: failure, WORKER_START: failure,
  // pipelines: bad input
  PIPELINE_CHECK: usage, PIPELINE_CLASS: usage, PIPELINE_CONFIG: usage, PIPELINE_CONNECTION: usage,
  PIPELINE_CYCLE: usage, PIPELINE_DIMENSIONS: usage, PIPELINE_EMPTY: usage, PIPELINE_FILE: usage,
  PIPELINE_IMPORT: usage, PIPELINE_INIT: usage, PIPELINE_INSTRUMENT: usage, PIPELINE_PARAMETER: usage,
  PIPELINE_PREREQUISITE_PRODUCED: usage, PIPELINE_SELECTION: usage, PIPELINE_STORAGE_CLASS: usage,
  PIPELINE_TWO_PRODUCERS: usage, PIPELINE_UNSUPPORTED: usage, PIPELINE_YAML: usage,
  // pipelines: broke while working
  GAIN_TABLE: failure, IMAGE_FIT: failure, IMAGE_HEADER: failure, IMAGE_INPUT: failure, IMAGE_SHAPE: failure,
  IMAGE_SKYMAP: failure, IMAGE_WCS: failure, MOSAIC_ASTROMETRY: failure, MOSAIC_BEAM: failure,
  MOSAIC_COVERAGE: failure, MOSAIC_GRID: failure, MOSAIC_MISSING: failure, MOSAIC_NOISE: failure,
  MOSAIC_PBCOR: failure, RADIO_INPUT: failure, SUBBAND_MISMATCH: failure, SUBBAND_MISSING: failure,
  UVH5_FORMAT: failure,
};

/** The exit status for a thrown value: its code's, or failure for errors without one of ours. */
export function exitStatusOf(error: unknown): typeof EXIT_USAGE | typeof EXIT_FAILURE {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && Object.hasOwn(EXIT_STATUS, code) ? EXIT_STATUS[code as ErrorCode] : EXIT_FAILURE;
}
