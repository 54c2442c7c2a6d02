/**
 * Repository maintenance (LSST butler's administrative commands): removing runs, pruning
 * datasets, editing chains, certifying calibrations, taking files out of the repository, and
 * checking it. Registrations always go before files, and a file goes only when it is a
 * dataset file of its own run that nothing names any more (dataset-files.ts).
 */
export { chunked, deleteUnnamedFiles, fileRecordsOf, isRunDatasetFile, MaintenanceError, MAINTENANCE_CHUNK, pathsStillNamed, runDatasets, runFilePaths, type FileDeletion, type OrphanedFile, type RunDataset } from './dataset-files.js';
export { planRunRemoval, removeRuns, type RunRemovalOptions, type RunRemovalPlan, type RunRemovalResult, type RunToRemove } from './run-removal.js';
export { findDatasets, planPrune, pruneDatasets, type DatasetSearch, type PruneAction, type PrunePlan, type PruneResult } from './dataset-pruning.js';
export { CHAIN_EDIT_MODES, editCollectionChain, type ChainEditMode, type ChainEditOptions, type ChainEditResult } from './collection-chain-edit.js';
export { certifyCalibrations, type CertifySpec } from './calibration-certification.js';
export { EXPORT_FILE, exportWithFiles, retrieveArtifacts, type ArtifactTransfer, type ExportWithFilesResult, type RetrieveOptions, type RetrieveResult } from './artifact-transfer.js';
export { checkRepository, type RepoCheckReport } from './repo-check.js';
