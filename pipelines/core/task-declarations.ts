/**
 * Task declarations: a task type described by its dimensions and its connections grouped as
 * LSST groups them (`inputs`, `prerequisiteInputs`, `outputs`, `initInputs`, `initOutputs`),
 * each connection keyed by its name. Pipeline YAML declares tasks in this shape, and the
 * shipped tasks (pipelines/tasks/) are declared in it too: `defineTask` turns a declaration
 * into a TaskDefinition, `extendTask` adds or replaces connections of an existing one (a
 * pipeline redeclaring a task label), and config keys `connections.NAME` rename a
 * connection's dataset type (LSST's config overrides) for every task alike.
 */
import type { Connection, ConnectionKind, TaskConfig, TaskDefinition, TaskRunInput, TaskRunner, TaskRunOutput } from './connections.js';
import { configDefaults, type ConfigSchema } from './config-schema.js';
import { PipelineError } from './pipeline-errors.js';

/** The groups a declaration lists connections in. */
export type ConnectionGroup = 'inputs' | 'prerequisiteInputs' | 'outputs' | 'initInputs' | 'initOutputs';

/** The kind of connection each group holds; the groups in the order connections are listed. */
export const CONNECTION_GROUPS: Readonly<Record<ConnectionGroup, ConnectionKind>> = Object.freeze({
  inputs: 'input', prerequisiteInputs: 'prerequisite', outputs: 'output', initInputs: 'initInput', initOutputs: 'initOutput',
});

/** The group a kind of connection is declared in. */
export const GROUP_OF_KIND: Readonly<Record<ConnectionKind, ConnectionGroup>> = Object.freeze({
  input: 'inputs', prerequisite: 'prerequisiteInputs', output: 'outputs', initInput: 'initInputs', initOutput: 'initOutputs',
});

/** Every group, in listing order. */
export const GROUP_NAMES = Object.keys(CONNECTION_GROUPS) as readonly ConnectionGroup[];

/** One declared connection (LSST's keywords; `deferGraphConstraint` becomes Connection.deferConstraint). */
export interface ConnectionDeclaration {
  readonly datasetType: string;
  /** Required for inputs, prerequisites and outputs; init connections have none (per-run datasets). */
  readonly dimensions?: readonly string[];
  readonly storageClass: string;
  readonly multiple?: boolean;
  /** Fewest datasets a quantum needs (default 1; 0 = optional); above 1 only with `multiple`. */
  readonly minimum?: number;
  /** The input does not constrain the big data-ID query (regular inputs only). */
  readonly deferGraphConstraint?: boolean;
  readonly isCalibration?: boolean;
  /** Accepted, no planning effect. */
  readonly deferLoad?: boolean;
  readonly doc?: string;
  /** (Module declarations only, not pipeline YAML) the connection exists only when this config field is truthy. */
  readonly enabledBy?: string;
}

/** Connections of one group by name. */
export type ConnectionDeclarations = Readonly<Record<string, ConnectionDeclaration>>;

/** The connection groups of a declaration. */
export type ConnectionGroups = { readonly [G in ConnectionGroup]?: ConnectionDeclarations };

/** A task type declared by its connections. */
export interface TaskDeclaration extends ConnectionGroups {
  /** The name pipelines give in `class:`. */
  readonly name: string;
  readonly description?: string;
  readonly dimensions: readonly string[];
  /** Config fields with their types and defaults, checked when a pipeline sets them (none without). */
  readonly config?: ConfigSchema;
  readonly run?: (input: TaskRunInput) => TaskRunOutput | Promise<TaskRunOutput>;
  readonly runner?: TaskRunner;
}

/** What a redeclaration may change on an existing task type: dimensions, connections (by name) and how it runs. */
export interface TaskExtension extends ConnectionGroups {
  readonly dimensions?: readonly string[];
  readonly runner?: TaskRunner;
  readonly description?: string;
}

/** Keys a connection of each kind accepts (`enabledBy` only from modules). */
export const CONNECTION_KEYS: Readonly<Record<ConnectionKind, readonly string[]>> = Object.freeze({
  input: ['datasetType', 'dimensions', 'storageClass', 'multiple', 'minimum', 'deferGraphConstraint', 'isCalibration', 'deferLoad', 'doc'],
  prerequisite: ['datasetType', 'dimensions', 'storageClass', 'multiple', 'minimum', 'isCalibration', 'deferLoad', 'doc'],
  output: ['datasetType', 'dimensions', 'storageClass', 'multiple', 'isCalibration', 'doc'],
  initInput: ['datasetType', 'storageClass', 'dimensions', 'doc'],
  initOutput: ['datasetType', 'storageClass', 'dimensions', 'doc'],
});

/** Dataset type names, as the registry accepts them. */
export const DATASET_TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** A problem with one key of a connection declaration. */
export interface ConnectionProblem {
  readonly key: keyof ConnectionDeclaration;
  readonly message: string;
}

/**
 * What is wrong with one connection declaration, or null. Shared by `defineTask` and the
 * pipeline loader (which reports it at the line of `key`). Checks values, not unknown keys.
 */
export function connectionProblem(kind: ConnectionKind, d: ConnectionDeclaration): ConnectionProblem | null {
  const problem = (key: keyof ConnectionDeclaration, message: string): ConnectionProblem => ({ key, message });
  if (typeof d.datasetType !== 'string' || !DATASET_TYPE_NAME.test(d.datasetType)) return problem('datasetType', `'datasetType' must be a dataset type name, got ${JSON.stringify(d.datasetType)}`);
  if (typeof d.storageClass !== 'string' || !d.storageClass) return problem('storageClass', `'storageClass' must be a storage class name, got ${JSON.stringify(d.storageClass)}`);
  const init = kind === 'initInput' || kind === 'initOutput';
  if (d.dimensions === undefined) {
    if (!init) return problem('dimensions', "'dimensions' is required (a list, [] for none)");
  } else if (!Array.isArray(d.dimensions) || d.dimensions.some((x) => typeof x !== 'string')) {
    return problem('dimensions', `'dimensions' must be a list of dimension names, got ${JSON.stringify(d.dimensions)}`);
  } else if (new Set(d.dimensions).size !== d.dimensions.length) {
    return problem('dimensions', `'dimensions' lists a dimension twice: [${d.dimensions.join(', ')}]`);
  } else if (init && d.dimensions.length) {
    return problem('dimensions', `init connections are per-run datasets with no dimensions, got [${d.dimensions.join(', ')}]`);
  }
  for (const key of ['multiple', 'deferGraphConstraint', 'isCalibration', 'deferLoad'] as const) {
    if (d[key] !== undefined && typeof d[key] !== 'boolean') return problem(key, `'${key}' must be true or false, got ${JSON.stringify(d[key])}`);
  }
  if (d.minimum !== undefined) {
    if (!Number.isInteger(d.minimum) || d.minimum < 0) return problem('minimum', `'minimum' must be a whole number >= 0, got ${JSON.stringify(d.minimum)}`);
    if (d.minimum > 1 && !d.multiple) return problem('minimum', `'minimum: ${d.minimum}' needs 'multiple: true' (a single-dataset connection has at most one)`);
  }
  return null;
}

/** The Connection a declaration makes. */
export function connectionOf(name: string, kind: ConnectionKind, d: ConnectionDeclaration): Connection {
  return {
    name, kind, datasetType: d.datasetType, dimensions: [...(d.dimensions ?? [])], storageClass: d.storageClass,
    ...(d.multiple !== undefined ? { multiple: d.multiple } : {}),
    ...(d.minimum !== undefined ? { minimum: d.minimum } : {}),
    ...(d.deferGraphConstraint ? { deferConstraint: true } : {}),
    ...(d.isCalibration !== undefined ? { isCalibration: d.isCalibration } : {}),
    ...(d.deferLoad !== undefined ? { deferLoad: d.deferLoad } : {}),
  };
}

/** The declaration of a connection (the inverse of `connectionOf`, for printing a pipeline). */
export function declarationOfConnection(c: Connection): ConnectionDeclaration {
  const init = c.kind === 'initInput' || c.kind === 'initOutput';
  return {
    datasetType: c.datasetType, ...(init ? {} : { dimensions: [...c.dimensions] }), storageClass: c.storageClass,
    ...(c.multiple !== undefined ? { multiple: c.multiple } : {}),
    ...(c.minimum !== undefined ? { minimum: c.minimum } : {}),
    ...(c.deferConstraint ? { deferGraphConstraint: true } : {}),
    ...(c.isCalibration !== undefined ? { isCalibration: c.isCalibration } : {}),
    ...(c.deferLoad !== undefined ? { deferLoad: c.deferLoad } : {}),
  };
}

/** The `connections.NAME: datasetType` renames in a config, by connection name. */
export function connectionRenames(config: TaskConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith('connections.') && typeof value === 'string') out.set(key.slice('connections.'.length), value);
  }
  return out;
}

/** `connections` with the config's renames applied (idempotent). */
export function applyConnectionRenames(connections: readonly Connection[], config: TaskConfig): Connection[] {
  const renames = connectionRenames(config);
  if (!renames.size) return [...connections];
  return connections.map((c) => {
    const to = renames.get(c.name);
    return to === undefined || to === c.datasetType ? c : { ...c, datasetType: to };
  });
}

/** The declared connections of `groups` under `config`, in group order, then declaration order. */
function connectionsOf(groups: ConnectionGroups, config: TaskConfig): Connection[] {
  const out: Connection[] = [];
  for (const group of GROUP_NAMES) {
    for (const [name, d] of Object.entries(groups[group] ?? {})) {
      if (d.enabledBy !== undefined && !config[d.enabledBy]) continue;
      out.push(connectionOf(name, CONNECTION_GROUPS[group], d));
    }
  }
  return out;
}

/** Throws a PipelineError naming the task and connection if a declaration is malformed. */
function checkGroups(task: string, groups: ConnectionGroups, dimensions: readonly string[] | undefined): void {
  if (dimensions !== undefined && (!Array.isArray(dimensions) || dimensions.some((d) => typeof d !== 'string'))) {
    throw new PipelineError(`task type '${task}': dimensions must be a list of names`, 'PIPELINE_CONNECTION');
  }
  const seen = new Map<string, ConnectionGroup>();
  for (const group of GROUP_NAMES) {
    for (const [name, d] of Object.entries(groups[group] ?? {})) {
      const other = seen.get(name);
      if (other) throw new PipelineError(`task type '${task}': connection '${name}' is declared in both ${other} and ${group}`, 'PIPELINE_CONNECTION');
      seen.set(name, group);
      const problem = connectionProblem(CONNECTION_GROUPS[group], d);
      if (problem) throw new PipelineError(`task type '${task}', ${group}.${name}: ${problem.message}`, 'PIPELINE_CONNECTION');
    }
  }
}

/**
 * A TaskDefinition from a declaration: connections in group order (inputs, prerequisite
 * inputs, outputs, init-inputs, init-outputs), `enabledBy` connections only when their config
 * field is truthy, and `connections.NAME` renames from the config applied.
 */
export function defineTask(d: TaskDeclaration): TaskDefinition {
  checkGroups(d.name, d, d.dimensions);
  const groups: ConnectionGroups = Object.fromEntries(GROUP_NAMES.map((g) => [g, d[g] ?? {}]));
  return {
    name: d.name, description: d.description ?? d.name, dimensions: [...d.dimensions],
    defaults: d.config ? configDefaults(d.config) : {}, ...(d.config ? { configSchema: d.config } : {}),
    connections: (config) => applyConnectionRenames(connectionsOf(groups, config), config),
    ...(d.run ? { run: d.run } : {}),
    ...(d.runner ? { runner: d.runner } : {}),
  };
}

/**
 * `base` with an extension applied: new dimensions if given; each declared connection replaces
 * the base connection of that name in place (whatever its group) or is added after them; a
 * `runner` replaces the base's `run`. Config defaults are kept.
 */
export function extendTask(base: TaskDefinition, ext: TaskExtension): TaskDefinition {
  checkGroups(base.name, ext, ext.dimensions);
  const groups: ConnectionGroups = Object.fromEntries(GROUP_NAMES.map((g) => [g, ext[g] ?? {}]));
  return {
    name: base.name, description: ext.description ?? base.description, dimensions: [...(ext.dimensions ?? base.dimensions)],
    defaults: base.defaults, ...(base.configSchema ? { configSchema: base.configSchema } : {}),
    connections: (config) => {
      const declared = connectionsOf(groups, config);
      const byName = new Map(declared.map((c) => [c.name, c]));
      const own = base.connections(config).map((c) => byName.get(c.name) ?? c);
      const added = declared.filter((c) => !own.includes(c));
      return applyConnectionRenames([...own, ...added], config);
    },
    ...(ext.runner ? { runner: ext.runner } : base.run ? { run: base.run } : base.runner ? { runner: base.runner } : {}),
  };
}

/** The connection groups of a definition under `config` (for printing a pipeline in its own language). */
export function connectionGroupsOf(connections: readonly Connection[]): Record<ConnectionGroup, Record<string, ConnectionDeclaration>> {
  const out = Object.fromEntries(GROUP_NAMES.map((g) => [g, {}])) as Record<ConnectionGroup, Record<string, ConnectionDeclaration>>;
  for (const c of connections) out[GROUP_OF_KIND[c.kind]][c.name] = declarationOfConnection(c);
  return out;
}
