/**
 * From the bulk query results to the final graph, in typed arrays, task by task in pipeline
 * order and, per quantum, in LSST's order: skip quanta whose outputs all exist in
 * --skip-existing-in; prune quanta with fewer regular inputs than a connection's minimum
 * (the pruning propagates downstream; gathers keep what remains); fail the build on a
 * prerequisite below its minimum (PrerequisiteMissingError); refuse outputs in the way
 * unless --clobber-outputs; then renumber the surviving quanta and datasets.
 */
import { randomFillSync, randomUUID } from 'node:crypto';
import { minimumOf, type Connection, type DatasetTypeNode, type PipelineGraph } from '../../pipelines/index.js';
import { EmptyGraphError, PlanningError, PrerequisiteMissingError } from '../errors.js';
import type { NumberedTable } from './graph-tables.js';
import {
  EDGE_INPUT, EDGE_OUTPUT, EDGE_PREREQUISITE, QuantumGraph, STATE_EXISTING, STATE_PREDICTED, STATE_SKIPPED, dataIdAt, putUuid,
  type DataIdColumns, type GraphConnection, type GraphDatasetType, type GraphHeader, type GraphTask, GRAPH_FORMAT_VERSION,
} from '../graph/quantum-graph.js';
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
    readonly dataIdRows?: readonly unknown[][];
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

/** Per-quantum lists of one connection (CSR over local quantum indices). */
interface Adjacency {
  readonly plan: ConnectionPlan;
  readonly offsets: Int32Array;
  readonly datasets: Int32Array;
  /** index into the graph's dataset types */
  readonly type: number;
  /** index into the graph's connections */
  readonly connection: number;
}

function adjacency(plan: ConnectionPlan, quantumCount: number, type: number, connection: number): Adjacency {
  const offsets = new Int32Array(quantumCount + 1);
  const { quanta, datasets } = plan.pairs;
  for (let i = 0; i < quanta.length; i++) offsets[quanta[i]! + 1]!++;
  for (let qi = 0; qi < quantumCount; qi++) offsets[qi + 1]! += offsets[qi]!;
  const fill = offsets.slice(0, quantumCount);
  const sorted = new Int32Array(datasets.length);
  for (let i = 0; i < quanta.length; i++) sorted[fill[quanta[i]!]!++] = datasets[i]!;
  return { plan, offsets, datasets: sorted, type, connection };
}

interface TypeState {
  readonly name: string;
  readonly dimensions: readonly string[];
  readonly storageClass: string;
  readonly isCalibration: boolean;
  readonly count: number;
  readonly dataIds: DataIdColumns;
  /** 0 missing, 1 available */
  readonly available: Uint8Array;
  /** existing dataset's UUID and run, when found */
  readonly existing: (FoundDataset | undefined)[];
  readonly state: Uint8Array;
  readonly used: Uint8Array;
}

/** Prunes, numbers and packs the graph. */
export function assembleGraph(input: AssemblyInput): QuantumGraph {
  const { pipelineGraph, taskPlans, typePlans } = input;
  // Dataset types: the regular ones, then one per prerequisite type (lookups merged by UUID).
  const types: TypeState[] = [];
  const typeIndex = new Map<string, number>();
  for (const t of typePlans) {
    typeIndex.set(t.node.name, types.length);
    const count = t.table.count;
    const state: TypeState = {
      name: t.node.name, dimensions: t.table.group.required, storageClass: t.node.storageClass, isCalibration: t.node.isCalibration,
      count, dataIds: t.table.dataIds, available: new Uint8Array(count), existing: new Array(count), state: new Uint8Array(count).fill(STATE_PREDICTED), used: new Uint8Array(count),
    };
    for (const f of input.found.get(t.node.name) ?? []) {
      state.available[f.local] = 1;
      state.existing[f.local] = f;
      state.state[f.local] = STATE_EXISTING;
    }
    types.push(state);
  }
  const prereqRemap = new Map<ConnectionPlan, Int32Array>();
  const prereqGroups = new Map<string, ConnectionPlan[]>();
  for (const p of input.connectionPlans) {
    if (p.connection.kind !== 'prerequisite') continue;
    prereqGroups.set(p.connection.datasetType, [...(prereqGroups.get(p.connection.datasetType) ?? []), p]);
  }
  for (const [name, plans] of prereqGroups) {
    const byId = new Map<string, number>();
    const rows: unknown[][] = [];
    const found: FoundDataset[] = [];
    for (const p of plans) {
      const pre = p.prerequisite!;
      const remap = new Int32Array(pre.datasets.length);
      pre.datasets.forEach((f, i) => {
        let local = byId.get(f.id);
        if (local === undefined) {
          local = found.length;
          byId.set(f.id, local);
          found.push({ ...f, local });
          rows.push([...(pre.dataIdRows?.[i] ?? [])]);
        }
        remap[i] = local;
      });
      prereqRemap.set(p, remap);
    }
    const first = plans[0]!;
    const node = pipelineGraph.datasetTypes.get(name)!;
    const count = found.length;
    typeIndex.set(name, types.length);
    types.push({
      name, dimensions: first.prerequisite!.dimensions, storageClass: first.prerequisite!.storageClass ?? node.storageClass,
      isCalibration: first.prerequisite!.isCalibration ?? node.isCalibration, count,
      dataIds: columnsOf(first.prerequisite!.dimensions, rows), available: new Uint8Array(count).fill(1),
      existing: found, state: new Uint8Array(count).fill(STATE_EXISTING), used: new Uint8Array(count),
    });
  }

  // Connections of each task, in the task's declared order.
  const connections: GraphConnection[] = [];
  const byTask: Adjacency[][] = taskPlans.map(() => []);
  for (const [ti, task] of pipelineGraph.tasks.entries()) {
    for (const c of task.connections) {
      if (c.kind === 'initInput') continue;
      const plan = input.connectionPlans.find((p) => p.task === ti && p.connection === c);
      const typeIdx = typeIndex.get(c.datasetType);
      const direction = c.kind === 'output' || c.kind === 'initOutput' ? EDGE_OUTPUT : c.kind === 'prerequisite' ? EDGE_PREREQUISITE : EDGE_INPUT;
      if (typeIdx === undefined) {
        // a prerequisite type the registry does not know: no datasets at all
        typeIndex.set(c.datasetType, types.length);
        types.push({ name: c.datasetType, dimensions: c.dimensions, storageClass: c.storageClass, isCalibration: c.isCalibration === true, count: 0, dataIds: columnsOf(c.dimensions, []), available: new Uint8Array(0), existing: [], state: new Uint8Array(0), used: new Uint8Array(0) });
      }
      connections.push({ task: ti, name: c.name, datasetType: typeIndex.get(c.datasetType)!, direction });
      const empty: ConnectionPlan = { task: ti, connection: c, pairs: { quanta: new Int32Array(0), datasets: new Int32Array(0) } };
      const p = plan ?? empty;
      let pairs = p.pairs;
      const remap = prereqRemap.get(p);
      if (remap) pairs = { quanta: p.pairs.quanta, datasets: p.pairs.datasets.map((d) => remap[d]!) };
      byTask[ti]!.push(adjacency({ ...p, pairs }, taskPlans[ti]!.table.count, typeIndex.get(c.datasetType)!, connections.length - 1));
    }
  }

  // Prune and skip, task by task in dependency order.
  const pruned = new Map<string, { task: string; reason: string; count: number; examples: Record<string, string | number>[] }>();
  const keep: Uint8Array[] = [];
  for (const [ti, task] of taskPlans.entries()) {
    const n = task.table.count;
    const kept = new Uint8Array(n);
    const adj = byTask[ti]!;
    const outputs = adj.filter((a) => a.plan.connection.kind === 'output');
    for (const a of adj) if (a.plan.connection.kind === 'initOutput' && types[a.type]!.count) types[a.type]!.available[0] = 1;
    const inRun = outputs.map((a) => new Map((input.existingOutputs.get(types[a.type]!.name)?.inRun ?? []).map((f) => [f.local, f])));
    const skippable = outputs.map((a) => new Map((input.existingOutputs.get(types[a.type]!.name)?.skippable ?? []).map((f) => [f.local, f])));
    const inputs = adj.filter((a) => a.plan.connection.kind === 'input');
    const prerequisites = adj.filter((a) => a.plan.connection.kind === 'prerequisite');
    for (let qi = 0; qi < n; qi++) {
      // LSST's order: a quantum whose outputs all exist is skipped before its inputs are looked at;
      // then too few regular inputs prune it, and too few prerequisites fail the build.
      const allSkippable = outputs.length > 0 && outputs.every((a, k) => {
        for (let i = a.offsets[qi]!; i < a.offsets[qi + 1]!; i++) if (!skippable[k]!.has(a.datasets[i]!)) return false;
        return true;
      });
      if (!allSkippable) {
        const reason = shortInput(inputs, types, qi);
        if (reason) {
          const key = `${task.label}\u0000${reason}`;
          const entry = pruned.get(key) ?? { task: task.label, reason, count: 0, examples: [] };
          entry.count++;
          if (entry.examples.length < 3) entry.examples.push(dataIdAt(task.table.dataIds, task.table.group.required, qi));
          pruned.set(key, entry);
          continue;
        }
        checkPrerequisites(task, prerequisites, types, qi);
      }
      outputs.forEach((a, k) => {
        const t = types[a.type]!;
        for (let i = a.offsets[qi]!; i < a.offsets[qi + 1]!; i++) {
          const d = a.datasets[i]!;
          t.available[d] = 1;
          if (allSkippable) {
            t.existing[d] = skippable[k]!.get(d);
            t.state[d] = STATE_SKIPPED;
          } else if (inRun[k]!.has(d)) {
            // with --clobber-outputs the executor replaces it when the quantum runs
            if (!input.clobberOutputs) {
              throw new PlanningError(`output ${t.name} ${JSON.stringify(dataIdAt(t.dataIds, t.dimensions, d))} already exists in run '${input.outputRun}' ` +
                `(dataset ${inRun[k]!.get(d)!.id}); use --clobber-outputs to replace it or --skip-existing-in ${input.outputRun} to keep it`, 'BUILD_OUTPUT_IN_THE_WAY');
            }
          }
        }
      });
      kept[qi] = allSkippable ? 2 : 1;
    }
    keep.push(kept);
  }

  // Number surviving quanta, mark the datasets their edges use.
  const graphTasks: GraphTask[] = [];
  const edgeQ: number[] = [], edgeD: number[] = [], edgeC: number[] = [];
  const pendingEdges: { q: number; type: number; local: number; c: number }[] = [];
  let offset = 0;
  for (const [ti, task] of taskPlans.entries()) {
    const kept = keep[ti]!;
    const newIndex = new Int32Array(kept.length).fill(-1);
    const rows: number[] = [];
    for (let qi = 0; qi < kept.length; qi++) if (kept[qi] === 1) newIndex[qi] = offset + rows.push(qi) - 1;
    for (const a of byTask[ti]!) {
      if (a.plan.connection.kind === 'initOutput') {
        // written once per task (its config): present when the task has quanta; no quantum edges
        if (rows.length && types[a.type]!.count) types[a.type]!.used[0] = 1;
        continue;
      }
      const c = a.connection;
      const t = types[a.type]!;
      for (const qi of rows) {
        for (let i = a.offsets[qi]!; i < a.offsets[qi + 1]!; i++) {
          const d = a.datasets[i]!;
          if (a.plan.connection.kind !== 'output' && !t.available[d]) continue; // gathered inputs take what exists
          t.used[d] = 1;
          pendingEdges.push({ q: newIndex[qi]!, type: a.type, local: d, c });
        }
      }
    }
    graphTasks.push({
      label: task.label, taskClass: task.taskClass, dimensions: task.table.group.required, config: task.config, ...taskExecution(pipelineGraph.tasks[ti]!),
      quantumOffset: offset, quantumCount: rows.length, dataIds: subsetColumns(task.table.dataIds, Int32Array.from(rows)),
    });
    offset += rows.length;
  }
  if (offset === 0) {
    // in pipeline order: the first task's reasons are the root causes, later ones follow from them
    const reasons = [...pruned.values()].map((p) => `${p.count} ${p.task} quanta pruned: ${p.reason} (e.g. ${JSON.stringify(p.examples[0])})`);
    const skipped = keep.reduce((n, k) => n + k.filter((x) => x === 2).length, 0);
    if (skipped) reasons.unshift(`${skipped} quanta skipped: all their outputs already exist in ${input.skipExistingIn.join(', ')}`);
    throw new EmptyGraphError('the graph is empty: every quantum was pruned or skipped', reasons);
  }

  // Number the used datasets type by type.
  const runs: string[] = [];
  const runIndex = new Map<string, number>();
  const runOf = (name: string) => {
    let i = runIndex.get(name);
    if (i === undefined) {
      i = runs.push(name) - 1;
      runIndex.set(name, i);
    }
    return i;
  };
  const graphTypes: GraphDatasetType[] = [];
  const localToGlobal: Int32Array[] = [];
  let datasetOffset = 0;
  for (const t of types) {
    const map = new Int32Array(t.count).fill(-1);
    const rows: number[] = [];
    for (let d = 0; d < t.count; d++) if (t.used[d]) map[d] = datasetOffset + rows.push(d) - 1;
    localToGlobal.push(map);
    graphTypes.push({
      name: t.name, dimensions: t.dimensions, storageClass: t.storageClass, isCalibration: t.isCalibration,
      datasetOffset, datasetCount: rows.length, dataIds: subsetColumns(t.dataIds, Int32Array.from(rows)),
    });
    datasetOffset += rows.length;
  }
  const ids = new Uint8Array(datasetOffset * 16);
  randomFillSync(ids);
  const datasetRuns = new Int32Array(datasetOffset);
  const states = new Uint8Array(datasetOffset);
  const outputRunIndex = runOf(input.outputRun);
  types.forEach((t, ti) => {
    const map = localToGlobal[ti]!;
    for (let d = 0; d < t.count; d++) {
      const g = map[d]!;
      if (g < 0) continue;
      const existing = t.existing[d];
      states[g] = t.state[d]!;
      if (existing && t.state[d] !== STATE_PREDICTED) {
        putUuid(ids, g, existing.id);
        datasetRuns[g] = runOf(existing.run);
      } else {
        // random (version 4) UUID for a predicted output
        ids[g * 16 + 6] = (ids[g * 16 + 6]! & 0x0f) | 0x40;
        ids[g * 16 + 8] = (ids[g * 16 + 8]! & 0x3f) | 0x80;
        datasetRuns[g] = outputRunIndex;
      }
    }
  });
  for (const e of pendingEdges) {
    edgeQ.push(e.q);
    edgeD.push(localToGlobal[e.type]![e.local]!);
    edgeC.push(e.c);
  }
  const header: GraphHeader = {
    formatVersion: GRAPH_FORMAT_VERSION, command: input.command, created: new Date().toISOString(),
    inputs: input.inputs, outputChain: input.outputChain, outputRun: input.outputRun, where: input.where, pipeline: input.pipeline,
    pruned: [...pruned.values()], phases: input.phases,
    repositoryId: input.repositoryId, buildId: randomUUID(), clobberOutputs: input.clobberOutputs,
    ...(input.replacedRun !== undefined ? { replacedRun: input.replacedRun } : {}),
  };
  return new QuantumGraph(header, graphTasks, graphTypes, connections, runs, ids, datasetRuns, states,
    Int32Array.from(edgeQ), Int32Array.from(edgeD), Int32Array.from(edgeC));
}

/**
 * Why quantum `qi` cannot run for want of a regular input: the first connection (in declared
 * order) with fewer available datasets than it needs (a non-multiple one needs at most 1;
 * minimum 0 is optional), or null. Gathers count only datasets that exist or will be made.
 */
function shortInput(inputs: readonly Adjacency[], types: readonly TypeState[], qi: number): string | null {
  for (const a of inputs) {
    const c = a.plan.connection;
    const t = types[a.type]!;
    let available = 0;
    for (let i = a.offsets[qi]!; i < a.offsets[qi + 1]!; i++) available += t.available[a.datasets[i]!]!;
    const need = c.multiple ? minimumOf(c) : Math.min(1, minimumOf(c));
    if (available < need) return need === 1 && !c.multiple ? `no ${c.datasetType} for input '${c.name}'` : `${available} ${c.datasetType} for input '${c.name}', fewer than its minimum ${need}`;
  }
  return null;
}

/** Fails the build when quantum `qi` has fewer datasets than a prerequisite connection's minimum (LSST: FileNotFoundError). */
function checkPrerequisites(task: TaskPlan, prerequisites: readonly Adjacency[], types: readonly TypeState[], qi: number): void {
  for (const a of prerequisites) {
    const c = a.plan.connection;
    const found = a.offsets[qi + 1]! - a.offsets[qi]!;
    if (found < minimumOf(c)) {
      throw new PrerequisiteMissingError(task.label, c.name, c.datasetType, found, minimumOf(c), dataIdAt(task.table.dataIds, task.table.group.required, qi), types[a.type]!.isCalibration);
    }
  }
}

function subsetColumns(columns: DataIdColumns, rows: Int32Array): DataIdColumns {
  const out: Record<string, Float64Array | string[]> = {};
  for (const [name, values] of Object.entries(columns)) {
    if (values instanceof Float64Array) {
      const col = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) col[i] = values[rows[i]!]!;
      out[name] = col;
    } else {
      out[name] = Array.from(rows, (r) => values[r]!);
    }
  }
  return out;
}
