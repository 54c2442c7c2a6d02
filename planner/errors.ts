/** Errors of the planner. */
import type { QuantaLeftOut } from './graph/prune-reasons.js';

/** Every code a PlanningError carries; engine/cli maps each to an exit status. */
export type PlanningErrorCode =
  // qg build: the pipeline, its inputs or its outputs do not fit the repository
  | 'BUILD_CONSTRAINT' | 'BUILD_DATASET_TYPE' | 'BUILD_INPUTS' | 'BUILD_NO_FORMATTER' | 'BUILD_OUTPUT' | 'BUILD_OUTPUT_EXISTS'
  | 'BUILD_OUTPUT_IN_THE_WAY' | 'BUILD_OUTPUT_NAME' | 'BUILD_PREREQUISITE' | 'BUILD_PREREQUISITE_AMBIGUOUS' | 'BUILD_STORAGE_CLASS'
  | 'BUILD_TASK_RUNNER' | 'PREREQUISITE_MISSING' | 'GRAPH_EMPTY' | 'HEAP_HEADROOM'
  // qg show and graph files
  | 'SHOW_GROUP_BY' | 'SHOW_QUANTUM' | 'SHOW_TASK' | 'SHOW_TOO_MANY' | 'GRAPH_FILE';

/** Root of planning errors; `code` is stable (the CLI maps codes to exit statuses). */
export class PlanningError extends Error {
  override name = 'PlanningError';
  constructor(message: string, readonly code: PlanningErrorCode) {
    super(message);
  }
}

/** The graph came out empty; `reasons` say why, most likely first (`leftOut`: as data, when every quantum was pruned or skipped). */
export class EmptyGraphError extends PlanningError {
  override name = 'EmptyGraphError';
  constructor(message: string, readonly reasons: readonly string[], readonly reproduce?: string, readonly leftOut?: QuantaLeftOut) {
    super(message, 'GRAPH_EMPTY');
  }

  /** The message, the ranked reasons, and the command to reproduce. */
  format(): string {
    return [this.message, ...this.reasons.map((r, i) => `  ${i + 1}. ${r}`), ...(this.reproduce ? ['', `reproduce: ${this.reproduce}`] : [])].join('\n');
  }
}

/**
 * A prerequisite input with fewer datasets than its connection's `minimum` for one quantum:
 * the whole build fails (LSST's FileNotFoundError from `adjustQuantum`), naming the task,
 * connection, dataset type and the quantum's data ID (its required dimensions, in order).
 */
export class PrerequisiteMissingError extends PlanningError {
  override name = 'PrerequisiteMissingError';
  constructor(
    readonly task: string,
    readonly connection: string,
    readonly datasetType: string,
    readonly found: number,
    readonly minimum: number,
    readonly dataId: Readonly<Record<string, string | number>>,
    readonly isCalibration: boolean,
  ) {
    super(`Not enough datasets (${found}) found for non-optional connection ${task}.${connection} (${datasetType}) with minimum=${minimum} ` +
      `for quantum data ID ${formatDataId(dataId)}${isCalibration ? ` (no '${datasetType}' certified in the input collections is valid at the observation time)` : ''}`, 'PREREQUISITE_MISSING');
  }
}

/** A data ID as LSST prints one: `{instrument: 'SimCam', visit: 12, detector: 3}`. */
function formatDataId(dataId: Readonly<Record<string, string | number>>): string {
  return `{${Object.entries(dataId).map(([k, v]) => `${k}: ${typeof v === 'string' ? `'${v}'` : v}`).join(', ')}}`;
}
