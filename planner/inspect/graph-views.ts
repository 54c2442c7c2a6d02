/**
 * Views of a quantum graph for people: which quanta a selection names, a summary, and one
 * JSON object per quantum (drawings are graph-drawing.ts).
 */
import { EDGE_OUTPUT, STATE_NAMES, type GraphOutline, type QuantumGraph } from '../graph/quantum-graph.js';
import { PlanningError } from '../errors.js';
import { dataIdFilter } from './data-id-filter.js';

/** Which quanta to show. */
export interface QuantumSelection {
  readonly task?: string;
  readonly where?: string;
  /** `LABEL:key=value,...` or a quantum number: that quantum and everything upstream of it. */
  readonly upstream?: string;
  /** Same, downstream. */
  readonly downstream?: string;
}

/** The quantum numbers selected, in graph order. */
export function selectQuanta(g: QuantumGraph, selection: QuantumSelection): Int32Array {
  const keep = new Uint8Array(g.quantumCount).fill(1);
  if (selection.task) {
    const t = g.tasks.findIndex((x) => x.label === selection.task);
    if (t < 0) throw new PlanningError(`no task '${selection.task}' in this graph (tasks: ${g.tasks.map((x) => x.label).join(', ')})`, 'SHOW_TASK');
    keep.fill(0);
    keep.fill(1, g.tasks[t]!.quantumOffset, g.tasks[t]!.quantumOffset + g.tasks[t]!.quantumCount);
  }
  if (selection.where) {
    const matches = whereMatches(g, selection.where);
    for (let q = 0; q < keep.length; q++) if (!matches[q]) keep[q] = 0;
  }
  for (const [spec, forward] of [[selection.upstream, false], [selection.downstream, true]] as const) {
    if (!spec) continue;
    const reach = reachable(g, findQuantum(g, spec), forward);
    for (let q = 0; q < keep.length; q++) if (!reach[q]) keep[q] = 0;
  }
  const out: number[] = [];
  for (let q = 0; q < keep.length; q++) if (keep[q]) out.push(q);
  return Int32Array.from(out);
}

/** Every dimension a quantum's or a dataset's data ID has or implies in `g`: the names --where may use. */
export function graphDimensions(g: QuantumGraph): string[] {
  return [...new Set([...[...g.tasks, ...g.datasetTypes].flatMap((x) => x.dimensions), ...g.implied.dimensions])];
}

/** The values of dimension `key` in `g`'s data IDs and implied values. */
function graphValues(g: QuantumGraph, key: string): Set<string | number> {
  const out = new Set<string | number>();
  const columns = [...g.tasks.map((t) => t.dataIds), ...g.datasetTypes.map((t) => t.dataIds), ...g.implied.tables.map((t) => t.columns)];
  for (const c of columns) for (const v of c[key] ?? []) out.add(v);
  return out;
}

/**
 * Quanta whose data ID (with the values it implies) satisfies `where`, or whose data ID
 * combined with one of its inputs' does: `band = 'r'` selects the isr quanta of r-band
 * exposures, and `visit = 3` also the coadds that read visit 3's warps.
 */
function whereMatches(g: QuantumGraph, where: string): Uint8Array {
  const matches = new Uint8Array(g.quantumCount);
  const values = new Map<string, Set<string | number>>();
  const valuesOf = (key: string) => values.get(key) ?? values.set(key, graphValues(g, key)).get(key)!;
  const filter = dataIdFilter(where, graphDimensions(g), valuesOf);
  if (!filter) return matches.fill(1);
  // An input whose keys the quantum already has adds nothing to test.
  const addsKeys = g.connections.map((c) => c.direction !== EDGE_OUTPUT
    && g.datasetTypes[c.datasetType]!.dimensions.some((k) => !g.tasks[c.task]!.dimensions.includes(k)));
  const { offsets, edges } = g.edgesByQuantum();
  for (let q = 0; q < g.quantumCount; q++) {
    const own = g.implied.expand(g.quantumDataId(q));
    if (filter(own)) {
      matches[q] = 1;
      continue;
    }
    for (let i = offsets[q]!; i < offsets[q + 1]!; i++) {
      const e = edges[i]!;
      if (addsKeys[g.edgeConnections[e]!] && filter(g.implied.expand({ ...g.datasetDataId(g.edgeDatasets[e]!), ...own }))) {
        matches[q] = 1;
        break;
      }
    }
  }
  return matches;
}

/** Finds a quantum by number or `label:key=value,...`. */
export function findQuantum(g: QuantumGraph, spec: string): number {
  if (/^\d+$/.test(spec)) {
    const q = Number(spec);
    if (q >= g.quantumCount) throw new PlanningError(`quantum ${q} does not exist (the graph has ${g.quantumCount})`, 'SHOW_QUANTUM');
    return q;
  }
  const [label, keys = ''] = spec.split(':', 2) as [string, string?];
  const t = g.tasks.find((x) => x.label === label);
  if (!t) throw new PlanningError(`'${spec}': no task '${label}' (use LABEL:key=value,... or a quantum number)`, 'SHOW_QUANTUM');
  const want = Object.fromEntries(keys.split(',').filter(Boolean).map((kv) => kv.split('=', 2) as [string, string]));
  for (let q = t.quantumOffset; q < t.quantumOffset + t.quantumCount; q++) {
    const id = g.quantumDataId(q);
    if (Object.entries(want).every(([k, v]) => String(id[k]) === v)) return q;
  }
  throw new PlanningError(`no ${label} quantum matches ${keys}`, 'SHOW_QUANTUM');
}

function reachable(g: QuantumGraph, start: number, forward: boolean): Uint8Array {
  const { offsets, targets } = g.dependencies();
  const seen = new Uint8Array(g.quantumCount);
  // reverse adjacency for upstream walks
  let rOffsets: Int32Array | null = null, rTargets: Int32Array | null = null;
  if (!forward) {
    rOffsets = new Int32Array(g.quantumCount + 1);
    for (let i = 0; i < targets.length; i++) rOffsets[targets[i]! + 1]!++;
    for (let q = 0; q < g.quantumCount; q++) rOffsets[q + 1]! += rOffsets[q]!;
    const fill = rOffsets.slice(0, g.quantumCount);
    rTargets = new Int32Array(targets.length);
    for (let p = 0; p < g.quantumCount; p++) for (let i = offsets[p]!; i < offsets[p + 1]!; i++) rTargets[fill[targets[i]!]!++] = p;
  }
  const stack = [start];
  seen[start] = 1;
  while (stack.length) {
    const q = stack.pop()!;
    const [o, t] = forward ? [offsets, targets] : [rOffsets!, rTargets!];
    for (let i = o[q]!; i < o[q + 1]!; i++) if (!seen[t[i]!]) {
      seen[t[i]!] = 1;
      stack.push(t[i]!);
    }
  }
  return seen;
}

/** One JSON object per selected quantum: task, data ID, inputs and outputs by connection. */
export function* quantumJsonLines(g: QuantumGraph, quanta: Int32Array): Generator<string> {
  const { offsets, edges } = g.edgesByQuantum();
  for (const q of quanta) {
    const inputs: Record<string, unknown[]> = {};
    const outputs: Record<string, unknown[]> = {};
    for (let i = offsets[q]!; i < offsets[q + 1]!; i++) {
      const e = edges[i]!;
      const c = g.connections[g.edgeConnections[e]!]!;
      const d = g.edgeDatasets[e]!;
      const entry = { datasetType: g.datasetTypes[c.datasetType]!.name, dataId: g.datasetDataId(d), run: g.runs[g.datasetRuns[d]!] };
      (c.direction === EDGE_OUTPUT ? outputs : inputs)[c.name] ??= [];
      (c.direction === EDGE_OUTPUT ? outputs : inputs)[c.name]!.push(entry);
    }
    yield JSON.stringify({ task: g.tasks[g.taskOf(q)]!.label, dataId: g.quantumDataId(q), inputs, outputs });
  }
}

/** The tables of `qg show`: one row per task, one per dataset type. */
export interface GraphSummary {
  readonly tasks: (string | number)[][];
  readonly datasetTypes: (string | number)[][];
}

/**
 * Summary rows: per task quanta, per dataset type counts by state. With `quanta`, only
 * those quanta and the datasets they read or write are counted (which takes the edges, so a
 * whole graph); without, an outline is enough.
 */
export function graphSummary(g: GraphOutline): GraphSummary;
export function graphSummary(g: QuantumGraph, quanta?: Int32Array): GraphSummary;
export function graphSummary(g: GraphOutline, quanta?: Int32Array): GraphSummary {
  const { perTask, counted } = quanta ? selectionCounts(g as QuantumGraph, quanta) : wholeCounts(g);
  const tasks = g.tasks.map((t, i) => [t.label, t.taskClass, t.dimensions.join(', '), perTask[i]!]);
  const datasetTypes = g.datasetTypes.map((t) => {
    const counts = [0, 0, 0];
    for (let d = t.datasetOffset; d < t.datasetOffset + t.datasetCount; d++) if (counted[d]) counts[g.datasetStates[d]!]!++;
    return [t.name, t.dimensions.join(', ') || '-', t.storageClass, ...counts];
  });
  return { tasks, datasetTypes };
}

/** Quanta per task and which datasets count (1), for the whole graph. */
function wholeCounts(g: GraphOutline): { perTask: Int32Array; counted: Uint8Array } {
  return { perTask: Int32Array.from(g.tasks, (t) => t.quantumCount), counted: new Uint8Array(g.datasetCount).fill(1) };
}

/** Quanta per task among `quanta`, and the datasets they read or write. */
function selectionCounts(g: QuantumGraph, quanta: Int32Array): { perTask: Int32Array; counted: Uint8Array } {
  const perTask = new Int32Array(g.tasks.length);
  const counted = new Uint8Array(g.datasetCount);
  const { offsets, edges } = g.edgesByQuantum();
  for (const q of quanta) {
    perTask[g.taskOf(q)]!++;
    for (let i = offsets[q]!; i < offsets[q + 1]!; i++) counted[g.edgeDatasets[edges[i]!]!] = 1;
  }
  return { perTask, counted };
}

/** Column names of the dataset-type summary. */
export const DATASET_SUMMARY_COLUMNS = ['datasetType', 'dimensions', 'storageClass', ...STATE_NAMES];
