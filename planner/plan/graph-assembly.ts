/**
 * From the bulk query results to the final graph, in typed arrays, in named steps:
 *  1. dataset type states: the regular types, then one per prerequisite type (the lookups of
 *     its connections merged by UUID);
 *  2. adjacency: each connection's (quantum, dataset) pairs grouped by quantum (CSR);
 *  3. prune and skip, task by task in pipeline order and, per quantum, in LSST's order: skip
 *     quanta whose outputs all exist in --skip-existing-in; prune quanta with fewer regular
 *     inputs than a connection's minimum (the pruning propagates downstream; gathers keep
 *     what remains); fail the build on a prerequisite below its minimum
 *     (PrerequisiteMissingError); refuse outputs in the way unless --clobber-outputs;
 *  4. numbering: the quanta that run, then the datasets their edges use, type by type.
 */
import { randomFillSync, randomUUID } from 'node:crypto';
import { minimumOf, type Connection, type DatasetTypeNode, type PipelineGraph } from '../../pipelines/index.js';
import { EmptyGraphError, PlanningError, PrerequisiteMissingError } from '../errors.js';
import { csrFromPairs } from '../graph/csr.js';
import { ImpliedValues, type ImpliedTable } from '../graph/implied-values.js';
import { leftOutCauses, pruneReasonText, type PruneReason, type PrunedQuanta, type QuantaLeftOut } from '../graph/prune-reasons.js';
import {
  EDGE_INPUT, EDGE_OUTPUT, EDGE_PREREQUISITE, QuantumGraph, STATE_EXISTING, STATE_PREDICTED, STATE_SKIPPED, dataIdAt, putUuid,
  type DataIdColumns, type GraphConnection, type GraphDatasetType, type GraphHeader, type GraphTask, GRAPH_FORMAT_VERSION,
} from '../graph/quantum-graph.js';
import type { NumberedTable } from './graph-tables.js';
import { columnsOf } from './graph-tables.js';
import { taskExecution } from './task-execution.js';

/** A dataset found in the registry: its local index in its type's table, UUID and RUN. */
export interface FoundDataset {
  readonly local: number;
  readonly id: string;
  readonly run: string;
}

/** One connection's (quantum, dataset) pairs, in local indices. */
export interface ConnectionPlan {
  readonly task: number;
  readonly connection: Connection;
  readonly pairs: { readonly quanta: Int32Array; readonly datasets: Int32Array };
  /** For prerequisites: the datasets the lookup found (local index = position). */
  readonly prerequisite?: {
    readonly datasets: readonly FoundDataset[];
    readonly dimensions: readonly string[];
    readonly dataIdRows?: readonly (readonly unknown[])[];
    readonly storageClass?: string;
    readonly isCalibration?: boolean;
  };
}

/** A task's numbered quanta. */
export interface TaskPlan {
  readonly label: string;
  readonly taskClass: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly table: NumberedTable;
}

/** A regular dataset type's numbered data IDs. */
export interface TypePlan {
  readonly node: DatasetTypeNode;
  readonly table: NumberedTable;
}

/** Everything the assembly needs. */
export interface AssemblyInput {
  readonly pipelineGraph: PipelineGraph;
  readonly taskPlans: readonly TaskPlan[];
  readonly typePlans: readonly TypePlan[];
  readonly connectionPlans: readonly ConnectionPlan[];
  readonly found: ReadonlyMap<string, readonly FoundDataset[]>;
  readonly existingOutputs: ReadonlyMap<string, { inRun: readonly FoundDataset[]; skippable: readonly FoundDataset[] }>;
  /** The values the data IDs imply, by element (the graph keeps them for `qg show --where`). */
  readonly implied: readonly ImpliedTable[];
  readonly outputRun: string;
  readonly outputChain: string | null;
  readonly inputs: readonly string[];
  readonly where: string;
  readonly command: string;
  readonly pipeline: string;
  readonly clobberOutputs: boolean;
  readonly skipExistingIn: readonly string[];
  /** --replace-run: the chain's head RUN that the new run replaces. */
  readonly replacedRun?: string;
  /** UUID of the repository the graph is planned against. */
  readonly repositoryId: string;
  readonly phases: Readonly<Record<string, { statements: number; seconds: number }>>;
}

/** What the pruning step made of a quantum (one byte per quantum). */
const QUANTUM_PRUNED = 0;
const QUANTUM_RUNS = 1;
/** All its outputs exist in --skip-existing-in: left out of the graph, its outputs kept as they are. */
const QUANTUM_SKIPPED = 2;

/** One dataset type's datasets in local indices, as the assembly works on them. */
interface TypeState {
  readonly name: string;
  readonly dimensions: readonly string[];
  readonly storageClass: string;
  readonly isCalibration: boolean;
  readonly count: number;
  readonly dataIds: DataIdColumns;
  /** 1 when the dataset exists or a quantum that runs (or is skipped) makes it */
  readonly available: Uint8Array;
  /** existing dataset's UUID and run, when found */
  readonly existing: (FoundDataset | undefined)[];
  readonly state: Uint8Array;
  /** 1 when an edge of the graph uses it */
  readonly used: Uint8Array;
}

/** Per-quantum datasets of one connection (CSR over the task's local quantum indices). */
interface Adjacency {
  readonly connection: Connection;
  readonly offsets: Int32Array;
  readonly datasets: Int32Array;
  /** index into the graph's dataset types */
  readonly type: number;
  /** index into the graph's connections */
  readonly graphConnection: number;
}

/** The first `count` edges found while numbering quanta, their datasets still in local indices of their types. */
interface PendingEdges {
  readonly count: number;
  readonly quanta: Int32Array;
  readonly types: Int32Array;
  readonly datasets: Int32Array;
  readonly connections: Int32Array;
}

/** Prunes, numbers and packs the graph. */
export function assembleGraph(input: AssemblyInput): QuantumGraph {
  const { types, typeIndex, remaps } = datasetTypeStates(input);
  const { connections, byTask } = connectionAdjacency(input, types, typeIndex, remaps);
  const { fates, pruned } = pruneAndSkip(input, types, byTask);
  const { tasks, edges } = numberQuanta(input, types, byTask, fates);
  if (tasks.every((t) => t.quantumCount === 0)) throw emptyGraphError(fates, pruned, input.skipExistingIn);
  const datasets = numberDatasets(types, input.outputRun);
  const edgeDatasets = new Int32Array(edges.count);
  for (let e = 0; e < edges.count; e++) edgeDatasets[e] = datasets.localToGlobal[edges.types[e]!]![edges.datasets[e]!]!;
  return new QuantumGraph(graphHeader(input, pruned), tasks, datasets.types, connections, datasets.runs, datasets.ids, datasets.runIndexes, datasets.states,
    edges.quanta.slice(0, edges.count), edgeDatasets, edges.connections.slice(0, edges.count), new ImpliedValues(input.implied));
}

/** A type's state: `found` exists, the rest is predicted (missing until a quantum makes it). */
function typeState(
  description: Pick<TypeState, 'name' | 'dimensions' | 'storageClass' | 'isCalibration' | 'dataIds'>, count: number, found: readonly FoundDataset[],
): TypeState {
  const state: TypeState = {
    ...description, count, available: new Uint8Array(count), existing: new Array(count), state: new Uint8Array(count).fill(STATE_PREDICTED), used: new Uint8Array(count),
  };
  for (const f of found) {
    state.available[f.local] = 1;
    state.existing[f.local] = f;
    state.state[f.local] = STATE_EXISTING;
  }
  return state;
}

/**
 * Step 1: the regular types, then one per prerequisite type, whose datasets are the union
 * (by UUID) of its connections' lookups; `remaps` takes each lookup's local indices to the
 * merged type's.
 */
function datasetTypeStates(input: AssemblyInput): { types: TypeState[]; typeIndex: Map<string, number>; remaps: Map<ConnectionPlan, Int32Array> } {
  const types: TypeState[] = [];
  const typeIndex = new Map<string, number>();
  for (const t of input.typePlans) {
    typeIndex.set(t.node.name, types.length);
    types.push(typeState({ name: t.node.name, dimensions: t.table.group.required, storageClass: t.node.storageClass, isCalibration: t.node.isCalibration, dataIds: t.table.dataIds },
      t.table.count, input.found.get(t.node.name) ?? []));
  }
  const remaps = new Map<ConnectionPlan, Int32Array>();
  const prerequisites = new Map<string, ConnectionPlan[]>();
  for (const p of input.connectionPlans) {
    if (p.connection.kind === 'prerequisite') prerequisites.set(p.connection.datasetType, [...(prerequisites.get(p.connection.datasetType) ?? []), p]);
  }
  for (const [name, plans] of prerequisites) {
    typeIndex.set(name, types.length);
    types.push(mergePrerequisites(input.pipelineGraph.datasetTypes.get(name)!, plans, remaps));
  }
  return { types, typeIndex, remaps };
}

/** The state of prerequisite type `node`, merging the lookups of `plans` (and recording each one's remap). */
function mergePrerequisites(node: DatasetTypeNode, plans: readonly ConnectionPlan[], remaps: Map<ConnectionPlan, Int32Array>): TypeState {
  const byId = new Map<string, number>();
  const rows: unknown[][] = [];
  const found: FoundDataset[] = [];
  for (const p of plans) {
    const lookup = p.prerequisite!;
    const remap = new Int32Array(lookup.datasets.length);
    lookup.datasets.forEach((f, i) => {
      let local = byId.get(f.id);
      if (local === undefined) {
        local = found.length;
        byId.set(f.id, local);
        found.push({ ...f, local });
        rows.push([...(lookup.dataIdRows?.[i] ?? [])]);
      }
      remap[i] = local;
    });
    remaps.set(p, remap);
  }
  const first = plans[0]!.prerequisite!;
  return typeState({
    name: node.name, dimensions: first.dimensions, storageClass: first.storageClass ?? node.storageClass,
    isCalibration: first.isCalibration ?? node.isCalibration, dataIds: columnsOf(first.dimensions, rows),
  }, found.length, found);
}

/**
 * Step 2: the graph's connections (each task's in its declared order, init-inputs left out)
 * and their adjacency, task by task. A prerequisite type the registry does not know gets an
 * empty type.
 */
function connectionAdjacency(
  input: AssemblyInput, types: TypeState[], typeIndex: Map<string, number>, remaps: ReadonlyMap<ConnectionPlan, Int32Array>,
): { connections: GraphConnection[]; byTask: Adjacency[][] } {
  const connections: GraphConnection[] = [];
  const byTask: Adjacency[][] = [];
  for (const [ti, task] of input.pipelineGraph.tasks.entries()) {
    const adjacencies: Adjacency[] = [];
    for (const c of task.connections) {
      if (c.kind === 'initInput') continue;
      let type = typeIndex.get(c.datasetType);
      if (type === undefined) {
        type = types.push(typeState({ name: c.datasetType, dimensions: c.dimensions, storageClass: c.storageClass, isCalibration: c.isCalibration === true, dataIds: columnsOf(c.dimensions, []) }, 0, [])) - 1;
        typeIndex.set(c.datasetType, type);
      }
      connections.push({ task: ti, name: c.name, datasetType: type, direction: edgeDirection(c) });
      const plan = input.connectionPlans.find((p) => p.task === ti && p.connection === c);
      const remap = plan && remaps.get(plan);
      const datasets = remap ? plan.pairs.datasets.map((d) => remap[d]!) : plan?.pairs.datasets ?? new Int32Array(0);
      const grouped = csrFromPairs(input.taskPlans[ti]!.table.count, plan?.pairs.quanta ?? new Int32Array(0), datasets);
      adjacencies.push({ connection: c, offsets: grouped.offsets, datasets: grouped.values, type, graphConnection: connections.length - 1 });
    }
    byTask.push(adjacencies);
  }
  return { connections, byTask };
}

function edgeDirection(c: Connection): GraphConnection['direction'] {
  if (c.kind === 'output' || c.kind === 'initOutput') return EDGE_OUTPUT;
  return c.kind === 'prerequisite' ? EDGE_PREREQUISITE : EDGE_INPUT;
}

/** An output connection of a task with its datasets already in the output run and in --skip-existing-in (by local index). */
interface OutputLookup {
  readonly adjacency: Adjacency;
  readonly inRun: ReadonlyMap<number, FoundDataset>;
  readonly skippable: ReadonlyMap<number, FoundDataset>;
}

/**
 * Step 3: the fate of every quantum (QUANTUM_PRUNED, _RUNS, _SKIPPED), task by task in
 * dependency order, marking the outputs of the quanta that remain available downstream;
 * and the pruned quanta grouped by task and reason, in that order.
 */
function pruneAndSkip(input: AssemblyInput, types: readonly TypeState[], byTask: readonly (readonly Adjacency[])[]): { fates: Uint8Array[]; pruned: PrunedQuanta[] } {
  const pruned = new Map<string, { reason: PruneReason; count: number; examples: Record<string, string | number>[] }>();
  const fates = input.taskPlans.map((task, ti) => {
    const adjacencies = byTask[ti]!;
    for (const a of adjacencies) if (a.connection.kind === 'initOutput' && types[a.type]!.count) types[a.type]!.available[0] = 1;
    const outputs = adjacencies.filter((a) => a.connection.kind === 'output').map((a): OutputLookup => {
      const existing = input.existingOutputs.get(types[a.type]!.name);
      return { adjacency: a, inRun: new Map((existing?.inRun ?? []).map((f) => [f.local, f])), skippable: new Map((existing?.skippable ?? []).map((f) => [f.local, f])) };
    });
    const inputs = adjacencies.filter((a) => a.connection.kind === 'input');
    const prerequisites = adjacencies.filter((a) => a.connection.kind === 'prerequisite');
    const fate = new Uint8Array(task.table.count);
    for (let qi = 0; qi < fate.length; qi++) {
      // LSST's order: a quantum whose outputs all exist is skipped before its inputs are looked at;
      // then too few regular inputs prune it, and too few prerequisites fail the build.
      const skipped = allOutputsSkippable(outputs, qi);
      if (!skipped) {
        const reason = shortInput(task.label, inputs, types, qi);
        if (reason) {
          const key = `${task.label}\u0000${pruneReasonText(reason)}`;
          const group = pruned.get(key) ?? { reason, count: 0, examples: [] };
          group.count++;
          if (group.examples.length < 3) group.examples.push(dataIdAt(task.table.dataIds, task.table.group.required, qi));
          pruned.set(key, group);
          fate[qi] = QUANTUM_PRUNED;
          continue;
        }
        checkPrerequisites(task, prerequisites, types, qi);
      }
      for (const o of outputs) markOutputs(input, types[o.adjacency.type]!, o, qi, skipped);
      fate[qi] = skipped ? QUANTUM_SKIPPED : QUANTUM_RUNS;
    }
    return fate;
  });
  return { fates, pruned: [...pruned.values()] };
}

function allOutputsSkippable(outputs: readonly OutputLookup[], qi: number): boolean {
  return outputs.length > 0 && outputs.every(({ adjacency: a, skippable }) => {
    for (let i = a.offsets[qi]!; i < a.offsets[qi + 1]!; i++) if (!skippable.has(a.datasets[i]!)) return false;
    return true;
  });
}

/**
 * The outputs of quantum `qi` through one connection become available downstream: as the
 * existing datasets when the quantum is skipped; otherwise an output already in the output
 * run fails the build unless --clobber-outputs (the executor then replaces it).
 */
function markOutputs(input: AssemblyInput, t: TypeState, o: OutputLookup, qi: number, skipped: boolean): void {
  const a = o.adjacency;
  for (let i = a.offsets[qi]!; i < a.offsets[qi + 1]!; i++) {
    const d = a.datasets[i]!;
    t.available[d] = 1;
    if (skipped) {
      t.existing[d] = o.skippable.get(d);
      t.state[d] = STATE_SKIPPED;
    } else if (!input.clobberOutputs && o.inRun.has(d)) {
      throw new PlanningError(`output ${t.name} ${JSON.stringify(dataIdAt(t.dataIds, t.dimensions, d))} already exists in run '${input.outputRun}' ` +
        `(dataset ${o.inRun.get(d)!.id}); use --clobber-outputs to replace it or --skip-existing-in ${input.outputRun} to keep it`, 'BUILD_OUTPUT_IN_THE_WAY');
    }
  }
}

/**
 * Why quantum `qi` cannot run for want of a regular input: the first connection (in declared
 * order) with fewer available datasets than it needs (a non-multiple one needs at most 1;
 * minimum 0 is optional), or null. Gathers count only datasets that exist or will be made.
 */
function shortInput(task: string, inputs: readonly Adjacency[], types: readonly TypeState[], qi: number): PruneReason | null {
  for (const a of inputs) {
    const c = a.connection;
    const t = types[a.type]!;
    let available = 0;
    for (let i = a.offsets[qi]!; i < a.offsets[qi + 1]!; i++) available += t.available[a.datasets[i]!]!;
    const need = c.multiple ? minimumOf(c) : Math.min(1, minimumOf(c));
    if (available >= need) continue;
    const where = { task, connection: c.name, datasetType: c.datasetType };
    return need === 1 && !c.multiple ? { kind: 'missingInput', ...where } : { kind: 'belowMinimum', ...where, available, minimum: need };
  }
  return null;
}

/** Fails the build when quantum `qi` has fewer datasets than a prerequisite connection's minimum (LSST: FileNotFoundError). */
function checkPrerequisites(task: TaskPlan, prerequisites: readonly Adjacency[], types: readonly TypeState[], qi: number): void {
  for (const a of prerequisites) {
    const c = a.connection;
    const found = a.offsets[qi + 1]! - a.offsets[qi]!;
    if (found < minimumOf(c)) {
      throw new PrerequisiteMissingError(task.label, c.name, c.datasetType, found, minimumOf(c), dataIdAt(task.table.dataIds, task.table.group.required, qi), types[a.type]!.isCalibration);
    }
  }
}

/**
 * Step 4a: numbers the quanta that run (task by task, each task's in local order), marks
 * the datasets their edges use and lists the edges (each task's connections in declared
 * order, then by quantum). Gathered and optional inputs take only the datasets available.
 */
function numberQuanta(
  input: AssemblyInput, types: readonly TypeState[], byTask: readonly (readonly Adjacency[])[], fates: readonly Uint8Array[],
): { tasks: GraphTask[]; edges: PendingEdges } {
  const tasks: GraphTask[] = [];
  // at most one edge per (quantum, dataset) pair
  const capacity = byTask.reduce((n, adjacencies) => adjacencies.reduce((m, a) => m + a.datasets.length, n), 0);
  const quanta = new Int32Array(capacity), edgeTypes = new Int32Array(capacity), datasets = new Int32Array(capacity), connections = new Int32Array(capacity);
  let count = 0;
  let offset = 0;
  for (const [ti, task] of input.taskPlans.entries()) {
    const fate = fates[ti]!;
    const runs = new Int32Array(fate.length);
    let n = 0;
    const newIndex = new Int32Array(fate.length).fill(-1);
    for (let qi = 0; qi < fate.length; qi++) {
      if (fate[qi] !== QUANTUM_RUNS) continue;
      newIndex[qi] = offset + n;
      runs[n++] = qi;
    }
    const rows = runs.subarray(0, n);
    for (const a of byTask[ti]!) {
      const t = types[a.type]!;
      if (a.connection.kind === 'initOutput') {
        // written once per task (its config): present when the task has quanta; no quantum edges
        if (rows.length && t.count) t.used[0] = 1;
        continue;
      }
      const isOutput = a.connection.kind === 'output';
      for (let r = 0; r < rows.length; r++) {
        const qi = rows[r]!;
        for (let i = a.offsets[qi]!; i < a.offsets[qi + 1]!; i++) {
          const d = a.datasets[i]!;
          if (!isOutput && !t.available[d]) continue;
          t.used[d] = 1;
          quanta[count] = newIndex[qi]!;
          edgeTypes[count] = a.type;
          datasets[count] = d;
          connections[count++] = a.graphConnection;
        }
      }
    }
    tasks.push({
      label: task.label, taskClass: task.taskClass, dimensions: task.table.group.required, config: task.config, ...taskExecution(input.pipelineGraph.tasks[ti]!),
      quantumOffset: offset, quantumCount: rows.length, dataIds: subsetColumns(task.table.dataIds, rows),
    });
    offset += rows.length;
  }
  return { tasks, edges: { count, quanta, types: edgeTypes, datasets, connections } };
}

/** The error of a graph with no quantum left, its causes as text and as data. */
function emptyGraphError(fates: readonly Uint8Array[], pruned: readonly PrunedQuanta[], skipExistingIn: readonly string[]): EmptyGraphError {
  let skipped = 0;
  for (const fate of fates) for (const f of fate) if (f === QUANTUM_SKIPPED) skipped++;
  const leftOut: QuantaLeftOut = { pruned, skipped, skipExistingIn };
  return new EmptyGraphError('the graph is empty: every quantum was pruned or skipped', leftOutCauses(leftOut), undefined, leftOut);
}

/** The graph's datasets, numbered type by type. */
interface NumberedDatasets {
  readonly types: GraphDatasetType[];
  /** Per type: local index -> global dataset number, -1 when no edge uses it. */
  readonly localToGlobal: Int32Array[];
  readonly runs: string[];
  readonly ids: Uint8Array;
  readonly runIndexes: Int32Array;
  readonly states: Uint8Array;
}

/**
 * Step 4b: numbers the used datasets type by type, with their UUIDs, runs and states: an
 * existing (or skipped) dataset keeps its own, a predicted output gets a random (version 4)
 * UUID in the output run.
 */
function numberDatasets(types: readonly TypeState[], outputRun: string): NumberedDatasets {
  const graphTypes: GraphDatasetType[] = [];
  const localToGlobal: Int32Array[] = [];
  let datasetOffset = 0;
  for (const t of types) {
    const map = new Int32Array(t.count).fill(-1);
    const rows = new Int32Array(t.count);
    let n = 0;
    for (let d = 0; d < t.count; d++) {
      if (!t.used[d]) continue;
      map[d] = datasetOffset + n;
      rows[n++] = d;
    }
    localToGlobal.push(map);
    graphTypes.push({
      name: t.name, dimensions: t.dimensions, storageClass: t.storageClass, isCalibration: t.isCalibration,
      datasetOffset, datasetCount: n, dataIds: subsetColumns(t.dataIds, rows.subarray(0, n)),
    });
    datasetOffset += n;
  }
  const runs: string[] = [];
  const runIndex = new Map<string, number>();
  const runOf = (name: string) => {
    let i = runIndex.get(name);
    if (i === undefined) runIndex.set(name, (i = runs.push(name) - 1));
    return i;
  };
  const ids = randomFillSync(new Uint8Array(datasetOffset * 16));
  const runIndexes = new Int32Array(datasetOffset);
  const states = new Uint8Array(datasetOffset);
  const outputRunIndex = runOf(outputRun);
  types.forEach((t, ti) => {
    const map = localToGlobal[ti]!;
    for (let d = 0; d < t.count; d++) {
      const g = map[d]!;
      if (g < 0) continue;
      const existing = t.existing[d];
      states[g] = t.state[d]!;
      if (existing && t.state[d] !== STATE_PREDICTED) {
        putUuid(ids, g, existing.id);
        runIndexes[g] = runOf(existing.run);
      } else {
        ids[g * 16 + 6] = (ids[g * 16 + 6]! & 0x0f) | 0x40;
        ids[g * 16 + 8] = (ids[g * 16 + 8]! & 0x3f) | 0x80;
        runIndexes[g] = outputRunIndex;
      }
    }
  });
  return { types: graphTypes, localToGlobal, runs, ids, runIndexes, states };
}

function graphHeader(input: AssemblyInput, pruned: readonly PrunedQuanta[]): GraphHeader {
  return {
    formatVersion: GRAPH_FORMAT_VERSION, command: input.command, created: new Date().toISOString(),
    inputs: input.inputs, outputChain: input.outputChain, outputRun: input.outputRun, where: input.where, pipeline: input.pipeline,
    pruned: pruned.map((p) => ({ task: p.reason.task, reason: pruneReasonText(p.reason), count: p.count, examples: p.examples })), phases: input.phases,
    repositoryId: input.repositoryId, buildId: randomUUID(), clobberOutputs: input.clobberOutputs,
    ...(input.replacedRun !== undefined ? { replacedRun: input.replacedRun } : {}),
  };
}

/** The `rows` (ascending, distinct) of data-ID columns: the columns themselves when that is every row (nothing pruned). */
function subsetColumns(columns: DataIdColumns, rows: Int32Array): DataIdColumns {
  if (Object.values(columns).every((values) => values.length === rows.length)) return columns;
  const out: Record<string, Float64Array | string[]> = {};
  for (const [name, values] of Object.entries(columns)) {
    if (values instanceof Float64Array) {
      const col = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) col[i] = values[rows[i]!]!;
      out[name] = col;
    } else {
      const col: string[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) col[i] = values[rows[i]!]!;
      out[name] = col;
    }
  }
  return out;
}
