/**
 * The graph as the coordinator reads it: per quantum, its inputs and outputs as dataset
 * references (metadata and log outputs told apart), and the jobs sent to workers. Dataset
 * references and predicted file paths are computed from the graph alone (the graph's
 * UUIDs are the datasets' ids; file paths follow from the repository's template).
 */
import {
  EDGE_OUTPUT, type QuantumGraph,
} from '../../planner/index.js';
import { formatterFor, renderTemplate, type DatasetRef, type StoredFile } from '../../registry/index.js';
import type { QuantumJob } from '../execute/quantum-executor.js';

/** An output of a quantum: graph dataset index and its role. */
export interface QuantumOutput {
  readonly dataset: number;
  readonly connection: string;
  readonly role: 'output' | 'metadata' | 'log';
}

/** Compares data IDs value by value in key order (numbers numerically, strings by code point). */
function compareDataIds(a: Readonly<Record<string, string | number>>, b: Readonly<Record<string, string | number>>): number {
  for (const k of Object.keys(a)) {
    const x = a[k]!, y = b[k]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/** Read-only helpers over one graph. */
export class GraphJobs {
  private readonly csr: { offsets: Int32Array; edges: Int32Array };
  /** Metadata and log dataset type names of each task index. */
  private readonly metadataType: string[];
  private readonly logType: string[];

  constructor(readonly graph: QuantumGraph, readonly template: string) {
    this.csr = graph.edgesByQuantum();
    this.metadataType = graph.tasks.map((t) => `${t.label}_metadata`);
    this.logType = graph.tasks.map((t) => `${t.label}_log`);
  }

  /** The reference of graph dataset `d`. */
  ref(d: number): DatasetRef {
    const g = this.graph;
    return { id: g.datasetId(d), datasetType: g.datasetTypes[g.typeOf(d)]!.name, dataId: g.datasetDataId(d), run: g.runs[g.datasetRuns[d]!]! };
  }

  /** Storage class of graph dataset `d`. */
  storageClass(d: number): string {
    return this.graph.datasetTypes[this.graph.typeOf(d)]!.storageClass;
  }

  /** Repository-relative path where dataset `d`'s file goes (template + the formatter's extension). */
  predictedPath(d: number): string {
    return renderTemplate(this.template, this.ref(d)) + formatterFor(this.storageClass(d)).extension;
  }

  /** Task label of quantum `q`. */
  label(q: number): string {
    return this.graph.tasks[this.graph.taskOf(q)]!.label;
  }

  /** Outputs of quantum `q`. */
  outputs(q: number): QuantumOutput[] {
    const g = this.graph;
    const task = g.taskOf(q);
    const out: QuantumOutput[] = [];
    for (let i = this.csr.offsets[q]!; i < this.csr.offsets[q + 1]!; i++) {
      const e = this.csr.edges[i]!;
      const c = g.connections[g.edgeConnections[e]!]!;
      if (c.direction !== EDGE_OUTPUT) continue;
      const d = g.edgeDatasets[e]!;
      const type = g.datasetTypes[c.datasetType]!.name;
      out.push({ dataset: d, connection: c.name, role: this.roleOf(task, type) });
    }
    return out;
  }

  /** Role of an output of task index `task` whose dataset type is `type`. */
  private roleOf(task: number, type: string): QuantumOutput['role'] {
    return type === this.metadataType[task] ? 'metadata' : type === this.logType[task] ? 'log' : 'output';
  }

  /** Datasets quantum `q` reads (regular and prerequisite inputs). */
  inputs(q: number): number[] {
    const g = this.graph;
    const out: number[] = [];
    for (let i = this.csr.offsets[q]!; i < this.csr.offsets[q + 1]!; i++) {
      const e = this.csr.edges[i]!;
      if (g.connections[g.edgeConnections[e]!]!.direction !== EDGE_OUTPUT) out.push(g.edgeDatasets[e]!);
    }
    return out;
  }

  /** Names of the input and prerequisite connections of task index `task`, in declared order. */
  private inputConnections(task: number): string[] {
    return this.graph.connections.filter((c) => c.task === task && c.direction !== EDGE_OUTPUT).map((c) => c.name);
  }

  /** The job of quantum `q`; `fileOf` gives the file record of each input dataset. */
  job(q: number, attempt: number, fileOf: (d: number) => StoredFile | null, verifyChecksums: boolean): QuantumJob {
    const g = this.graph;
    const taskIndex = g.taskOf(q);
    const task = g.tasks[taskIndex]!;
    const inputs = new Map<string, { ref: DatasetRef; file: StoredFile | null }[]>(this.inputConnections(taskIndex).map((name) => [name, []]));
    const outputs = new Map<string, { storageClass: string; refs: DatasetRef[] }>();
    let metadata: QuantumJob['metadata'] | null = null;
    let log: QuantumJob['log'] | null = null;
    for (let i = this.csr.offsets[q]!; i < this.csr.offsets[q + 1]!; i++) {
      const e = this.csr.edges[i]!;
      const c = g.connections[g.edgeConnections[e]!]!;
      const d = g.edgeDatasets[e]!;
      const ref = this.ref(d);
      if (c.direction !== EDGE_OUTPUT) {
        inputs.get(c.name)!.push({ ref, file: fileOf(d) });
        continue;
      }
      const storageClass = g.datasetTypes[c.datasetType]!.storageClass;
      const role = this.roleOf(taskIndex, ref.datasetType);
      if (role === 'metadata') metadata = { ref, storageClass };
      else if (role === 'log') log = { ref, storageClass };
      else {
        let entry = outputs.get(c.name);
        if (!entry) outputs.set(c.name, (entry = { storageClass, refs: [] }));
        entry.refs.push(ref);
      }
    }
    if (!metadata || !log) throw new Error(`quantum ${q} (${task.label}) has no metadata or log output in the graph`);
    return {
      quantum: q, attempt, label: task.label, taskClass: task.taskClass, runner: task.runner, multiple: task.multiple, config: task.config, dataId: g.quantumDataId(q),
      inputs: [...inputs].map(([connection, datasets]) => ({ connection, datasets: datasets.sort((a, b) => compareDataIds(a.ref.dataId, b.ref.dataId)) })),
      outputs: [...outputs].map(([connection, o]) => ({ connection, storageClass: o.storageClass, refs: o.refs.sort((a, b) => compareDataIds(a.dataId, b.dataId)) })),
      metadata, log, verifyChecksums,
    };
  }
}
