/**
 * The connection model: what a task reads and writes. A connection names a dataset type with
 * its dimensions and storage class; `multiple` gathers many datasets into one quantum;
 * `minimum` is how many must be present; `deferConstraint` keeps an input out of the big
 * data-ID query; prerequisites are looked up per quantum (calibrations by time, sharded
 * reference catalogs by region) and never produced by the pipeline.
 */
import type { ConfigSchema } from './config-schema.js';

/** Kinds of connection, in the order quanta list them. */
export type ConnectionKind = 'input' | 'prerequisite' | 'output' | 'initInput' | 'initOutput';

/** One declared connection. */
export interface Connection {
  /** Name within the task (e.g. `exposure`, `calexps`). */
  readonly name: string;
  readonly kind: ConnectionKind;
  readonly datasetType: string;
  readonly dimensions: readonly string[];
  readonly storageClass: string;
  /** Gather every matching dataset into one quantum. */
  readonly multiple?: boolean;
  /** Fewest datasets a quantum needs on this connection (default 1; 0 makes it optional). */
  readonly minimum?: number;
  /** Do not let this input constrain the data-ID query (LSST's `deferGraphConstraint`). */
  readonly deferConstraint?: boolean;
  /** Calibration dataset type (prerequisites found by validity time). */
  readonly isCalibration?: boolean;
  /** LSST's `deferLoad`: accepted from pipelines and kept, with no effect on planning. */
  readonly deferLoad?: boolean;
}

/** Task configuration: plain JSON values. */
export type TaskConfig = Readonly<Record<string, unknown>>;

/** A data ID as tasks see it. */
export type TaskDataId = Readonly<Record<string, string | number>>;

/**
 * What a task's `run` receives. Inputs are keyed by connection name: one object, or an
 * array (in data-ID order) for `multiple` connections; `inputDataIds` has the same shape.
 * Tasks do no I/O: the engine reads inputs and writes outputs through the datastore.
 */
export interface TaskRunInput {
  readonly dataId: TaskDataId;
  readonly config: TaskConfig;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly inputDataIds: Readonly<Record<string, TaskDataId | readonly TaskDataId[]>>;
  /** Adds a line to the quantum's log. */
  readonly log: (message: string) => void;
}

/** What a task's `run` returns: output objects by connection name, and figures for the quantum's metadata. */
export interface TaskRunOutput {
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/**
 * How a task declared in a pipeline runs, from its `run:` key: a module exporting
 * `run(input: TaskRunInput): TaskRunOutput` (an absolute path, resolved against the folder of
 * the YAML file that declares it), or a shell command template kept as written, run in `cwd`
 * (from YAML: the folder of the file that declares it; absent: the working directory).
 */
export type TaskRunner = { readonly module: string } | { readonly command: string; readonly cwd?: string };

/**
 * A task type: its dimensions, config defaults and the connections a given config yields
 * (some connections exist only when enabled by config, e.g. a reference catalog).
 */
export interface TaskDefinition {
  /** The name pipelines use in `class:`. */
  readonly name: string;
  readonly description: string;
  readonly dimensions: readonly string[];
  /** Every config field with its default (null: none). */
  readonly defaults: TaskConfig;
  /** The types of the config fields, when the task declares them (then a pipeline's values are checked at load). */
  readonly configSchema?: ConfigSchema;
  connections(config: TaskConfig): readonly Connection[];
  /** The computation of one quantum (absent for tasks that can be planned but not run). */
  readonly run?: (input: TaskRunInput) => TaskRunOutput | Promise<TaskRunOutput>;
  /** How a task declared in a pipeline runs (its `run:` key); absent when `run` is given or the task can only be planned. */
  readonly runner?: TaskRunner;
}

/** Fewest datasets required on a connection. */
export function minimumOf(c: Connection): number {
  return c.minimum ?? 1;
}
