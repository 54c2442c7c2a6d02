/**
 * `qg build`: pipeline + --where -> quantum graph, with a number of SQL statements that does
 * not grow with the graph. The steps (ARCHITECTURE.md, "Planning"):
 *  1. load and check the pipeline; decide the output run and the constraining inputs;
 *  2. the big data-ID query over every task's and dataset type's dimensions, materialized;
 *  3. one read of the rows' keys; per task and dataset type, its distinct data IDs, numbered
 *     in JS (row-numbering.ts); per connection, the (quantum, dataset) pairs;
 *  4. per overall input type, one find-first resolution query;
 *  5. per prerequisite connection, one batched lookup (calibrations by validity time,
 *     sharded catalogs through the quantum region's skypix overlaps);
 *  6. one query per output type for outputs already present (skip/clobber/extend-run);
 *  7. pruning and assembly in typed arrays (see graph-assembly.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import {
  checkOutputCollectionName, DataIdQuery, EmptyQueryError, governorConstraints, graphHeapProblem, parseWhere, PlanningQueries, regionElementForGroup, RegistryError, runFolder, runTimestamp,
  type BindValue, type DimensionUniverse, type DimensionGroup, type GraphSize, type CollectionRecord, type DatasetType, type PrerequisiteLookup, type Registry, type Repository,
} from '../../registry/index.js';
import { buildPipelineGraph, loadPipeline, storageClassesCompatible, TASK_LIBRARY, type ConfigOverrides, type Connection, type DatasetTypeNode, type PipelineGraph, type TaskDefinition } from '../../pipelines/index.js';
import { EmptyGraphError, PlanningError } from '../errors.js';
import { edgePairs, type NumberedTable } from './graph-tables.js';
import { EncodedRows, numberGroup } from './row-numbering.js';
import { constrainingInputs, queryDimensions } from './query-plan.js';
import { assembleGraph, type AssemblyInput, type ConnectionPlan, type FoundDataset, type TaskPlan, type TypePlan } from './graph-assembly.js';
import { dataIdAt, type QuantumGraph } from '../graph/quantum-graph.js';
import { checkRunnable } from './task-execution.js';
import { impliedTables } from './implied-tables.js';
import { matchByDataId } from './prerequisite-matching.js';
import { ImpliedValues } from '../graph/implied-values.js';

/** What to build (the options pipetask users know). */
export interface BuildSpec {
  /** Pipeline file, optionally with `#label,label` or `#subset`. */
  readonly pipeline: string;
  /** Input collections, searched in order. */
  readonly inputs: readonly string[];
  /** Output CHAINED collection (`-o`). */
  readonly output?: string;
  /** Output RUN (`--output-run`; default `<output>/<timestamp>`). */
  readonly outputRun?: string;
  readonly where?: string;
  readonly bind?: ReadonlyMap<string, BindValue>;
  /** Which overall inputs constrain the data-ID query: all (default), off, or a list. */
  readonly datasetConstraint?: 'all' | 'off' | readonly string[];
  /** Quanta whose outputs all exist in these collections are skipped. */
  readonly skipExistingIn?: readonly string[];
  /** pipetask's `--skip-existing`: the output run counts as one of `skipExistingIn`. */
  readonly skipExisting?: boolean;
  /** Command-line config overrides (`-c`, `-C`), applied after the pipeline's own `config:`. */
  readonly configOverrides?: ConfigOverrides;
  /** Outputs already in the output run are replaced instead of being an error. */
  readonly clobberOutputs?: boolean;
  /** Add to an existing output run. */
  readonly extendRun?: boolean;
  /** pipetask's `--replace-run`: the new run takes the place of the output chain's head RUN (which stays in the registry). */
  readonly replaceRun?: boolean;
  /** The command line, recorded in the graph. */
  readonly command?: string;
  /** Also return the database's plan of the big query. */
  readonly explain?: boolean;
  /** Task types by class name (default: qg's task library). */
  readonly library?: ReadonlyMap<string, TaskDefinition>;
  /** Told the name of each phase as it starts (`query`, `edges`, ...), for progress on a terminal. */
  readonly onPhase?: (phase: string) => void;
}

/** A built graph and how the build went. */
export interface BuildResult {
  readonly graph: QuantumGraph;
  readonly explain?: string;
  readonly statements: number;
  readonly seconds: number;
}

/** Plans a quantum graph. */
export async function buildQuantumGraph(repo: Repository, spec: BuildSpec): Promise<BuildResult> {
  const registry = repo.registry;
  const counter = registry.db.statements;
  const startStatements = counter.total;
  const start = performance.now();
  const phases: Record<string, PhaseCost> = {};
  const phase = phaseTimer(counter, phases, spec.onPhase);

  const pipelineGraph = await phase('pipeline', () => loadRunnablePipeline(registry, spec));
  const { outputRun, outputChain, replacedRun } = await phase('collections', () => resolveOutput(repo, spec));
  const inputs = await phase('collections', () => registry.collections.flatten(spec.inputs));
  if (!spec.inputs.length) throw new PlanningError('no input collections: give -i COLLECTION[,...]', 'BUILD_INPUTS');
  await phase('dataset types', () => checkDatasetTypes(registry, pipelineGraph));
  const constraints = constrainingInputs(pipelineGraph, spec.datasetConstraint ?? 'all');
  const regularTypes = [...pipelineGraph.datasetTypes.values()].filter((t) => !t.isPrerequisite);
  const union = queryDimensions(pipelineGraph, registry.universe);
  const { plans, explain } = await registry.transaction((tx) => planGraph({ registry, tx, spec, phase, pipelineGraph, inputs, outputRun, constraints, regularTypes, union }));

  const graph = await phase('assembly', async () => assembleGraph({
    ...plans, pipelineGraph, outputRun, outputChain, inputs: spec.inputs, where: spec.where ?? '',
    command: spec.command ?? '', pipeline: spec.pipeline, clobberOutputs: spec.clobberOutputs ?? false,
    skipExistingIn: [...(spec.skipExisting ? [outputRun] : []), ...(spec.skipExistingIn ?? [])], phases, repositoryId: registry.id,
    ...(replacedRun !== undefined ? { replacedRun } : {}),
  }));
  return { graph, ...(explain !== undefined ? { explain } : {}), statements: counter.total - startStatements, seconds: (performance.now() - start) / 1000 };
}

/** The statements and time spent in one phase of the build (summed over its calls). */
interface PhaseCost {
  statements: number;
  seconds: number;
}

/** Runs one step of a phase, adding its statements and time to the phase's cost. */
type PhaseTimer = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/** A {@link PhaseTimer} that counts `counter`'s statements into `phases` and tells `onPhase` each phase as it starts. */
function phaseTimer(counter: { readonly total: number }, phases: Record<string, PhaseCost>, onPhase: ((phase: string) => void) | undefined): PhaseTimer {
  return async (name, fn) => {
    const s0 = counter.total, t0 = performance.now();
    onPhase?.(name);
    try {
      return await fn();
    } finally {
      const p = phases[name] ?? { statements: 0, seconds: 0 };
      p.statements += counter.total - s0;
      p.seconds += (performance.now() - t0) / 1000;
      phases[name] = p;
    }
  };
}

/** What the planning in the transaction works from: the registry, the build, its checked pipeline, inputs and output run, and the data-ID query's shape. */
interface PlanContext {
  readonly registry: Registry;
  readonly tx: Knex.Transaction;
  readonly spec: BuildSpec;
  readonly phase: PhaseTimer;
  readonly pipelineGraph: PipelineGraph;
  readonly inputs: readonly CollectionRecord[];
  readonly outputRun: string;
  /** The overall inputs that constrain the data-ID query. */
  readonly constraints: readonly string[];
  /** The dataset types that are not prerequisites. */
  readonly regularTypes: readonly DatasetTypeNode[];
  /** The dimensions of the data-ID query. */
  readonly union: DimensionGroup;
}

/** The planned tables, edges and found datasets that the assembly makes the graph of. */
type GraphPlans = Pick<AssemblyInput, 'taskPlans' | 'typePlans' | 'connectionPlans' | 'found' | 'existingOutputs' | 'implied'>;

/** Steps 2 to 6 of the module comment, over the materialized data-ID query (disposed of at the end); with the query's plan when `spec.explain`. */
async function planGraph(ctx: PlanContext): Promise<{ plans: GraphPlans; explain: string | undefined }> {
  const { registry, tx, spec, phase, pipelineGraph, inputs, outputRun, constraints, regularTypes, union } = ctx;
  const query = await prepareDataIdQuery(ctx);
  try {
    const explain = spec.explain ? await query.explain() : undefined;
    const planning = new PlanningQueries(registry, tx, query.tempTables, await phase('query', () => query.materialize('rows')));
    const { tasks, types } = await numberedTables(ctx, planning);
    const implied = await phase('projections', () => impliedTables(union, planning));
    if (tasks.every((t) => t.count === 0)) {
      throw new EmptyGraphError('the graph is empty: the data-ID query returned no rows', [
        `no data IDs over {${union.required.join(', ')}} satisfy the where expression${constraints.length ? ` with ${constraints.join(', ')} present in ${spec.inputs.join(', ')}` : ''}`,
      ]);
    }
    const heap = graphHeapProblem('build', estimatedSize(pipelineGraph, tasks, types));
    if (heap) throw new PlanningError(heap, 'HEAP_HEADROOM');
    const connectionPlans = await phase('edges', async () => edgePlans(pipelineGraph, tasks, types));
    const found = await phase('inputs', () => resolveInputs(registry, tx, planning, pipelineGraph, types, inputs));
    const prerequisites = await phase('prerequisites', () => prerequisitePlans({ registry, tx, planning, inputs, implied: new ImpliedValues(implied) }, pipelineGraph, tasks));
    const existingOutputs = await phase('outputs', () => findExistingOutputs(registry, tx, planning, pipelineGraph, types, outputRun, spec));
    const taskPlans: TaskPlan[] = pipelineGraph.tasks.map((t, i) => ({ label: t.label, taskClass: t.definition.name, config: t.config, table: tasks[i]! }));
    const typePlans: TypePlan[] = regularTypes.map((t) => ({ node: t, table: types.get(t.name)! }));
    return { plans: { taskPlans, typePlans, connectionPlans: [...connectionPlans, ...prerequisites], found, existingOutputs, implied }, explain };
  } finally {
    await query.dispose();
  }
}

/** The big data-ID query, prepared; a query that can never return rows is an empty graph. */
async function prepareDataIdQuery({ registry, tx, spec, phase, union, constraints }: PlanContext): Promise<DataIdQuery> {
  try {
    return await phase('query', () => DataIdQuery.prepare(registry, tx, {
      dimensions: [...union.required], full: true,
      ...(spec.where !== undefined ? { where: spec.where } : {}),
      ...(spec.bind ? { bind: spec.bind } : {}),
      datasets: constraints, collections: spec.inputs,
    }));
  } catch (e) {
    if (e instanceof EmptyQueryError) throw new EmptyGraphError('the graph is empty: the data-ID query can never return rows', [e.format()]);
    throw e;
  }
}

/**
 * Each task's and regular dataset type's numbered data IDs. One numbering per distinct
 * dimension group: a task and the dataset types with its dimensions (its outputs, metadata,
 * log) share it.
 */
async function numberedTables({ registry, spec, phase, pipelineGraph, regularTypes }: PlanContext, planning: PlanningQueries): Promise<{ tasks: NumberedTable[]; types: Map<string, NumberedTable> }> {
  const universe = registry.universe;
  const groups = [...pipelineGraph.tasks.map((t) => t.definition.dimensions), ...regularTypes.map((t) => t.dimensions)].map((d) => universe.group(d));
  const byGroup = await phase('projections', () => numberGroups(planning, groups, pinnedGovernors(universe, spec)));
  const tasks = pipelineGraph.tasks.map((t) => byGroup.get(universe.group(t.definition.dimensions).key)!);
  const types = new Map(regularTypes.map((t) => [t.name, byGroup.get(universe.group(t.dimensions).key)!]));
  return { tasks, types };
}

/** The (quantum, dataset) pairs of every input and output connection, in task and connection order. */
function edgePlans(g: PipelineGraph, tasks: readonly NumberedTable[], types: ReadonlyMap<string, NumberedTable>): ConnectionPlan[] {
  const plans: ConnectionPlan[] = [];
  for (const [ti, t] of g.tasks.entries()) {
    for (const c of t.connections) {
      if (c.kind !== 'input' && c.kind !== 'output') continue;
      plans.push({ task: ti, connection: c, pairs: edgePairs(tasks[ti]!, types.get(c.datasetType)!) });
    }
  }
  return plans;
}

/** What prerequisite lookups work with: the registry in the build's transaction, its planning queries, the input collections and the data IDs' implied values. */
interface LookupContext {
  readonly registry: Registry;
  readonly tx: Knex.Transaction;
  readonly planning: PlanningQueries;
  readonly inputs: readonly CollectionRecord[];
  readonly implied: ImpliedValues;
}

/** The plan of every prerequisite connection, one lookup each, in task and connection order. */
async function prerequisitePlans(ctx: LookupContext, g: PipelineGraph, tasks: readonly NumberedTable[]): Promise<ConnectionPlan[]> {
  const out: ConnectionPlan[] = [];
  for (const [ti, t] of g.tasks.entries()) {
    for (const c of t.connections) {
      if (c.kind === 'prerequisite') out.push(await lookupPrerequisite(ctx, t.label, tasks[ti]!, c, ti));
    }
  }
  return out;
}

/**
 * Reads the rows' key columns once and numbers each distinct group of `groups`, by group key.
 * A column the where pins to one value (`instrument = 'X'`) is not read: every row holds that
 * value (two string columns of eight were ~0.1 s of reading the 290k-quanta build's rows).
 */
async function numberGroups(planning: PlanningQueries, groups: readonly DimensionGroup[], pinned: ReadonlyMap<string, string | number>): Promise<Map<string, NumberedTable>> {
  const columns = [...new Set(groups.flatMap((g) => g.required))];
  const read = columns.filter((c) => !pinned.has(c));
  const { count, values } = await planning.rowColumns(read);
  const rows = EncodedRows.fromColumns(read, count, values, new Map([...pinned].filter(([d]) => columns.includes(d))));
  const out = new Map<string, NumberedTable>();
  for (const g of groups) if (!out.has(g.key)) out.set(g.key, numberGroup(rows, g));
  return out;
}

/** The governors the where's top-level AND chain pins to a single value (`instrument = 'X'`), with that value. */
function pinnedGovernors(universe: DimensionUniverse, spec: BuildSpec): Map<string, string | number> {
  const where = spec.where ?? '';
  const constraints = governorConstraints(parseWhere(where), universe, spec.bind ?? new Map(), where);
  return new Map([...constraints].flatMap(([governor, { values }]) => (values.length === 1 ? [[governor, values[0]!] as const] : [])));
}

/** The checked graph of the spec's pipeline, its runners checked too (see task-execution.ts). */
export async function loadRunnablePipeline(registry: Registry, spec: BuildSpec): Promise<PipelineGraph> {
  const g = buildPipelineGraph(loadPipeline(spec.pipeline, spec.library ?? TASK_LIBRARY, spec.configOverrides));
  await checkRunnable(g, (dimensions) => registry.universe.group(dimensions).required);
  return g;
}

/**
 * The output RUN (and chain): `--output-run`, or `<output>/<UTC timestamp>`, or the chain's
 * head with --extend-run. Names `qg run` could not use are refused here, before anything exists.
 */
async function resolveOutput(repo: Repository, spec: BuildSpec): Promise<{ outputRun: string; outputChain: string | null; replacedRun?: string }> {
  const registry = repo.registry;
  const chain = spec.output ?? null;
  if (chain !== null) checkOutputName(chain, '-o');
  if (spec.outputRun !== undefined) checkOutputName(spec.outputRun, '--output-run');
  let run = spec.outputRun;
  if (!run) {
    if (!chain) throw new PlanningError('give an output: -o CHAIN (a new run CHAIN/<timestamp> is made) or --output-run RUN', 'BUILD_OUTPUT');
    if (spec.extendRun) {
      if (!(await registry.collections.has(chain))) throw new PlanningError(`--extend-run: output chain '${chain}' does not exist yet`, 'BUILD_OUTPUT');
      const children = await registry.collections.getChain(chain);
      const head = children[0];
      if (!head) throw new PlanningError(`--extend-run: chain '${chain}' has no run to extend`, 'BUILD_OUTPUT');
      run = head;
    } else {
      run = await timestampedRun(repo, chain);
    }
  }
  const exists = await registry.collections.has(run);
  if (exists && !spec.extendRun) throw new PlanningError(`output run '${run}' already exists; use --extend-run to add to it (with --skip-existing-in or --clobber-outputs for outputs already there)`, 'BUILD_OUTPUT_EXISTS');
  if (!exists && spec.extendRun && spec.outputRun) throw new PlanningError(`--extend-run: output run '${run}' does not exist`, 'BUILD_OUTPUT');
  if (exists && (await registry.collections.get(run)).type !== 'RUN') throw new PlanningError(`output '${run}' exists and is not a RUN collection`, 'BUILD_OUTPUT');
  if (spec.replaceRun) {
    if (spec.extendRun) throw new PlanningError('--replace-run and --extend-run exclude each other (one makes a new run in place of the head, the other adds to the head)', 'BUILD_OUTPUT');
    if (!chain || !(await registry.collections.has(chain))) throw new PlanningError(`--replace-run: needs an existing output chain (-o)${chain ? `; '${chain}' does not exist yet` : ''}`, 'BUILD_OUTPUT');
    const head = (await registry.collections.getChain(chain))[0];
    if (!head || (await registry.collections.get(head)).type !== 'RUN') throw new PlanningError(`--replace-run: the first collection of chain '${chain}' is ${head ? `'${head}', not a RUN` : 'missing (the chain is empty)'}`, 'BUILD_OUTPUT');
    return { outputRun: run, outputChain: chain, replacedRun: head };
  }
  return { outputRun: run, outputChain: chain };
}

/**
 * The graph's size as known before its edges are read: quanta and datasets from the numbered
 * projections, each connection's edges taken as the larger of its quanta and datasets.
 */
function estimatedSize(g: PipelineGraph, tasks: readonly NumberedTable[], types: ReadonlyMap<string, NumberedTable>): GraphSize {
  let edges = 0;
  for (const [ti, t] of g.tasks.entries()) {
    for (const c of t.connections) {
      if (c.kind === 'input' || c.kind === 'output' || c.kind === 'prerequisite') edges += Math.max(tasks[ti]!.count, types.get(c.datasetType)?.count ?? 0);
    }
  }
  const sum = (tables: Iterable<NumberedTable>) => [...tables].reduce((n, t) => n + t.count, 0);
  return { quanta: sum(tasks), datasets: sum(types.values()), edges };
}

/** Refuses an output name (`option` gave it) that `qg run` could not register or give a folder. */
function checkOutputName(name: string, option: string): void {
  try {
    checkOutputCollectionName(name);
  } catch (e) {
    if (e instanceof RegistryError) throw new PlanningError(`${option} '${name}' cannot name an output: ${e.message}`, 'BUILD_OUTPUT_NAME');
    throw e;
  }
}

/**
 * `<chain>/<UTC timestamp>`, or with `-2`, `-3`, ... appended when a collection of that name
 * is registered or its run folder exists (two builds with the same -o in the same second).
 */
async function timestampedRun(repo: Repository, chain: string): Promise<string> {
  const base = `${chain}/${runTimestamp()}`;
  for (let n = 1; ; n++) {
    const run = n === 1 ? base : `${base}-${n}`;
    if (!(await repo.registry.collections.has(run)) && !existsSync(join(repo.root, runFolder(run)))) return run;
  }
}

/** Pipeline dataset types must agree with the registry's definitions (dimensions, storage classes); overall inputs must be registered. */
async function checkDatasetTypes(registry: Registry, g: PipelineGraph): Promise<void> {
  const missing: string[] = [];
  for (const node of g.datasetTypes.values()) {
    if (!(await registry.datasetTypes.has(node.name))) {
      if (!node.producer) missing.push(node.name);
      continue;
    }
    const registered = await registry.datasetTypes.get(node.name);
    const group = registry.universe.group(node.dimensions);
    if (registered.dimensions.key !== group.key) {
      throw new PlanningError(`dataset type '${node.name}' has dimensions {${group.required.join(', ')}} in the pipeline but {${registered.dimensions.required.join(', ')}} in the repository`, 'BUILD_DATASET_TYPE');
    }
    for (const t of g.tasks) {
      const c = t.connections.find((x) => x.datasetType === node.name && !storageClassesCompatible(x.storageClass, registered.storageClass));
      if (c) throw new PlanningError(`dataset type '${node.name}' has storage class ${c.storageClass} in the pipeline (${t.label}.${c.name}, ${t.connectionSources.get(c.name) ?? t.source}) but ${registered.storageClass} in the repository, and the two are not convertible`, 'BUILD_STORAGE_CLASS');
    }
  }
  if (missing.length) {
    throw new EmptyGraphError('the graph is empty: inputs are not registered in this repository', missing.map((m) => `dataset type '${m}' (an input of the pipeline) is not registered; ingest or import it first`));
  }
}

/** Find-first resolution of every overall input: one query per dataset type. */
async function resolveInputs(registry: Registry, tx: Knex.Transaction, planning: PlanningQueries, g: PipelineGraph, types: Map<string, NumberedTable>, inputs: readonly CollectionRecord[]): Promise<Map<string, FoundDataset[]>> {
  const out = new Map<string, FoundDataset[]>();
  const searchable = inputs.filter((c) => c.type !== 'CALIBRATION');
  for (const name of g.overallInputs) {
    const found: FoundDataset[] = [];
    out.set(name, found);
    if (!searchable.length || !(await registry.datasetTypes.has(name))) continue;
    const datasets = await planning.firstDatasets(types.get(name)!, await registry.datasetTypes.get(name, tx), searchable);
    const runs = await runNames(registry, tx, datasets);
    for (const f of datasets) found.push({ local: f.idx, id: f.datasetId, run: runs.get(f.runId)! });
  }
  return out;
}

/** The names of the runs of `found`, by run ID (each looked up once, not per dataset). */
async function runNames(registry: Registry, tx: Knex.Transaction, found: readonly { readonly runId: number }[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const f of found) if (!out.has(f.runId)) out.set(f.runId, (await registry.collections.byId(f.runId, tx)).name);
  return out;
}

/**
 * One batched lookup for a prerequisite connection: calibrations valid during each quantum's
 * observation, catalog shards in the skypix envelope of each quantum's region, or plain
 * find-first by data ID. The lookup's datasets become the connection's dataset nodes.
 */
async function lookupPrerequisite(ctx: LookupContext, label: string, quanta: NumberedTable, c: Connection, taskIndex: number): Promise<ConnectionPlan> {
  const { registry, tx, inputs } = ctx;
  const empty: ConnectionPlan = { task: taskIndex, connection: c, pairs: { quanta: new Int32Array(0), datasets: new Int32Array(0) }, prerequisite: { datasets: [], dimensions: [] } };
  if (!(await registry.datasetTypes.has(c.datasetType))) return empty;
  const type = await registry.datasetTypes.get(c.datasetType, tx);
  const dims = type.dimensions.required;
  const found = await prerequisiteLookup(ctx, label, quanta, c, type, type.isCalibration && inputs.some((col) => col.type === 'CALIBRATION'));
  if (found.ambiguous) {
    const { idx, datasetId, rival } = found.ambiguous;
    throw new PlanningError(`task '${label}' quantum ${JSON.stringify(dataIdAt(quanta.dataIds, quanta.group.required, idx))}: more than one '${c.datasetType}' matches in the same collection (datasets ${datasetId} and ${rival}); fix the validity ranges`, 'BUILD_PREREQUISITE_AMBIGUOUS');
  }
  if (!found.datasets.length) return empty;
  const runs = await runNames(registry, tx, found.datasets);
  return {
    task: taskIndex, connection: c, pairs: found.pairs,
    prerequisite: {
      datasets: found.datasets.map((d, local) => ({ local, id: d.id, run: runs.get(d.runId)! })), dimensions: dims,
      dataIdRows: found.datasets.map((d) => d.dataId), storageClass: type.storageClass, isCalibration: type.isCalibration,
    },
  };
}

/**
 * How prerequisite `c` (of `type`) relates to the task's quanta, looked up: by the shards of
 * their region, or by data ID (and, with `byTime`, calibrations by the time of their observation).
 */
async function prerequisiteLookup(ctx: LookupContext, label: string, quanta: NumberedTable, c: Connection, type: DatasetType, byTime: boolean): Promise<PrerequisiteLookup> {
  const universe = ctx.registry.universe;
  const skypix = universe.skypix.name;
  const dims = type.dimensions.required;
  if (dims.length === 1 && dims[0] === skypix) {
    const region = regionElementForGroup(quanta.group, universe);
    if (!region) throw new PlanningError(`task '${label}': prerequisite '${c.name}' (${c.datasetType}) is sharded by ${skypix} but the task's dimensions have no region`, 'BUILD_PREREQUISITE');
    return ctx.planning.shardPrerequisites(quanta, type, ctx.inputs, region);
  }
  for (const d of dims) {
    if (!quanta.group.has(d)) throw new PlanningError(`task '${label}': prerequisite '${c.name}' has dimension '${d}' that the task's data IDs do not determine`, 'BUILD_PREREQUISITE');
  }
  const temporal = byTime ? quanta.group.required.map((d) => universe.element(d)).find((e) => e.temporal) : undefined;
  if (byTime && !temporal) throw new PlanningError(`task '${label}': calibration '${c.datasetType}' needs a time, but the task's dimensions {${quanta.group.required.join(', ')}} have no timespan`, 'BUILD_PREREQUISITE');
  return matchByDataId(ctx.planning, quanta, type, ctx.inputs, temporal, ctx.implied);
}

/** Outputs already present in the output run or the skip-existing collections (one query per output type). */
async function findExistingOutputs(registry: Registry, tx: Knex.Transaction, planning: PlanningQueries, g: PipelineGraph, types: Map<string, NumberedTable>, outputRun: string, spec: BuildSpec): Promise<Map<string, { inRun: FoundDataset[]; skippable: FoundDataset[] }>> {
  const out = new Map<string, { inRun: FoundDataset[]; skippable: FoundDataset[] }>();
  const skipIn = spec.skipExistingIn?.length ? await registry.collections.flatten(spec.skipExistingIn, tx) : [];
  const run = (await registry.collections.has(outputRun, tx)) ? await registry.collections.get(outputRun, tx) : null;
  const searched = [...(run ? [run] : []), ...skipIn.filter((c) => c.type !== 'CALIBRATION' && c.id !== run?.id)];
  if (!searched.length) return out;
  for (const node of g.datasetTypes.values()) {
    if (!node.producer || !(await registry.datasetTypes.has(node.name))) continue;
    const found = await planning.datasetsAt(types.get(node.name)!, await registry.datasetTypes.get(node.name, tx), searched);
    const entry = { inRun: [] as FoundDataset[], skippable: [] as FoundDataset[] };
    const skipIds = new Set([...skipIn.map((c) => c.id), ...(spec.skipExisting && run ? [run.id] : [])]);
    const runs = await runNames(registry, tx, found);
    for (const { idx, datasetId, collectionId, runId } of found) {
      const f = { local: idx, id: datasetId, run: runs.get(runId)! };
      if (run && collectionId === run.id) entry.inRun.push(f);
      if (skipIds.has(collectionId)) entry.skippable.push(f);
    }
    out.set(node.name, entry);
  }
  return out;
}
