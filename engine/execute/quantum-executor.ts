/**
 * Executes one quantum: reads its inputs through the datastore, runs the task's pure `run`,
 * and writes the outputs, the log and the metadata (each file atomically; the coordinator
 * flushes them to disk before registering them). It never
 * touches the registry: the coordinator registers what it returns. Runs inside a worker
 * thread (see worker-main.ts) or, for tests and debugging, in the calling thread.
 */
import { hostname } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { Datastore, DatasetRef, StoredFile } from '../../registry/index.js';
import type { TaskConfig, TaskDataId, TaskDefinition } from '../../pipelines/index.js';
import { QuantumError, errorInfo, type ErrorInfo } from '../errors.js';
import { prepareFiles, writePrepared, type FileToWrite } from './file-batch.js';

/** A dataset a quantum reads: its reference and, when the registry has one, its file record. */
export interface JobInput {
  readonly ref: DatasetRef;
  readonly file: StoredFile | null;
}

/** Everything a worker needs to run one quantum (plain data: it is posted to a worker thread). */
export interface QuantumJob {
  readonly quantum: number;
  /** 1 for the first try, 2 for the first retry, ... */
  readonly attempt: number;
  readonly label: string;
  readonly taskClass: string;
  readonly config: TaskConfig;
  readonly dataId: TaskDataId;
  /** Regular and prerequisite inputs, by connection name, each list in data-ID order. */
  readonly inputs: readonly { readonly connection: string; readonly datasets: readonly JobInput[] }[];
  /** Outputs other than metadata and log, by connection name, each list in data-ID order. */
  readonly outputs: readonly { readonly connection: string; readonly storageClass: string; readonly refs: readonly DatasetRef[] }[];
  readonly metadata: { readonly ref: DatasetRef; readonly storageClass: string };
  readonly log: { readonly ref: DatasetRef; readonly storageClass: string };
  /** Check each input file's SHA-256 against its record before reading it. */
  readonly verifyChecksums: boolean;
}

/** One line of a quantum's log (`<label>_log`, storage class ButlerLogRecords). */
export interface LogRecord {
  /** ISO time. */
  readonly time: string;
  readonly level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
  /** Logger name: `qg.engine` or the task label. */
  readonly name: string;
  readonly message: string;
}

/** What `<label>_metadata` holds (storage class TaskMetadata). */
export interface QuantumMetadata {
  readonly label: string;
  readonly taskClass: string;
  readonly dataId: TaskDataId;
  readonly attempt: number;
  readonly worker: number;
  readonly host: string;
  readonly pid: number;
  readonly startUtc: string;
  readonly endUtc: string;
  /**
   * Wall seconds reading inputs, running the task, serializing its outputs, and the three
   * together. The files are then written with this metadata; the quantum's whole wall time
   * (writing included) is in the event log (`quantum-finished` start and end).
   */
  readonly seconds: { readonly read: number; readonly run: number; readonly serialize: number; readonly total: number };
  /** Memory of the worker's JavaScript heap (bytes): in use at the end, the peak malloced, the limit. */
  readonly memory: { readonly heapUsed: number; readonly heapTotal: number; readonly peakMalloced: number; readonly heapLimit: number; readonly externalArrayBuffers: number };
  readonly inputs: { readonly count: number; readonly bytes: number };
  readonly outputs: { readonly count: number; readonly bytes: number };
  /** Figures the task returned. */
  readonly task: Readonly<Record<string, unknown>>;
}

/** A quantum that ran: its files (outputs, then log, then metadata) and metadata. */
export interface QuantumSuccess {
  readonly ok: true;
  readonly files: readonly StoredFile[];
  readonly metadata: QuantumMetadata;
  /** Epoch milliseconds. */
  readonly start: number;
  readonly end: number;
}

/** A quantum that failed: the error and the log so far (the coordinator writes the log). */
export interface QuantumFailure {
  readonly ok: false;
  readonly error: ErrorInfo;
  readonly log: readonly LogRecord[];
  readonly start: number;
  readonly end: number;
}

/** Outcome of one execution. */
export type QuantumOutcome = QuantumSuccess | QuantumFailure;

/** Where the quantum runs, for its metadata. */
export interface ExecutionContext {
  readonly datastore: Datastore;
  readonly library: ReadonlyMap<string, TaskDefinition>;
  /** Worker slot number (lane in the Gantt chart); 0 in-process. */
  readonly worker: number;
}

/** Human form of a data ID: `{instrument: 'X', detector: 3}` -> `instrument=X, detector=3`. */
export function formatDataId(dataId: Readonly<Record<string, unknown>>): string {
  return Object.entries(dataId).map(([k, v]) => `${k}=${v}`).join(', ');
}

/**
 * Runs one quantum. Never throws: any failure (unknown task, missing or corrupt input, the
 * task throwing or returning the wrong outputs, a write failing) comes back as a
 * `QuantumFailure`, and files this attempt wrote are removed.
 */
export async function executeQuantum(job: QuantumJob, ctx: ExecutionContext): Promise<QuantumOutcome> {
  const start = Date.now();
  const log: LogRecord[] = [];
  const say = (level: LogRecord['level'], name: string, message: string) => log.push({ time: new Date().toISOString(), level, name, message });
  const written: StoredFile[] = [];
  try {
    const definition = ctx.library.get(job.taskClass);
    if (!definition) throw new QuantumError(`task class '${job.taskClass}' (label '${job.label}') is not in the task library (known: ${[...ctx.library.keys()].join(', ')})`, 'TASK_UNKNOWN');
    if (!definition.run) throw new QuantumError(`task class '${job.taskClass}' (label '${job.label}') can be planned but has no run()`, 'TASK_NOT_RUNNABLE');
    const declared = new Map(definition.connections(job.config).map((c) => [c.name, c]));
    say('INFO', 'qg.engine', `${job.label} quantum {${formatDataId(job.dataId)}} attempt ${job.attempt} on worker ${ctx.worker}`);

    // Read.
    const t0 = performance.now();
    const inputs: Record<string, unknown> = {};
    const inputDataIds: Record<string, TaskDataId | TaskDataId[]> = {};
    let bytesRead = 0;
    for (const group of job.inputs) {
      const values: unknown[] = [];
      for (const { ref, file } of group.datasets) {
        if (!file) throw new QuantumError(`input ${ref.datasetType} {${formatDataId(ref.dataId)}} (dataset ${ref.id} in '${ref.run}') has no file record in this repository`, 'INPUT_MISSING');
        try {
          values.push(ctx.datastore.read(ref, file, { verifyChecksum: job.verifyChecksums }));
        } catch (e) {
          const code = (e as { code?: string }).code;
          const kind = code === 'FILE_MISSING' ? 'INPUT_MISSING' : 'INPUT_CORRUPT';
          throw new QuantumError(`input ${ref.datasetType} {${formatDataId(ref.dataId)}} at ${ctx.datastore.pathOf(file)}: ${(e as Error).message}`, kind);
        }
        bytesRead += file.size;
      }
      const multiple = declared.get(group.connection)?.multiple === true;
      if (multiple) {
        inputs[group.connection] = values;
        inputDataIds[group.connection] = group.datasets.map((d) => d.ref.dataId);
      } else if (values.length) {
        inputs[group.connection] = values[0];
        inputDataIds[group.connection] = group.datasets[0]!.ref.dataId;
      }
    }
    for (const c of declared.values()) {
      if ((c.kind === 'input' || c.kind === 'prerequisite') && c.multiple && !(c.name in inputs)) {
        inputs[c.name] = [];
        inputDataIds[c.name] = [];
      }
    }

    // Run.
    const t1 = performance.now();
    const result = await definition.run({
      dataId: job.dataId, config: job.config, inputs, inputDataIds,
      log: (message: string) => say('INFO', job.label, String(message)),
    });
    const t2 = performance.now();
    if (!result || typeof result !== 'object' || !result.outputs || typeof result.outputs !== 'object') {
      throw new QuantumError(`${job.label}.run returned ${result === null ? 'null' : typeof result}, not { outputs, metadata? }`, 'OUTPUT_INVALID');
    }

    // Write the outputs, the log and the metadata (atomically, not flushed: the coordinator
    // flushes a whole batch of quanta before registering it; the quantum counts as done once
    // its metadata is registered).
    const pending: FileToWrite[] = [];
    for (const out of job.outputs) {
      const value = result.outputs[out.connection];
      if (value === undefined) throw new QuantumError(`${job.label}.run returned no '${out.connection}' output (returned: ${Object.keys(result.outputs).join(', ') || 'none'})`, 'OUTPUT_INVALID');
      const many = declared.get(out.connection)?.multiple === true || out.refs.length !== 1;
      const values = many ? value : [value];
      if (!Array.isArray(values) || values.length !== out.refs.length) {
        throw new QuantumError(`${job.label}.run output '${out.connection}' must be an array of ${out.refs.length} objects in data-ID order`, 'OUTPUT_INVALID');
      }
      out.refs.forEach((ref, i) => pending.push({ ref, storageClass: out.storageClass, value: values[i] }));
    }
    const prepared = prepareFiles(ctx.datastore, pending);
    const t3 = performance.now();
    say('INFO', 'qg.engine', `ran in ${((t3 - t0) / 1000).toFixed(3)} s (read ${((t1 - t0) / 1000).toFixed(3)}, run ${((t2 - t1) / 1000).toFixed(3)}, serialize ${((t3 - t2) / 1000).toFixed(3)}); writing ${prepared.length} output(s)`);
    const logFile = prepareFiles(ctx.datastore, [{ ref: job.log.ref, storageClass: job.log.storageClass, value: log }]);
    const end = Date.now();
    const heap = getHeapStatistics();
    const memory = process.memoryUsage();
    const metadata: QuantumMetadata = {
      label: job.label, taskClass: job.taskClass, dataId: job.dataId, attempt: job.attempt, worker: ctx.worker,
      host: hostname(), pid: process.pid, startUtc: new Date(start).toISOString(), endUtc: new Date(end).toISOString(),
      seconds: { read: (t1 - t0) / 1000, run: (t2 - t1) / 1000, serialize: (t3 - t2) / 1000, total: (t3 - t0) / 1000 },
      memory: { heapUsed: heap.used_heap_size, heapTotal: heap.total_heap_size, peakMalloced: heap.peak_malloced_memory, heapLimit: heap.heap_size_limit, externalArrayBuffers: memory.arrayBuffers },
      inputs: { count: job.inputs.reduce((n, g) => n + g.datasets.length, 0), bytes: bytesRead },
      outputs: { count: prepared.length, bytes: prepared.reduce((n, p) => n + p.file.size, 0) },
      task: result.metadata ?? {},
    };
    const metadataFile = prepareFiles(ctx.datastore, [{ ref: job.metadata.ref, storageClass: job.metadata.storageClass, value: metadata }]);
    try {
      written.push(...(await writePrepared([...prepared, ...logFile, ...metadataFile], false)));
    } catch (e) {
      const what = [...prepared, ...logFile, ...metadataFile].map((p) => p.file.path).join(', ');
      throw new QuantumError(`${job.label}: cannot write ${what}: ${(e as Error).message}`, 'OUTPUT_INVALID');
    }
    return { ok: true, files: written, metadata, start, end: Date.now() };
  } catch (e) {
    for (const f of written) {
      try {
        ctx.datastore.remove(f);
      } catch { /* the coordinator sweeps what is left */ }
    }
    // Anything but our own QuantumError came out of the task: its code is TASK_FAILED.
    const error: ErrorInfo = e instanceof QuantumError ? errorInfo(e) : { ...errorInfo(e), code: 'TASK_FAILED' };
    say('ERROR', 'qg.engine', `${error.name} [${error.code}]: ${error.message}`);
    if (error.stack && !(e instanceof QuantumError)) say('ERROR', 'qg.engine', error.stack);
    return { ok: false, error, log, start, end: Date.now() };
  }
}

