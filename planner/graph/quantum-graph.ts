/**
 * The quantum graph in memory: columns in typed arrays, no per-quantum objects. Quanta are
 * numbered task by task (a task's quanta are one contiguous range), datasets type by type;
 * edges are three parallel arrays (quantum, dataset, connection). Adjacency (CSR) and the
 * execution order are computed from those arrays on demand.
 */
import type { TaskRunner } from '../../pipelines/index.js';
import { csrFromPairs } from './csr.js';
import { ImpliedValues } from './implied-values.js';

/** Graph file format version written by this code (the builder stamps it, the reader checks it). */
export const GRAPH_FORMAT_VERSION = 3;

/** Data-ID columns of one task's quanta or one type's datasets: dimension -> values. */
export type DataIdColumns = Readonly<Record<string, Float64Array | readonly string[]>>;

/** Edge directions. */
export const EDGE_INPUT = 0;
export const EDGE_PREREQUISITE = 1;
export const EDGE_OUTPUT = 2;

/** Dataset states. */
export const STATE_EXISTING = 0;
export const STATE_PREDICTED = 1;
export const STATE_SKIPPED = 2;
/** State names, by state number. */
export const STATE_NAMES = ['existing', 'predicted', 'skipped'] as const;

/** A task of the graph and where its quanta sit. */
export interface GraphTask {
  readonly label: string;
  readonly taskClass: string;
  /** Required dimensions of its data IDs, in universe order. */
  readonly dimensions: readonly string[];
  readonly config: Readonly<Record<string, unknown>>;
  /** How it runs when its pipeline says (`run:` module or command); null: its class's `run` in the task library. */
  readonly runner: TaskRunner | null;
  /** Names of its connections that gather (`multiple`): their datasets reach `run` as arrays. */
  readonly multiple: readonly string[];
  readonly quantumOffset: number;
  readonly quantumCount: number;
  readonly dataIds: DataIdColumns;
}

/** A dataset type of the graph and where its datasets sit. */
export interface GraphDatasetType {
  readonly name: string;
  readonly dimensions: readonly string[];
  readonly storageClass: string;
  readonly isCalibration: boolean;
  readonly datasetOffset: number;
  readonly datasetCount: number;
  readonly dataIds: DataIdColumns;
}

/** A connection (task, name, dataset type, direction). */
export interface GraphConnection {
  readonly task: number;
  readonly name: string;
  readonly datasetType: number;
  readonly direction: typeof EDGE_INPUT | typeof EDGE_PREREQUISITE | typeof EDGE_OUTPUT;
}

/** Facts about how the graph was made. */
export interface GraphHeader {
  readonly formatVersion: number;
  readonly command: string;
  readonly created: string;
  readonly inputs: readonly string[];
  readonly outputChain: string | null;
  readonly outputRun: string;
  readonly where: string;
  readonly pipeline: string;
  /** Quanta removed at build time, by task and reason (counts), and a few examples. */
  readonly pruned: readonly { task: string; reason: string; count: number; examples: readonly Record<string, string | number>[] }[];
  /** Statements and seconds per phase of the build. */
  readonly phases: Readonly<Record<string, { statements: number; seconds: number }>>;
  /** UUID of the repository the graph was planned against: `qg run` refuses any other. */
  readonly repositoryId: string;
  /** UUID of this build: the graph's identity (its predicted outputs carry ids of this build only). */
  readonly buildId: string;
  /** Built with --clobber-outputs: may replace outputs another graph left in the output run. */
  readonly clobberOutputs: boolean;
  /** Built with --replace-run: the RUN that `qg run` takes out of the output chain (absent otherwise). */
  readonly replacedRun?: string;
}

/**
 * What a graph's summary prints: its header, tasks and dataset types without their data IDs,
 * the dataset states and the sizes. `loadGraphOutline` reads only this much of a file (no
 * per-quantum or per-dataset columns but the states); a QuantumGraph is one too.
 */
export interface GraphOutline {
  readonly header: GraphHeader;
  readonly tasks: readonly Omit<GraphTask, 'dataIds'>[];
  readonly datasetTypes: readonly Omit<GraphDatasetType, 'dataIds'>[];
  readonly datasetStates: Uint8Array;
  readonly quantumCount: number;
  readonly datasetCount: number;
  readonly edgeCount: number;
}

/** The graph. */
export class QuantumGraph implements GraphOutline {
  private inputCsr: { offsets: Int32Array; edges: Int32Array } | null = null;
  /** First global quantum of each task, first global dataset of each type (for `taskOf`, `typeOf`). */
  private readonly taskOffsets: Int32Array;
  private readonly typeOffsets: Int32Array;
  /** Quanta of all tasks. */
  readonly quantumCount: number;

  constructor(
    readonly header: GraphHeader,
    readonly tasks: readonly GraphTask[],
    readonly datasetTypes: readonly GraphDatasetType[],
    readonly connections: readonly GraphConnection[],
    /** Runs referenced by datasets. */
    readonly runs: readonly string[],
    /** Per dataset: 16-byte UUIDs, run index, state. */
    readonly datasetIds: Uint8Array,
    readonly datasetRuns: Int32Array,
    readonly datasetStates: Uint8Array,
    /** Per edge. */
    readonly edgeQuanta: Int32Array,
    readonly edgeDatasets: Int32Array,
    readonly edgeConnections: Int32Array,
    /** The values the data IDs imply (a visit's band), for selections by them. */
    readonly implied: ImpliedValues = new ImpliedValues([]),
  ) {
    this.taskOffsets = Int32Array.from(tasks, (t) => t.quantumOffset);
    this.typeOffsets = Int32Array.from(datasetTypes, (t) => t.datasetOffset);
    this.quantumCount = tasks.reduce((n, t) => n + t.quantumCount, 0);
  }

  get datasetCount(): number {
    return this.datasetRuns.length;
  }

  get edgeCount(): number {
    return this.edgeQuanta.length;
  }

  /** The task index of global quantum `q`. */
  taskOf(q: number): number {
    return rangeOf(this.taskOffsets, q);
  }

  /** The dataset-type index of global dataset `d`. */
  typeOf(d: number): number {
    return rangeOf(this.typeOffsets, d);
  }

  /** Data ID of quantum `q` (required keys). */
  quantumDataId(q: number): Record<string, string | number> {
    const task = this.tasks[this.taskOf(q)]!;
    return dataIdAt(task.dataIds, task.dimensions, q - task.quantumOffset);
  }

  /** Data ID of dataset `d` (required keys). */
  datasetDataId(d: number): Record<string, string | number> {
    const type = this.datasetTypes[this.typeOf(d)]!;
    return dataIdAt(type.dataIds, type.dimensions, d - type.datasetOffset);
  }

  /** UUID text of dataset `d`. */
  datasetId(d: number): string {
    return uuidText(this.datasetIds, d);
  }

  /** Edges grouped by quantum (CSR): edges of q are `edges[offsets[q] .. offsets[q+1])`. */
  edgesByQuantum(): { offsets: Int32Array; edges: Int32Array } {
    if (!this.inputCsr) {
      const { offsets, values } = csrFromPairs(this.quantumCount, this.edgeQuanta);
      this.inputCsr = { offsets, edges: values };
    }
    return this.inputCsr;
  }

  /**
   * Quantum-to-quantum dependencies (producer -> consumer) as CSR arrays, and a topological
   * order (Kahn's algorithm; ties by quantum number, which follows pipeline order).
   */
  dependencies(): { offsets: Int32Array; targets: Int32Array; indegree: Int32Array; order: Int32Array } {
    const n = this.quantumCount;
    const producer = new Int32Array(this.datasetCount).fill(-1);
    for (let e = 0; e < this.edgeQuanta.length; e++) {
      if (this.connections[this.edgeConnections[e]!]!.direction === EDGE_OUTPUT) producer[this.edgeDatasets[e]!] = this.edgeQuanta[e]!;
    }
    const producers: number[] = [], consumers: number[] = [];
    for (let e = 0; e < this.edgeQuanta.length; e++) {
      if (this.connections[this.edgeConnections[e]!]!.direction === EDGE_OUTPUT) continue;
      const p = producer[this.edgeDatasets[e]!]!;
      if (p >= 0) {
        producers.push(p);
        consumers.push(this.edgeQuanta[e]!);
      }
    }
    const { offsets, values: targets } = csrFromPairs(n, producers, consumers);
    const indegree = new Int32Array(n);
    for (const c of consumers) indegree[c]!++;
    const remaining = indegree.slice();
    const order = new Int32Array(n);
    let head = 0, tail = 0;
    for (let q = 0; q < n; q++) if (remaining[q] === 0) order[tail++] = q;
    while (head < tail) {
      const q = order[head++]!;
      for (let i = offsets[q]!; i < offsets[q + 1]!; i++) {
        const t = targets[i]!;
        if (--remaining[t]! === 0) order[tail++] = t;
      }
    }
    if (tail !== n) throw new Error(`the quantum graph has a cycle (${n - tail} quanta unreachable)`);
    return { offsets, targets, indegree, order };
  }
}

/** The range holding global index `i`: the last of `offsets` (ascending, ranges laid end to end) that is <= i. */
function rangeOf(offsets: Int32Array, i: number): number {
  let lo = 0, hi = offsets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid]! <= i) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Row `i` of data-ID columns as a data ID (keys in `dims` order). */
export function dataIdAt(columns: DataIdColumns, dims: readonly string[], i: number): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const d of dims) out[d] = columns[d]![i]!;
  return out;
}

/** The UUID at slot `i` of a packed 16-byte array, as text. */
export function uuidText(bytes: Uint8Array, i: number): string {
  const h = Buffer.from(bytes.buffer, bytes.byteOffset + i * 16, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Writes UUID text (32 hex digits, hyphens anywhere between pairs) into slot `i` of a packed
 * 16-byte array; throws on anything else. Digit by digit: a string and a Buffer per UUID were
 * ~0.1 s of a 1M-quanta build's assembly.
 */
export function putUuid(bytes: Uint8Array, i: number, text: string): void {
  let at = i * 16;
  const end = at + 16;
  for (let k = 0; k < text.length; k++) {
    if (text.charCodeAt(k) === 45 && k > 0) continue; // '-'
    const hi = hexDigit(text.charCodeAt(k)), lo = hexDigit(text.charCodeAt(++k));
    if (hi < 0 || lo < 0 || at === end) throw new Error(`internal: not a UUID: ${JSON.stringify(text)}`);
    bytes[at++] = (hi << 4) | lo;
  }
  if (at !== end) throw new Error(`internal: not a UUID: ${JSON.stringify(text)}`);
}

/** The value of a hex digit's character code (either case), -1 for any other. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}
