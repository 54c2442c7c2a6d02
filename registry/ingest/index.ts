/**
 * Raw ingest: FITS files on disk -> `raw` datasets with their dimension records, through
 * per-instrument translation configs (YAML; two ship in `instruments/`) and a persistent
 * header cache.
 */
export { HEADER_CACHE_FILE, HeaderCache } from './header-cache.js';
export type { HeaderCacheStats } from './header-cache.js';
export { HeaderTranslator, parseAngle, TranslationError } from './header-translation.js';
export type { RawTranslation } from './header-translation.js';
export { collectRawFiles, ingestRaws, IngestError, RAW_DATASET_TYPE, RAW_DIMENSIONS, RAW_STORAGE_CLASS } from './raw-ingest.js';
export type { IngestedRaw, IngestFailure, IngestFailureCode, IngestOptions, IngestProgress, IngestResult } from './raw-ingest.js';
export { hashFile, pathInsideRoot, placeFile, TRANSFER_MODES, TransferError, unplaceFile } from './raw-transfer.js';
export type { PlacedFile, TransferMode } from './raw-transfer.js';
export {
  defaultObsId,
  loadTranslationConfig,
  parseTranslationConfig,
  SHIPPED_TRANSLATIONS_DIR,
  shippedTranslation,
  shippedTranslations,
  TranslationConfigError,
  validateTranslationConfig,
} from './translation-config.js';
export type {
  AngleRuleConfig,
  ConfigScalar,
  DetectorConfig,
  ExposureIdConfig,
  ObservationStartConfig,
  TranslationConfig,
  TranslationConfigIssue,
  ValueRuleConfig,
  VisitsConfig,
} from './translation-config.js';
