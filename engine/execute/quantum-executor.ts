/**
 * Executes one quantum: runs its task's body — an in-memory task (its class's `run` in the
 * task library, or its pipeline's module's `run`) reading its inputs through the datastore,
 * or its pipeline's shell command (command-task.ts) — then writes the outputs, the log and
 * the metadata (each file atomically; the coordinator flushes them to disk before
 * registering them). It never touches the registry: the coordinator registers what it
 * returns. Runs inside a worker thread (see worker-main.ts) or, for tests and debugging, in
 * the calling thread.
 */
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { Datastore, DatasetRef, StoredFile } from '../../registry/index.js';
import type { TaskConfig, TaskDataId, TaskDefinition, TaskRunner, TaskRunOutput } from '../../pipelines/index.js';
// The datastore's and task runners' surfaces, not registry/ and pipelines/ index.js (Arrow, YAML, graphlib): this runs in worker threads.
import { loadTaskRun, type TaskRunFunction } from '../../pipelines/core/index.js';
import { loadFormatters } from '../../registry/datastore/index.js';
import { QuantumError, errorInfo, type ErrorInfo } from '../errors.js';
import { runCommandTask } from './command-task.js';
import { prepareFiles, writePrepared, type FileToWrite } from './file-batch.js';
import { formatDataId, inputFile, type Say, type TaskBody } from './task-body.js';

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
  /** How the task runs, from its pipeline (a module or a command); null: its class's `run` in the task library. */
  readonly runner: TaskRunner | null;
  /** Connections that gather: their datasets go to `run` as arrays, and outputs come back as arrays. */
  readonly multiple: readonly string[];
  readonly config: TaskConfig;
  readonly dataId: TaskDataId;
  /** Regular and prerequisite inputs, by connection name (every input connection, some maybe without datasets), each list in data-ID order. */
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
  /**
   * Memory of the worker's JavaScript heap (bytes): in use at the end, the peak malloced, the
   * limit, and what JavaScript objects hold outside it (ArrayBuffers, external strings).
   */
  readonly memory: { readonly heapUsed: number; readonly heapTotal: number; readonly peakMalloced: number; readonly heapLimit: number; readonly external: number };
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
  /** Told the process group of a command task's shell when it starts (to kill it if the quantum must stop). */
  readonly onCommand?: (group: number) => void;
}

/**
 * Runs one quantum. Never throws: any failure (unknown task, missing or corrupt input, the
 * task throwing or returning the wrong outputs, its command failing, a write failing) comes
 * back as a `QuantumFailure`, and files this attempt wrote (or staged) are removed.
 */
export async function executeQuantum(job: QuantumJob, ctx: ExecutionContext): Promise<QuantumOutcome> {
  const start = Date.now();
  const log: LogRecord[] = [];
  const say: Say = (level, name, message) => log.push({ time: new Date().toISOString(), level, name, message });
  const staged: string[] = [];
  const written: StoredFile[] = [];
  try {
    say('INFO', 'qg.engine', `${job.label} quantum {${formatDataId(job.dataId)}} attempt ${job.attempt} on worker ${ctx.worker}`);
    // a worker thread loads apache-arrow with its first quantum that reads or writes a table
    await loadFormatters([...job.inputs.flatMap((c) => c.datasets.map((d) => d.file?.storageClass ?? '')), ...job.outputs.map((o) => o.storageClass)]);
    const runner = job.runner;
    const body = runner && 'command' in runner
      ? await runCommandTask(job, runner, ctx, say, staged)
      : await runInMemoryTask(job, await taskFunction(job, ctx), ctx, say);
    // Write the outputs, the log and the metadata (atomically, not flushed: the coordinator
    // flushes a whole batch of quanta before registering it; the quantum counts as done once
    // its metadata is registered).
    const { read, run, serialize } = body.seconds;
    say('INFO', 'qg.engine', `ran in ${(read + run + serialize).toFixed(3)} s (read ${read.toFixed(3)}, run ${run.toFixed(3)}, serialize ${serialize.toFixed(3)}); writing ${body.prepared.length} output(s)`);
    const logFile = prepareFiles(ctx.datastore, [{ ref: job.log.ref, storageClass: job.log.storageClass, value: log }]);
    const metadata = quantumMetadata(job, ctx, start, body);
    const metadataFile = prepareFiles(ctx.datastore, [{ ref: job.metadata.ref, storageClass: job.metadata.storageClass, value: metadata }]);
    const files = [...body.prepared, ...logFile, ...metadataFile];
    try {
      written.push(...(await writePrepared(files, false)));
    } catch (e) {
      throw new QuantumError(`${job.label}: cannot write ${files.map((p) => p.file.path).join(', ')}: ${(e as Error).message}`, 'OUTPUT_INVALID');
    }
    return { ok: true, files: written, metadata, start, end: Date.now() };
  } catch (e) {
    for (const f of written) {
      try {
        ctx.datastore.remove(f);
      } catch { /* the coordinator sweeps what is left */ }
    }
    for (const path of staged) rmSync(path, { force: true });
    // Anything but our own QuantumError came out of the task: its code is TASK_FAILED.
    const error: ErrorInfo = e instanceof QuantumError ? errorInfo(e) : { ...errorInfo(e), code: 'TASK_FAILED' };
    say('ERROR', 'qg.engine', `${error.name} [${error.code}]: ${error.message}`);
    if (error.stack && !(e instanceof QuantumError)) say('ERROR', 'qg.engine', error.stack);
    return { ok: false, error, log, start, end: Date.now() };
  }
}

/** The `run` of an in-memory task: its pipeline's module's (TASK_MODULE if it does not load), or its class's in the task library. */
async function taskFunction(job: QuantumJob, ctx: ExecutionContext): Promise<TaskRunFunction> {
  if (job.runner && 'module' in job.runner) {
    try {
      return await loadTaskRun(job.runner.module);
    } catch (e) {
      throw new QuantumError(`${job.label}: ${(e as Error).message}`, 'TASK_MODULE');
    }
  }
  const definition: TaskDefinition | undefined = ctx.library.get(job.taskClass);
  if (!definition) throw new QuantumError(`task class '${job.taskClass}' (label '${job.label}') is not in the task library (known: ${[...ctx.library.keys()].join(', ')})`, 'TASK_UNKNOWN');
  if (!definition.run) throw new QuantumError(`task class '${job.taskClass}' (label '${job.label}') can be planned but has no run()`, 'TASK_NOT_RUNNABLE');
  return definition.run;
}

/** Reads the inputs, runs `run` on them and serializes what it returns. */
async function runInMemoryTask(job: QuantumJob, run: TaskRunFunction, ctx: ExecutionContext, say: Say): Promise<TaskBody> {
  const t0 = performance.now();
  const { inputs, inputDataIds, bytesRead } = readInputs(job, ctx);
  const t1 = performance.now();
  const result = await run({
    dataId: job.dataId, config: job.config, inputs, inputDataIds,
    log: (message: string) => say('INFO', job.label, String(message)),
  });
  const t2 = performance.now();
  const prepared = prepareFiles(ctx.datastore, outputFiles(job, result));
  const t3 = performance.now();
  return { prepared, figures: result.metadata ?? {}, bytesRead, seconds: { read: (t1 - t0) / 1000, run: (t2 - t1) / 1000, serialize: (t3 - t2) / 1000 } };
}

/** The inputs as `run` takes them: one object per connection, or an array (maybe empty) for a gathering one. */
function readInputs(job: QuantumJob, ctx: ExecutionContext): { inputs: Record<string, unknown>; inputDataIds: Record<string, TaskDataId | TaskDataId[]>; bytesRead: number } {
  const inputs: Record<string, unknown> = {};
  const inputDataIds: Record<string, TaskDataId | TaskDataId[]> = {};
  const pathOf = ctx.datastore.pathOf.bind(ctx.datastore);
  let bytesRead = 0;
  for (const group of job.inputs) {
    const values = group.datasets.map((d) => inputFile(d, pathOf, (file) => {
      bytesRead += file.size;
      return ctx.datastore.read(d.ref, file, { verifyChecksum: job.verifyChecksums });
    }));
    if (job.multiple.includes(group.connection)) {
      inputs[group.connection] = values;
      inputDataIds[group.connection] = group.datasets.map((d) => d.ref.dataId);
    } else if (values.length) {
      inputs[group.connection] = values[0];
      inputDataIds[group.connection] = group.datasets[0]!.ref.dataId;
    }
  }
  return { inputs, inputDataIds, bytesRead };
}

/** The files of what `run` returned, checked against the job's outputs. */
function outputFiles(job: QuantumJob, result: TaskRunOutput): FileToWrite[] {
  if (!result || typeof result !== 'object' || !result.outputs || typeof result.outputs !== 'object') {
    throw new QuantumError(`${job.label}.run returned ${result === null ? 'null' : typeof result}, not { outputs, metadata? }`, 'OUTPUT_INVALID');
  }
  const files: FileToWrite[] = [];
  for (const out of job.outputs) {
    const value = result.outputs[out.connection];
    if (value === undefined) throw new QuantumError(`${job.label}.run returned no '${out.connection}' output (returned: ${Object.keys(result.outputs).join(', ') || 'none'})`, 'OUTPUT_INVALID');
    const many = job.multiple.includes(out.connection) || out.refs.length !== 1;
    const values = many ? value : [value];
    if (!Array.isArray(values) || values.length !== out.refs.length) {
      throw new QuantumError(`${job.label}.run output '${out.connection}' must be an array of ${out.refs.length} objects in data-ID order`, 'OUTPUT_INVALID');
    }
    out.refs.forEach((ref, i) => files.push({ ref, storageClass: out.storageClass, value: values[i] }));
  }
  return files;
}

/** This thread's host, asked once (a system call per quantum otherwise). */
const HOST = hostname();

/** The quantum's metadata: where and when it ran, its timings, memory, input and output sizes, and the task's figures. */
function quantumMetadata(job: QuantumJob, ctx: ExecutionContext, start: number, body: TaskBody): QuantumMetadata {
  const end = Date.now();
  const heap = getHeapStatistics();
  const { read, run, serialize } = body.seconds;
  return {
    label: job.label, taskClass: job.taskClass, dataId: job.dataId, attempt: job.attempt, worker: ctx.worker,
    host: HOST, pid: process.pid, startUtc: new Date(start).toISOString(), endUtc: new Date(end).toISOString(),
    seconds: { read, run, serialize, total: read + run + serialize },
    memory: { heapUsed: heap.used_heap_size, heapTotal: heap.total_heap_size, peakMalloced: heap.peak_malloced_memory, heapLimit: heap.heap_size_limit, external: heap.external_memory },
    inputs: { count: job.inputs.reduce((n, g) => n + g.datasets.length, 0), bytes: body.bytesRead },
    outputs: { count: body.prepared.length, bytes: body.prepared.reduce((n, p) => n + p.file.size, 0) },
    task: body.figures,
  };
}
