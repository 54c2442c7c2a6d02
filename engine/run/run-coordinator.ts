/**
 * The main loop of `qg run` (the flow of one quantum is in run-graph.ts's comment): dispatch
 * ready quanta to idle workers, register what they wrote, retry or fail what failed, until
 * nothing can run. Everything it tracks is a field, and the pool is an interface
 * ({@link QuantumRunner}), so tests drive it with a fake pool.
 */
import { readdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { QuantumGraph } from '../../planner/index.js';
import type { DatasetRef, Repository, StoredFile } from '../../registry/index.js';
import { EngineError, type ErrorInfo } from '../errors.js';
import type { LogRecord, QuantumJob, QuantumOutcome, QuantumSuccess } from '../execute/quantum-executor.js';
import { ReadyQueue } from '../schedule/ready-queue.js';
import type { CompositeObserver, QuantumFinishedEvent, RunCounts } from '../observe/run-events.js';
import type { GraphJobs } from './graph-jobs.js';
import { OutputRegistrar } from './output-registrar.js';
import { isTempFileOf, namesByFolder, type RunState } from './run-state.js';

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

/** What the coordinator needs of a worker pool (`WorkerPool` has it). */
export interface QuantumRunner {
  /** Number of workers without a quantum. */
  readonly idle: number;
  /** Starts `job` on an idle worker; the outcome never rejects. */
  run(job: QuantumJob, timeoutMs?: number): { readonly worker: number; readonly outcome: Promise<QuantumOutcome> };
  /** Terminates the running quanta (they end as failed outcomes). */
  stopAll(): Promise<void>;
}

/** The run's settings, defaults applied (see `RunOptions`). */
export interface CoordinatorSettings {
  readonly retries: number;
  readonly failFast: boolean;
  readonly timeoutMs?: number;
  readonly batchSize: number;
  readonly verifyChecksums: boolean;
  /** Number of workers, for the event log. */
  readonly workers: number;
  readonly command: string;
  readonly signal?: AbortSignal;
  readonly invocation: string;
  /** Epoch milliseconds the run started (the summary's `seconds` count from it). */
  readonly startedAt: number;
  /** Absolute path of the event log, or null. */
  readonly eventLog: string | null;
}

/** What one run coordinates. */
export interface CoordinatorContext {
  readonly repo: Repository;
  readonly graph: QuantumGraph;
  readonly jobs: GraphJobs;
  readonly state: RunState;
  /** The job's quanta (1 each), or null for the whole graph. */
  readonly selected: Uint8Array | null;
  readonly pool: QuantumRunner;
  readonly observers: CompositeObserver;
  readonly settings: CoordinatorSettings;
}

/** Codes of failures that another attempt cannot fix. */
const NOT_RETRIED = new Set(['INPUT_MISSING', 'INPUT_CORRUPT', 'TASK_UNKNOWN', 'TASK_NOT_RUNNABLE', 'TASK_MODULE', 'REGISTRATION']);

/** Adds `n` to `label`'s count. */
function countFor(counts: Record<string, number>, label: string, n = 1): void {
  counts[label] = (counts[label] ?? 0) + n;
}

/** Coordinates one run; `run()` once. */
export class RunCoordinator {
  private readonly queue: ReadyQueue;
  private readonly registrar: OutputRegistrar;
  private readonly attempts: Int32Array;
  /** Log records of the failed attempts of quanta not yet finished. */
  private readonly logs = new Map<number, LogRecord[]>();
  private readonly failures: FailedQuantum[] = [];
  private readonly blockedByTask: Record<string, number> = {};
  /** Quanta that never started because the run stopped, per task. */
  private readonly cancelledByTask: Record<string, number> = {};
  private readonly counts: { -readonly [K in keyof RunCounts]: RunCounts[K] } = { alreadyDone: 0, succeeded: 0, failed: 0, blocked: 0, cancelled: 0 };
  /** Quanta of this invocation (the job's share, or the graph). */
  private quanta = 0;
  private readonly taskCounts: Record<string, { quanta: number; toRun: number }> = {};
  private stopping = false;
  private interrupted = false;
  private stoppedEarly = false;
  /** The first exception of a bug or a throwing observer: stops the run, rethrown at the end. */
  private fatal: unknown = null;
  private finished = false;
  private resolveDone!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  constructor(private readonly ctx: CoordinatorContext) {
    const { graph, selected, state } = ctx;
    // Another job's quanta count as done here (see QuantumSubset).
    this.queue = new ReadyQueue(graph.dependencies(), selected ? state.complete.map((c, q) => c | (selected[q]! ^ 1)) : state.complete);
    this.attempts = new Int32Array(graph.quantumCount);
    this.registrar = new OutputRegistrar(ctx.repo, graph.header.outputRun, ctx.settings.batchSize,
      (stats) => this.guard(() => ctx.observers.batchRegistered({ event: 'batch-registered', t: Date.now(), ...stats })),
      () => this.pump());
    this.countQuanta();
  }

  /** Runs until nothing can run, then reports. Failed quanta are in the summary; a fatal error is thrown. */
  async run(): Promise<RunSummary> {
    const { graph, observers, settings } = this.ctx;
    const onAbort = () => this.guard(() => this.stop(true));
    settings.signal?.addEventListener('abort', onAbort);
    try {
      observers.runStarted({
        event: 'run-started', t: Date.now(), invocation: settings.invocation, run: graph.header.outputRun, chain: graph.header.outputChain, host: hostname(), pid: process.pid,
        jobs: settings.workers, command: settings.command, quanta: this.quanta, alreadyDone: this.counts.alreadyDone, toRun: this.quanta - this.counts.alreadyDone,
        tasks: this.taskCounts, cleaned: this.ctx.state.cleaned,
      });
      if (settings.signal?.aborted) this.stop(true);
      this.pump();
      await this.done;
      await this.registrar.drain();
    } finally {
      settings.signal?.removeEventListener('abort', onAbort);
    }
    return this.summary();
  }

  /** Quanta of this invocation per task, and how many of them are already complete. */
  private countQuanta(): void {
    const { graph, selected, state } = this.ctx;
    for (const t of graph.tasks) {
      let quanta = 0, toRun = 0;
      for (let q = t.quantumOffset; q < t.quantumOffset + t.quantumCount; q++) {
        if (selected && !selected[q]) continue;
        quanta++;
        if (!state.complete[q]) toRun++;
      }
      this.taskCounts[t.label] = { quanta, toRun };
      this.quanta += quanta;
      this.counts.alreadyDone += quanta - toRun;
    }
  }

  private summary(): RunSummary {
    const { graph, observers, settings, state } = this.ctx;
    const counts: RunCounts = { ...this.counts };
    const seconds = (Date.now() - settings.startedAt) / 1000;
    observers.runFinished({
      event: 'run-finished', t: Date.now(), invocation: settings.invocation, seconds, counts, cancelled: this.cancelledByTask, interrupted: this.interrupted, failFast: this.stoppedEarly,
    });
    if (this.fatal) throw this.fatal;
    return {
      run: graph.header.outputRun, chain: graph.header.outputChain, invocation: settings.invocation, eventLog: settings.eventLog, quanta: this.quanta, counts,
      failures: this.failures.sort((a, b) => a.quantum - b.quantum), blocked: this.blockedByTask, cleaned: state.cleaned, seconds,
      interrupted: this.interrupted, stoppedEarly: this.stoppedEarly, complete: counts.alreadyDone + counts.succeeded === this.quanta,
    };
  }

  /** Runs `fn`; an exception (a bug, a throwing observer) stops the run and is rethrown at the end. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.fatal ??= e;
      this.stop(false);
    }
  }

  /** Starts nothing more (the quanta not started are cancelled); an interrupt also terminates the running ones. */
  private stop(interrupt: boolean): void {
    if (interrupt) this.interrupted = true;
    if (!this.stopping) {
      this.stopping = true;
      for (const q of this.queue.cancelRemaining()) {
        this.counts.cancelled++;
        countFor(this.cancelledByTask, this.ctx.jobs.label(q));
      }
    }
    if (interrupt) void this.ctx.pool.stopAll();
    this.pump();
  }

  /** Starts ready quanta on idle workers; ends the run once every quantum is settled and registered. */
  private pump(): void {
    if (this.finished) return;
    const { pool } = this.ctx;
    while (!this.stopping && pool.idle > 0 && this.queue.readyCount > 0) {
      const q = this.queue.take()!;
      this.guard(() => this.dispatch(q));
    }
    // Nothing can start until registrations commit: do not wait for a fuller batch.
    if ((this.stopping || pool.idle > 0) && this.queue.readyCount === 0) this.registrar.flushNow();
    if (this.queue.finished && this.registrar.idle) {
      this.finished = true;
      this.resolveDone();
    }
  }

  private dispatch(q: number): void {
    const { jobs, pool, observers, settings, state } = this.ctx;
    const attempt = ++this.attempts[q]!;
    const job = jobs.job(q, attempt, (d) => state.files[d] ?? null, settings.verifyChecksums);
    const started = pool.run(job, settings.timeoutMs);
    observers.quantumStarted({ event: 'quantum-started', t: Date.now(), quantum: q, task: job.label, dataId: job.dataId, worker: started.worker, attempt });
    void started.outcome.then((outcome) => this.guard(() => this.settle(q, started.worker, attempt, outcome)));
  }

  /** What happens after an attempt: register its outputs, or cancel, retry or fail it. */
  private settle(q: number, worker: number, attempt: number, outcome: QuantumOutcome): void {
    this.ctx.observers.quantumEnded({ event: 'quantum-ended', t: Date.now(), quantum: q, worker, ok: outcome.ok });
    if (outcome.ok) {
      this.register(q, worker, attempt, outcome);
    } else {
      this.removeAttemptFiles(q);
      const log = this.logs.get(q) ?? [];
      log.push(...outcome.log);
      this.logs.set(q, log);
      const { error } = outcome;
      if (this.interrupted) {
        this.queue.abandon(q); // counted per quantum by its event, not in cancelledByTask (quanta that never started)
        this.counts.cancelled++;
        this.finishedEvent(q, worker, attempt, outcome, { status: 'cancelled', code: error.code, message: error.message });
      } else if (attempt <= this.ctx.settings.retries && !this.stopping && !NOT_RETRIED.has(error.code)) {
        this.queue.requeue(q);
        this.finishedEvent(q, worker, attempt, outcome, { status: 'retrying', code: error.code, message: error.message });
      } else {
        this.fail(q, worker, attempt, outcome, error);
      }
    }
    this.pump(); // its worker is free
  }

  /** Queues a successful attempt's files for registration; its consumers are released once they commit. */
  private register(q: number, worker: number, attempt: number, outcome: QuantumSuccess): void {
    const { graph, jobs, repo, state } = this.ctx;
    const byId = new Map(jobs.outputs(q).map((o) => [graph.datasetId(o.dataset), o.dataset]));
    const refs: DatasetRef[] = [];
    for (const f of outcome.files) {
      const d = byId.get(f.datasetId);
      if (d === undefined) throw new EngineError(`quantum ${q} (${jobs.label(q)}) wrote a file for dataset ${f.datasetId}, which is not one of its outputs`, 'ENGINE_BUG');
      refs.push(jobs.ref(d));
    }
    this.registrar.add({
      quantum: q, refs, files: outcome.files,
      committed: () => this.guard(() => {
        outcome.files.forEach((f, i) => { state.files[byId.get(refs[i]!.id)!] = f; });
        this.queue.complete(q);
        this.counts.succeeded++;
        this.finishedEvent(q, worker, attempt, outcome, { status: 'succeeded', peakMemory: outcome.metadata.memory.peakMalloced });
        this.pump();
      }),
      failed: (error) => this.guard(() => {
        for (const f of outcome.files) repo.datastore.remove(f);
        this.fail(q, worker, attempt, outcome, { name: error.name, code: 'REGISTRATION', message: `registering the outputs failed: ${error.message}` });
        this.pump();
      }),
    });
  }

  /** A quantum fails for good: block its downstream, write and register its log, maybe stop. */
  private fail(q: number, worker: number, attempt: number, times: { start: number; end: number }, error: ErrorInfo): void {
    const { graph, jobs, settings } = this.ctx;
    this.counts.failed++;
    this.block(q);
    const log = this.logs.get(q) ?? [];
    this.logs.delete(q);
    const logFile = error.code === 'REGISTRATION' ? null : this.writeLog(q, log);
    const logAbs = logFile ? this.ctx.repo.datastore.pathOf(logFile) : null;
    this.failures.push({ quantum: q, task: jobs.label(q), dataId: graph.quantumDataId(q), code: error.code, message: error.message, attempts: attempt, log: logAbs });
    this.finishedEvent(q, worker, attempt, times, { status: 'failed', code: error.code, message: error.message, ...(logFile ? { log: logFile.path } : {}) });
    if (settings.failFast) {
      this.stoppedEarly = true;
      this.stop(false);
    }
  }

  /** Blocks what is downstream of failed quantum `q`. */
  private block(q: number): void {
    const newlyBlocked = this.queue.fail(q);
    if (!newlyBlocked.length) return;
    const byTask: Record<string, number[]> = {};
    for (const b of newlyBlocked) (byTask[this.ctx.jobs.label(b)] ??= []).push(b);
    for (const [task, list] of Object.entries(byTask)) countFor(this.blockedByTask, task, list.length);
    this.counts.blocked += newlyBlocked.length;
    this.ctx.observers.quantaBlocked({ event: 'quanta-blocked', t: Date.now(), cause: q, tasks: byTask });
  }

  /** Writes a failed quantum's log dataset (if its task has one) and queues its registration; null if not written. */
  private writeLog(q: number, log: readonly LogRecord[]): StoredFile | null {
    const { jobs, repo } = this.ctx;
    const logOutput = jobs.outputs(q).find((o) => o.role === 'log');
    if (!logOutput) return null;
    const ref = jobs.ref(logOutput.dataset);
    let file: StoredFile;
    try {
      file = repo.datastore.write(ref, jobs.storageClass(logOutput.dataset), log);
    } catch {
      return null; // reported without a log path
    }
    this.registrar.add({ quantum: q, refs: [ref], files: [file], committed: () => {}, failed: () => repo.datastore.remove(file) });
    return file;
  }

  /** Tells the observers how attempt `attempt` of `q` ended. */
  private finishedEvent(q: number, worker: number, attempt: number, times: { start: number; end: number }, result: Pick<QuantumFinishedEvent, 'status' | 'code' | 'message' | 'log' | 'peakMemory'>): void {
    this.ctx.observers.quantumFinished({
      event: 'quantum-finished', t: Date.now(), quantum: q, task: this.ctx.jobs.label(q), dataId: this.ctx.graph.quantumDataId(q), worker, attempt,
      start: times.start, end: times.end, ...result,
    });
  }

  /** Removes whatever a failed attempt may have left at its outputs' paths (and temporary files). */
  private removeAttemptFiles(q: number): void {
    const { jobs, repo } = this.ctx;
    const paths = jobs.outputs(q).map((o) => jobs.predictedPath(o.dataset));
    for (const p of paths) rmSync(repo.datastore.pathOf({ path: p }), { force: true });
    for (const [folder, names] of namesByFolder(paths)) {
      const abs = repo.datastore.pathOf({ path: folder });
      let entries: string[];
      try {
        entries = readdirSync(abs);
      } catch {
        continue;
      }
      for (const e of entries) if (isTempFileOf(e, names)) rmSync(join(abs, e), { force: true });
    }
  }
}
