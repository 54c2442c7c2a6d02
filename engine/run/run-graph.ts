/**
 * The coordinator of `qg run`. It owns the registry connection; workers only read and write
 * files. The flow of one quantum: the ready queue hands it out, the pool runs it, its
 * outputs (metadata last) are registered in the next batch transaction, and only then are
 * its consumers released. A failure removes what the attempt wrote, retries it (--retries),
 * or fails it for good: its log (all attempts, with the error) is written and registered,
 * its downstream is blocked, the rest goes on (unless --fail-fast). Running the same graph
 * again resumes: see run-state.ts. A cluster job runs a subset of the quanta the same way
 * (`RunOptions.subset`).
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import type { QuantumGraph } from '../../planner/index.js';
import { runnerStartProblem } from '../../pipelines/index.js';
import { checkOutputCollectionName, graphHeapProblem, runFolder, type DatasetRef, type Repository, type StoredFile } from '../../registry/index.js';
import { EngineError, type ErrorInfo } from '../errors.js';
import { WorkerPool } from '../execute/worker-pool.js';
import type { LogRecord, QuantumOutcome } from '../execute/quantum-executor.js';
import { ReadyQueue } from '../schedule/ready-queue.js';
import { CompositeObserver, type RunCounts, type RunObserver } from '../observe/run-events.js';
import { EventLogObserver, eventLogPath } from '../observe/event-log-observer.js';
import { GraphJobs } from './graph-jobs.js';
import { OutputRegistrar } from './output-registrar.js';
import { jobFile, lockJob, lockRun } from './run-lock.js';
import { isTempFileOf, namesByFolder, prepareRunState, registerRunCollections, writeConfigs } from './run-state.js';

/** How to run. */
export interface RunOptions {
  /** Worker threads (-j; default 1). */
  readonly jobs?: number;
  /** Extra attempts for a failed quantum (default 0). Missing or corrupt inputs are not retried. */
  readonly retries?: number;
  /** Stop starting quanta after the first failure (running ones finish). */
  readonly failFast?: boolean;
  /** Wall-time limit of one quantum attempt, in seconds; its worker is terminated. */
  readonly timeoutSeconds?: number;
  /** Heap limit of each worker in MB (default: 3/4 of the machine's memory shared by the workers, at most 4096). */
  readonly memoryMb?: number;
  /** Extra task library modules (paths or URLs exporting `TASK_LIBRARY`). */
  readonly taskModules?: readonly string[];
  /** Progress, report, ... (the event log is added unless `eventLog` is false). */
  readonly observers?: readonly RunObserver[];
  /** Write `<run>/_events.jsonl` (default true). */
  readonly eventLog?: boolean;
  /** Most quanta per registration transaction (default 256). */
  readonly batchSize?: number;
  /** Check each input file's SHA-256 against its record (default true). */
  readonly verifyChecksums?: boolean;
  /** Aborting stops the run: running quanta are terminated, nothing new starts, what finished is registered. */
  readonly signal?: AbortSignal;
  /** The command line, for the event log. */
  readonly command?: string;
  /** Replace outputs another graph left where this graph writes (otherwise the run refuses: RUN_OUTPUTS_CONFLICT). */
  readonly clobberOutputs?: boolean;
  /**
   * A started pool to run on instead of starting one (it stays open; its size is -j). Lets
   * several runs on one repository share warm workers (tests, benchmarks).
   */
  readonly pool?: WorkerPool;
  /** Run only these quanta: a cluster job's share (see {@link QuantumSubset}). */
  readonly subset?: QuantumSubset;
}

/**
 * The quanta of one cluster job (`qg run-quanta`). The other quanta count as done for this
 * invocation (the scheduler starts a job after the jobs it depends on succeeded; an input
 * still missing fails its quantum as INPUT_MISSING). The job takes its own lock
 * (`_jobs/<name>.lock`: jobs of one run on several nodes do not block each other, the same
 * job twice does), writes its own event log (`_jobs/<name>.events.jsonl`), cleans only what
 * its own quanta left, and writes no task configs (the submission registered them).
 */
export interface QuantumSubset {
  /** The job's name (letters, digits, `_`, `-`, `.`). */
  readonly name: string;
  /** Graph quantum indices. */
  readonly quanta: readonly number[];
}

/** A quantum that failed for good. */
export interface FailedQuantum {
  readonly quantum: number;
  readonly task: string;
  readonly dataId: Readonly<Record<string, string | number>>;
  readonly code: string;
  readonly message: string;
  readonly attempts: number;
  /** Absolute path of its log file (all attempts, with the error), or null if it could not be written. */
  readonly log: string | null;
}

/** How the run went. */
export interface RunSummary {
  readonly run: string;
  readonly chain: string | null;
  readonly invocation: string;
  /** Absolute path of the event log, or null when disabled. */
  readonly eventLog: string | null;
  readonly quanta: number;
  readonly counts: RunCounts;
  readonly failures: readonly FailedQuantum[];
  /** Blocked quanta per task label. */
  readonly blocked: Readonly<Record<string, number>>;
  /** Stale outputs removed before starting. */
  readonly cleaned: { readonly datasets: number; readonly files: number };
  readonly seconds: number;
  readonly interrupted: boolean;
  /** The run stopped early because of --fail-fast. */
  readonly stoppedEarly: boolean;
  /** Every quantum of the graph is complete. */
  readonly complete: boolean;
}

/** Codes of failures that another attempt cannot fix. */
const NOT_RETRIED = new Set(['INPUT_MISSING', 'INPUT_CORRUPT', 'TASK_UNKNOWN', 'TASK_NOT_RUNNABLE', 'TASK_MODULE', 'REGISTRATION']);

function checkOptions(o: RunOptions): void {
  const positiveInt = (v: number | undefined, name: string, min: number) => {
    if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new EngineError(`${name} must be an integer >= ${min}, got ${v}`, 'RUN_OPTIONS');
  };
  positiveInt(o.jobs, '-j/--jobs', 1);
  positiveInt(o.retries, '--retries', 0);
  positiveInt(o.batchSize, 'the batch size', 1);
  positiveInt(o.memoryMb, '--memory', 16);
  if (o.subset && !o.subset.quanta.length) throw new EngineError('the job names no quanta', 'RUN_OPTIONS');
  if (o.timeoutSeconds !== undefined && !(o.timeoutSeconds > 0)) throw new EngineError(`--timeout must be a positive number of seconds, got ${o.timeoutSeconds}`, 'RUN_OPTIONS');
}

/**
 * Every task of the graph must be runnable: its pipeline's module loads and exports `run`, its
 * command is there (the planner checked its template), or (without either) its class is in
 * the workers' library with a `run`. Says which are not, before anything starts.
 */
async function checkTasks(graph: QuantumGraph, pool: WorkerPool): Promise<void> {
  const problems: string[] = [];
  let library = false;
  for (const t of graph.tasks) {
    if (t.runner) {
      const problem = await runnerStartProblem(t.label, t.runner);
      if (problem) problems.push(problem);
      continue;
    }
    const found = pool.taskClasses.get(t.taskClass);
    library ||= !found?.runnable;
    if (!found) problems.push(`task '${t.label}': class '${t.taskClass}' is not in the task library, and its pipeline gives no run:`);
    else if (!found.runnable) problems.push(`task '${t.label}': class '${t.taskClass}' can be planned but has no run()`);
  }
  if (problems.length) {
    const known = library ? ` (task library: ${[...pool.taskClasses.keys()].join(', ')}; add modules with --tasks)` : '';
    throw new EngineError(`cannot run this graph: ${problems.join('; ')}${known}`, 'TASK_UNKNOWN');
  }
}

/**
 * Before anything is allocated or made: output names `qg run` can use (a graph from before
 * the build checked them), and heap for this graph (HEAP_HEADROOM names the setting to raise).
 */
function checkGraphFits(graph: QuantumGraph): void {
  const { outputRun, outputChain } = graph.header;
  for (const name of [outputRun, ...(outputChain !== null ? [outputChain] : [])]) checkOutputCollectionName(name);
  const heap = graphHeapProblem('run', { quanta: graph.quantumCount, datasets: graph.datasetCount, edges: graph.edgeCount });
  if (heap) throw new EngineError(heap, 'HEAP_HEADROOM');
}

/** Runs (or resumes) `graph` against `repo`. Failed quanta are reported in the summary, not thrown. */
export async function runGraph(repo: Repository, graph: QuantumGraph, options: RunOptions = {}): Promise<RunSummary> {
  checkOptions(options);
  checkGraphFits(graph);
  const t0 = Date.now();
  const jobsN = options.pool?.size ?? options.jobs ?? 1;
  const retries = options.retries ?? 0;
  const verify = options.verifyChecksums ?? true;
  const run = graph.header.outputRun;
  const folder = runFolder(run);
  const gj = new GraphJobs(graph, repo.datastore.template);
  const deps = graph.dependencies();
  const invocation = `${new Date(t0).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomUUID().slice(0, 8)}`;
  const memoryMb = options.memoryMb ?? Math.max(256, Math.min(4096, Math.floor((totalmem() / 2 ** 20) * 0.75 / jobsN)));

  if (graph.header.repositoryId !== repo.registry.id) {
    throw new EngineError(`the graph was built against repository ${graph.header.repositoryId}, but ${repo.root} is repository ${repo.registry.id}: build the graph against this repository`, 'GRAPH_FOREIGN');
  }
  if (options.pool && (options.pool.root !== repo.root || options.pool.template !== repo.datastore.template)) {
    throw new EngineError(`the given worker pool writes into ${options.pool.root}, not this repository (${repo.root})`, 'RUN_OPTIONS');
  }
  const selected = options.subset ? subsetMask(graph, options.subset) : null;
  const lock = options.subset ? lockJob(join(repo.root, folder), run, options.subset.name) : lockRun(join(repo.root, folder), run);
  const ownPool = !options.pool;
  const poolStart = options.pool ? Promise.resolve(options.pool) : WorkerPool.start({ size: jobsN, root: repo.root, template: repo.datastore.template, taskModules: options.taskModules ?? [], memoryMb });
  const observerList: RunObserver[] = [];
  let observers = new CompositeObserver(observerList);
  try {
    const pool = await poolStart;
    await checkTasks(graph, pool); // before touching the registry
    await registerRunCollections(repo, graph);
    const state = await prepareRunState(repo, gj, folder, options.clobberOutputs ?? false, selected);
    if (!selected) await writeConfigs(repo, gj);
    const logPath = options.eventLog === false ? null : options.subset ? jobFile(join(repo.root, folder), options.subset.name, '.events.jsonl') : eventLogPath(repo.root, run);
    if (logPath) observerList.push(new EventLogObserver(logPath));
    observerList.push(...(options.observers ?? []));
    observers = new CompositeObserver(observerList);
    return await coordinate({ repo, graph, gj, deps, state, selected, pool, observers, options, jobsN, retries, verify, invocation, t0, logPath });
  } finally {
    if (ownPool) await poolStart.then((p) => p.close(), () => {});
    observers.close();
    lock.release();
  }
}

/** 1 per quantum of `subset`; RUN_OPTIONS for an index outside the graph. */
function subsetMask(graph: QuantumGraph, subset: QuantumSubset): Uint8Array {
  const mask = new Uint8Array(graph.quantumCount);
  for (const q of subset.quanta) {
    if (!Number.isInteger(q) || q < 0 || q >= graph.quantumCount) throw new EngineError(`quantum ${q} is not in the graph (it has ${graph.quantumCount}: 0-${graph.quantumCount - 1})`, 'RUN_OPTIONS');
    mask[q] = 1;
  }
  return mask;
}

interface Context {
  readonly repo: Repository;
  readonly graph: QuantumGraph;
  readonly gj: GraphJobs;
  readonly deps: ReturnType<QuantumGraph['dependencies']>;
  readonly state: Awaited<ReturnType<typeof prepareRunState>>;
  /** The job's quanta (1 each), or null for the whole graph. */
  readonly selected: Uint8Array | null;
  readonly pool: WorkerPool;
  readonly observers: CompositeObserver;
  readonly options: RunOptions;
  readonly jobsN: number;
  readonly retries: number;
  readonly verify: boolean;
  readonly invocation: string;
  readonly t0: number;
  readonly logPath: string | null;
}

/** The main loop: dispatch ready quanta to idle workers, register results, until nothing can run. */
async function coordinate(ctx: Context): Promise<RunSummary> {
  const { repo, graph, gj, pool, observers, options } = ctx;
  const run = graph.header.outputRun;
  const { complete, files } = ctx.state;
  const mine = (q: number) => ctx.selected === null || ctx.selected[q] === 1;
  // Another job's quanta count as done here (see QuantumSubset).
  const queue = new ReadyQueue(ctx.deps, ctx.selected ? complete.map((c, q) => c | (ctx.selected![q]! ^ 1)) : complete);
  const attempts = new Int32Array(graph.quantumCount);
  const logs = new Map<number, LogRecord[]>();
  const failures: FailedQuantum[] = [];
  const blockedByTask: Record<string, number> = {};
  const cancelledByTask: Record<string, number> = {};
  let succeeded = 0, failed = 0, blocked = 0, cancelled = 0;
  let stopping = false, interrupted = false, stoppedEarly = false;
  let fatal: unknown = null;
  let finished = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const timeoutMs = options.timeoutSeconds !== undefined ? options.timeoutSeconds * 1000 : undefined;

  let n = 0, alreadyDone = 0;
  const taskCounts: Record<string, { quanta: number; toRun: number }> = {};
  for (const t of graph.tasks) {
    let quanta = 0, toRun = 0;
    for (let q = t.quantumOffset; q < t.quantumOffset + t.quantumCount; q++) {
      if (!mine(q)) continue;
      quanta++;
      if (!complete[q]) toRun++;
    }
    taskCounts[t.label] = { quanta, toRun };
    n += quanta;
    alreadyDone += quanta - toRun;
  }

  const registrar = new OutputRegistrar(repo, run, options.batchSize ?? 256,
    (stats) => guard(() => observers.batchRegistered({ event: 'batch-registered', t: Date.now(), ...stats })),
    () => pump());

  /** Runs `fn`; an exception (a bug, a throwing observer) stops the run and is rethrown at the end. */
  function guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (!fatal) fatal = e;
      stop(false);
    }
  }

  function stop(interrupt: boolean): void {
    if (interrupt) interrupted = true;
    if (!stopping) {
      stopping = true;
      for (const q of queue.cancelRemaining()) {
        cancelled++;
        const label = gj.label(q);
        cancelledByTask[label] = (cancelledByTask[label] ?? 0) + 1;
      }
    }
    if (interrupt) void pool.stopAll();
    pump();
  }

  function pump(): void {
    if (finished) return;
    while (!stopping && pool.idle > 0 && queue.readyCount > 0) {
      const q = queue.take()!;
      try {
        dispatch(q);
      } catch (e) {
        if (!fatal) fatal = e;
        stop(false);
      }
    }
    // Nothing can start until registrations commit: do not wait for a fuller batch.
    if ((stopping || pool.idle > 0) && queue.readyCount === 0) registrar.flushNow();
    if (queue.finished && registrar.idle) {
      finished = true;
      resolveDone();
    }
  }

  function dispatch(q: number): void {
    const attempt = ++attempts[q]!;
    const job = gj.job(q, attempt, (d) => files[d] ?? null, ctx.verify);
    const started = pool.run(job, timeoutMs);
    observers.quantumStarted({ event: 'quantum-started', t: Date.now(), quantum: q, task: job.label, dataId: job.dataId, worker: started.worker, attempt });
    void started.outcome.then((outcome) => guard(() => settle(q, started.worker, attempt, outcome)));
  }

  function settle(q: number, worker: number, attempt: number, outcome: QuantumOutcome): void {
    observers.quantumEnded({ event: 'quantum-ended', t: Date.now(), quantum: q, worker, ok: outcome.ok });
    const label = gj.label(q);
    const dataId = graph.quantumDataId(q);
    const base = { quantum: q, task: label, dataId, worker, attempt, start: outcome.start, end: outcome.end };
    if (outcome.ok) {
      const outputs = gj.outputs(q);
      const byId = new Map(outputs.map((o) => [graph.datasetId(o.dataset), o.dataset]));
      const refs: DatasetRef[] = [];
      for (const f of outcome.files) {
        const d = byId.get(f.datasetId);
        if (d === undefined) throw new EngineError(`quantum ${q} (${label}) wrote a file for dataset ${f.datasetId}, which is not one of its outputs`, 'ENGINE_BUG');
        refs.push(gj.ref(d));
      }
      registrar.add({
        quantum: q, refs, files: outcome.files,
        committed: () => guard(() => {
          outcome.files.forEach((f, i) => { files[byId.get(refs[i]!.id)!] = f; });
          queue.complete(q);
          succeeded++;
          observers.quantumFinished({ event: 'quantum-finished', t: Date.now(), ...base, status: 'succeeded', peakMemory: outcome.metadata.memory.peakMalloced });
          pump();
        }),
        failed: (error) => guard(() => {
          for (const f of outcome.files) repo.datastore.remove(f);
          fail(q, worker, attempt, outcome.start, outcome.end, { name: error.name, code: 'REGISTRATION', message: `registering the outputs failed: ${error.message}` });
          pump();
        }),
      });
      pump(); // its worker is free
      return;
    }
    removeAttemptFiles(q);
    const log = logs.get(q) ?? [];
    log.push(...outcome.log);
    logs.set(q, log);
    if (interrupted) {
      queue.abandon(q); // counted per quantum by its event, not in cancelledByTask (quanta that never started)
      cancelled++;
      observers.quantumFinished({ event: 'quantum-finished', t: Date.now(), ...base, status: 'cancelled', code: outcome.error.code, message: outcome.error.message });
      pump();
      return;
    }
    if (attempt <= ctx.retries && !stopping && !NOT_RETRIED.has(outcome.error.code)) {
      queue.requeue(q);
      observers.quantumFinished({ event: 'quantum-finished', t: Date.now(), ...base, status: 'retrying', code: outcome.error.code, message: outcome.error.message });
      pump();
      return;
    }
    fail(q, worker, attempt, outcome.start, outcome.end, outcome.error);
    pump();
  }

  /** A quantum fails for good: block its downstream, write and register its log, maybe stop. */
  function fail(q: number, worker: number, attempt: number, start: number, end: number, error: ErrorInfo): void {
    const label = gj.label(q);
    const dataId = graph.quantumDataId(q);
    failed++;
    const newlyBlocked = queue.fail(q);
    if (newlyBlocked.length) {
      const byTask: Record<string, number[]> = {};
      for (const b of newlyBlocked) (byTask[gj.label(b)] ??= []).push(b);
      for (const [task, list] of Object.entries(byTask)) blockedByTask[task] = (blockedByTask[task] ?? 0) + list.length;
      blocked += newlyBlocked.length;
      observers.quantaBlocked({ event: 'quanta-blocked', t: Date.now(), cause: q, tasks: byTask });
    }
    const log = logs.get(q) ?? [];
    logs.delete(q);
    const logOutput = gj.outputs(q).find((o) => o.role === 'log');
    let logFile: StoredFile | null = null;
    if (logOutput && error.code !== 'REGISTRATION') {
      try {
        logFile = repo.datastore.write(gj.ref(logOutput.dataset), gj.storageClass(logOutput.dataset), log);
      } catch { /* reported without a log path */ }
    }
    const logAbs = logFile ? repo.datastore.pathOf(logFile) : null;
    failures.push({ quantum: q, task: label, dataId, code: error.code, message: error.message, attempts: attempt, log: logAbs });
    observers.quantumFinished({
      event: 'quantum-finished', t: Date.now(), quantum: q, task: label, dataId, worker, attempt, start, end, status: 'failed',
      code: error.code, message: error.message, ...(logFile ? { log: logFile.path } : {}),
    });
    if (logFile && logOutput) {
      const file = logFile;
      registrar.add({ quantum: q, refs: [gj.ref(logOutput.dataset)], files: [file], committed: () => {}, failed: () => repo.datastore.remove(file) });
    }
    if (options.failFast) {
      stoppedEarly = true;
      stop(false);
    }
  }

  /** Removes whatever a failed attempt may have left at its outputs' paths (and temporary files). */
  function removeAttemptFiles(q: number): void {
    const paths = gj.outputs(q).map((o) => gj.predictedPath(o.dataset));
    for (const p of paths) rmSync(repo.datastore.pathOf({ path: p }), { force: true });
    for (const [folder, names] of namesByFolder(paths)) {
      let entries: string[];
      try {
        entries = readdirSync(repo.datastore.pathOf({ path: folder }));
      } catch {
        continue;
      }
      for (const e of entries) if (isTempFileOf(e, names)) rmSync(join(repo.datastore.pathOf({ path: folder }), e), { force: true });
    }
  }

  const onAbort = () => guard(() => stop(true));
  options.signal?.addEventListener('abort', onAbort);
  try {
    observers.runStarted({
      event: 'run-started', t: Date.now(), invocation: ctx.invocation, run, chain: graph.header.outputChain, host: hostname(), pid: process.pid,
      jobs: ctx.jobsN, command: options.command ?? '', quanta: n, alreadyDone, toRun: n - alreadyDone, tasks: taskCounts, cleaned: ctx.state.cleaned,
    });
    if (options.signal?.aborted) stop(true);
    pump();
    await done;
    await registrar.drain();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  const counts: RunCounts = { alreadyDone, succeeded, failed, blocked, cancelled };
  const seconds = (Date.now() - ctx.t0) / 1000;
  observers.runFinished({ event: 'run-finished', t: Date.now(), invocation: ctx.invocation, seconds, counts, cancelled: cancelledByTask, interrupted, failFast: stoppedEarly });
  if (fatal) throw fatal;
  return {
    run, chain: graph.header.outputChain, invocation: ctx.invocation, eventLog: ctx.logPath, quanta: n, counts,
    failures: failures.sort((a, b) => a.quantum - b.quantum), blocked: blockedByTask, cleaned: ctx.state.cleaned, seconds, interrupted, stoppedEarly,
    complete: alreadyDone + succeeded === n,
  };
}
