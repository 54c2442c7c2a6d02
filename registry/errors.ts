/**
 * Root of every error the registry raises, and the codes they carry. `code` is stable (tests
 * and the CLI's exit statuses depend on it); the message is for people. Each subclass that
 * takes a code names its own union below, so a new code is added here (and engine/cli's exit
 * table, which the compiler then asks for it).
 */
import type { FitsErrorCode } from './datastore/fits/fits-error.js';

/** Codes of CollectionError. */
export type CollectionErrorCode = 'COLLECTION' | 'COLLECTION_CONFLICT' | 'COLLECTION_CYCLE' | 'COLLECTION_MISSING' | 'COLLECTION_TYPE';

/** Codes of DatasetError. */
export type DatasetErrorCode =
  | 'DATASET' | 'DATASET_CONFLICT' | 'DATASET_MISSING' | 'COLLECTION_TYPE'
  | 'CALIB_NEEDS_TIME' | 'CALIB_OVERLAP' | 'CALIB_RANGE' | 'CALIB_TYPE';

/** Codes of DatasetTypeError. */
export type DatasetTypeErrorCode = 'DATASET_TYPE' | 'DATASET_TYPE_CONFLICT' | 'DATASET_TYPE_MISSING';

/** Codes of DatastoreError: a dataset's file is missing, of the wrong size or checksum, or unreadable. */
export type DatastoreErrorCode = 'FILE_CHECKSUM' | 'FILE_CORRUPT' | 'FILE_MISSING' | 'FILE_SIZE';

/** Codes of IngestError. */
export type IngestErrorCode = 'INGEST_INSTRUMENT' | 'INGEST_OPTIONS' | 'INGEST_OUTSIDE_ROOT';

/** Codes of TransferError. */
export type TransferErrorCode = 'TRANSFER' | 'TRANSFER_EXDEV' | 'TRANSFER_MODE' | 'TRANSFER_OUTSIDE_ROOT';

/** Codes of MaintenanceError (USAGE_*: options that do not fit together). */
export type MaintenanceErrorCode =
  | 'CALIB_NONE' | 'CALIB_RANGE' | 'CALIB_TYPE' | 'COLLECTION_NOT_IN_CHAIN' | 'COLLECTION_TYPE'
  | 'FILE_CHECKSUM' | 'FILE_MISSING' | 'FILE_SIZE'
  | 'USAGE_COLLECTIONS' | 'USAGE_CONFIRM' | 'USAGE_EXPORT' | 'USAGE_FIND_ALL' | 'USAGE_MODE' | 'USAGE_POSITION' | 'USAGE_PRUNE';

/** Codes of SpatialError. */
export type SpatialErrorCode = 'SPATIAL_ARGUMENT' | 'SPATIAL_DECODE' | 'SPATIAL_INVALID_REGION';

/** Codes of WhereError: an expression that parses but cannot be evaluated. */
export type WhereErrorCode =
  | 'WHERE_ABSENT_VALUE' | 'WHERE_BIND' | 'WHERE_OVERFLOW' | 'WHERE_RANGE' | 'WHERE_TOO_LARGE' | 'WHERE_TYPE' | 'WHERE_UNKNOWN_NAME' | 'WHERE_UNSUPPORTED';

/** Codes of the simulator's SimulationError (pipelines/simulate): a RegistryError, so the CLI maps it like these. */
export type SimulationErrorCode = 'SIMULATE_EXISTS' | 'SIMULATE_OPTIONS' | 'SIMULATE_WCS';

/** Every code a RegistryError carries. */
export type RegistryErrorCode =
  | CollectionErrorCode | DatasetErrorCode | DatasetTypeErrorCode | DatastoreErrorCode | FitsErrorCode | IngestErrorCode
  | TransferErrorCode | MaintenanceErrorCode | SpatialErrorCode | WhereErrorCode | SimulationErrorCode
  // repository, registry and database
  | 'BAD_DB_URL' | 'DATABASE' | 'REPO_CONFIG' | 'REPO_EXISTS' | 'REPO_MISSING' | 'REGISTRY_EXISTS' | 'REGISTRY_MISSING' | 'SCHEMA_VERSION'
  | 'UNIVERSE' | 'HEAP_HEADROOM' | 'INTERNAL'
  // names, data IDs, records and times
  | 'DATA_ID' | 'DATA_ID_RECORD' | 'DIMENSION_RECORD' | 'TIME_FORMAT'
  // queries and where expressions
  | 'QUERY_COLLECTIONS' | 'QUERY_EMPTY' | 'QUERY_LIMIT' | 'QUERY_ORDER' | 'QUERY_SKYPIX' | 'WHERE_SYNTAX' | 'WHERE_UNPRINTABLE'
  // files: formatters, templates, exports, YAML, ingest's header translation
  | 'FORMATTER' | 'PATH' | 'EXPORT_FORMAT' | 'YAML_FILE' | 'YAML_LIMIT'
  | 'TRANSLATION' | 'TRANSLATION_CONFIG' | 'TRANSLATION_CONFIG_MISSING';

export class RegistryError extends Error {
  override name = 'RegistryError';
  constructor(message: string, readonly code: RegistryErrorCode) {
    super(message);
  }
}
