/**
 * A pool of worker threads that run quanta, one at a time each. Slots are numbered (the
 * lanes of the Gantt chart). A quantum that runs past its timeout gets its worker
 * terminated (with the shell of a command task it runs); a worker that exhausts its heap
 * (`resourceLimits`) or dies takes only its own quantum with it. Either way the slot gets a
 * fresh worker. The pool knows nothing of the
 * graph: the ready queue decides what runs, the coordinator what happens next.
 */
import { Worker } from 'node:worker_threads';
import { EngineError, type ErrorInfo } from '../errors.js';
import type { QuantumJob, QuantumOutcome } from './quantum-executor.js';
import type { WorkerBoot, WorkerReply, WorkerRequest } from './worker-protocol.js';

/** How to make the pool. */
export interface WorkerPoolOptions {
  /** Number of worker threads (-j). */
  readonly size: number;
  /** Repository root and file template (workers read and write files through a datastore). */
  readonly root: string;
  readonly template: string;
  /** Extra task library modules (paths or URLs exporting `TASK_LIBRARY`). */
  readonly taskModules?: readonly string[];
  /** Old-generation heap limit of each worker, in MB (a task that needs more fails its quantum). */
  readonly memoryMb?: number;
}

interface Busy {
  readonly id: number;
  readonly job: QuantumJob;
  readonly resolve: (outcome: QuantumOutcome) => void;
  /**
   * When the job reached a ready worker (submission time until then): its timeout counts from
   * here, and so does a failed attempt's time, so the boot of a replacement worker counts in neither.
   */
  started: number;
  timer: NodeJS.Timeout | null;
  /** Its timeout fired: its worker is being terminated, and the slot's worker is already the replacement. */
  timedOut: boolean;
  /** Process group of the command task's shell, once started. */
  command: number | null;
}

/**
 * Kills the process group of `busy`'s command, if it has one, before its worker is stopped: a
 * killed group writes nothing more (the group's watchdog would kill it too once the worker is
 * gone, but only after the coordinator may have cleaned up).
 */
function killCommand(busy: Busy | null): void {
  if (!busy?.command) return;
  try {
    process.kill(-busy.command, 'SIGKILL');
  } catch { /* already gone */ }
}

interface Slot {
  readonly index: number;
  worker: Worker | null;
  ready: Promise<void>;
  /** The current worker has loaded the task library. */
  booted: boolean;
  busy: Busy | null;
  /** Message of the last unexpected error event of the current worker. */
  lastError: Error | null;
}

/** A worker thread's entry: runs worker-main.ts compiled or from the sources, as this module runs. */
const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);
/** Whether this module runs compiled (dist/qg.cjs names it with a `.js` extension). */
const COMPILED = !import.meta.url.endsWith('.ts');

/** The pool. */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  private library: ReadonlyMap<string, { readonly runnable: boolean }> = new Map();

  private constructor(private readonly options: WorkerPoolOptions) {}

  /** Starts `size` workers and waits until each has loaded the task library. */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    if (!Number.isInteger(options.size) || options.size < 1) throw new EngineError(`the number of workers must be a positive integer, got ${options.size}`, 'RUN_OPTIONS');
    const pool = new WorkerPool(options);
    for (let i = 0; i < options.size; i++) {
      const slot: Slot = { index: i, worker: null, ready: Promise.resolve(), booted: false, busy: null, lastError: null };
      pool.slots.push(slot);
      pool.spawn(slot);
    }
    try {
      await Promise.all(pool.slots.map((s) => s.ready));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** Repository root the workers write into. */
  get root(): string {
    return this.options.root;
  }

  /** File template of that repository. */
  get template(): string {
    return this.options.template;
  }

  /** The task classes the workers loaded, and whether each can run (has a `run`). */
  get taskClasses(): ReadonlyMap<string, { readonly runnable: boolean }> {
    return this.library;
  }

  /** Number of workers. */
  get size(): number {
    return this.slots.length;
  }

  /** Number of workers without a quantum. */
  get idle(): number {
    let n = 0;
    for (const s of this.slots) if (!s.busy) n++;
    return n;
  }

  /**
   * Starts `job` on an idle worker (there must be one) and says which. The outcome never
   * rejects: a timeout, heap exhaustion or a dying worker is a failed outcome (codes
   * QUANTUM_TIMEOUT, QUANTUM_MEMORY, WORKER_DIED), settled once that worker has stopped,
   * and the slot gets a new worker.
   */
  run(job: QuantumJob, timeoutMs?: number): { readonly worker: number; readonly outcome: Promise<QuantumOutcome> } {
    if (this.closed) throw new EngineError('the worker pool is closed', 'POOL_CLOSED');
    // A slot whose worker has booted first: a replacement still booting would delay the job.
    const slot = this.slots.find((s) => !s.busy && s.booted) ?? this.slots.find((s) => !s.busy);
    if (!slot) throw new EngineError('no idle worker', 'POOL_BUSY');
    const outcome = new Promise<QuantumOutcome>((resolve) => {
      const busy: Busy = { id: this.nextId++, job, resolve, started: Date.now(), timer: null, timedOut: false, command: null };
      slot.busy = busy;
      slot.ready.then(() => {
        if (slot.busy !== busy || !slot.worker) return;
        busy.started = Date.now();
        if (timeoutMs !== undefined && timeoutMs > 0) {
          busy.timer = setTimeout(() => this.timeout(slot, busy, timeoutMs), timeoutMs);
        }
        slot.worker.postMessage({ type: 'run', id: busy.id, job } satisfies WorkerRequest);
      }, (e: unknown) => {
        // the replacement worker could not start
        this.finish(slot, busy, this.failure(busy, { name: 'EngineError', code: 'WORKER_DIED', message: `no worker to run the quantum: ${(e as Error).message}` }));
      });
    });
    return { worker: slot.index, outcome };
  }

  /**
   * Terminates the workers that are running quanta (they end as failed, WORKER_DIED) and
   * starts fresh ones in their slots; idle workers stay.
   */
  async stopAll(): Promise<void> {
    await Promise.all(this.slots.map(async (slot) => {
      const busy = slot.busy;
      const w = slot.worker;
      if (!busy || !w || busy.timedOut) return;
      slot.worker = null;
      killCommand(busy);
      await w.terminate();
      this.finish(slot, busy, this.failure(busy, { name: 'EngineError', code: 'WORKER_DIED', message: 'the run was stopped while this quantum was running' }));
      if (!this.closed) this.spawn(slot);
    }));
  }

  /** Terminates every worker; running quanta end as failed (WORKER_DIED) once their worker has stopped. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map(async (slot) => {
      const w = slot.worker;
      slot.worker = null;
      killCommand(slot.busy);
      if (w) await w.terminate();
      if (slot.busy) this.finish(slot, slot.busy, this.failure(slot.busy, { name: 'EngineError', code: 'WORKER_DIED', message: 'the run was stopped while this quantum was running' }));
    }));
  }

  private spawn(slot: Slot): void {
    const boot: WorkerBoot = { root: this.options.root, template: this.options.template, taskModules: this.options.taskModules ?? [], slot: slot.index, compiled: COMPILED };
    const worker = new Worker(BOOTSTRAP, {
      workerData: boot,
      ...(this.options.memoryMb ? { resourceLimits: { maxOldGenerationSizeMb: this.options.memoryMb } } : {}),
    });
    slot.worker = worker;
    slot.booted = false;
    slot.lastError = null;
    let booted = false;
    slot.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: WorkerReply) => {
        if (m.type === 'ready') {
          booted = true;
          if (slot.worker === worker) slot.booted = true;
          this.library = new Map(m.tasks.map((t) => [t.name, { runnable: t.runnable }]));
          resolve();
        } else if (m.type === 'boot-failed') {
          reject(new EngineError(`worker ${slot.index} could not start: ${m.error.message}`, m.error.code === 'TASK_MODULE' ? 'TASK_MODULE' : 'WORKER_START'));
          void worker.terminate();
        } else if (m.type === 'command') {
          if (slot.busy?.id === m.id) slot.busy.command = m.group;
        } else if (m.type === 'done') {
          const busy = slot.busy;
          if (busy && busy.id === m.id && slot.worker === worker) this.finish(slot, busy, m.outcome);
        }
      });
      worker.on('error', (e) => {
        slot.lastError = e;
        if (!booted) reject(new EngineError(`worker ${slot.index} could not start: ${e.message}`, 'WORKER_START'));
      });
      worker.on('exit', (code) => {
        if (!booted) reject(new EngineError(`worker ${slot.index} exited (code ${code}) before it was ready`, 'WORKER_START'));
        if (slot.worker !== worker) return; // replaced on purpose (timeout, close)
        slot.worker = null;
        const busy = slot.busy;
        killCommand(busy);
        if (busy) {
          const e = slot.lastError as (Error & { code?: string }) | null;
          const memory = e?.code === 'ERR_WORKER_OUT_OF_MEMORY';
          const error: ErrorInfo = memory
            ? { name: 'QuantumError', code: 'QUANTUM_MEMORY', message: `the task exhausted its worker's memory${this.options.memoryMb ? ` (heap limit ${this.options.memoryMb} MB; raise it with --memory)` : ''}: ${e!.message}` }
            : { name: 'QuantumError', code: 'WORKER_DIED', message: `the worker running this quantum died (exit code ${code})${e ? `: ${e.message}` : ''}`, ...(e?.stack ? { stack: e.stack } : {}) };
          this.finish(slot, busy, this.failure(busy, error));
        }
        if (!this.closed) this.spawn(slot);
      });
    });
    // A slot whose replacement cannot boot reports it to the next job; avoid an unhandled rejection meanwhile.
    slot.ready.catch(() => {});
  }

  private timeout(slot: Slot, busy: Busy, timeoutMs: number): void {
    if (slot.busy !== busy) return;
    const worker = slot.worker;
    slot.worker = null; // its exit is ours, not a death
    busy.timedOut = true;
    killCommand(busy);
    const error: ErrorInfo = { name: 'QuantumError', code: 'QUANTUM_TIMEOUT', message: `the quantum ran past its timeout of ${Number((timeoutMs / 1000).toFixed(3))} s; its worker was terminated` };
    // The replacement boots while the old thread stops; the slot's next job waits for it (slot.ready).
    if (!this.closed) this.spawn(slot);
    // Settle once the thread has stopped, so it writes nothing after the coordinator cleans up.
    void (worker ? worker.terminate() : Promise.resolve()).catch(() => {}).then(() => this.finish(slot, busy, this.failure(busy, error)));
  }

  private failure(busy: Busy, error: ErrorInfo): QuantumOutcome {
    return {
      ok: false, error, start: busy.started, end: Date.now(),
      log: [{ time: new Date().toISOString(), level: 'ERROR', name: 'qg.engine', message: `${error.name} [${error.code}]: ${error.message}` }],
    };
  }

  private finish(slot: Slot, busy: Busy, outcome: QuantumOutcome): void {
    if (slot.busy !== busy) return;
    if (busy.timer) clearTimeout(busy.timer);
    slot.busy = null;
    busy.resolve(outcome);
  }
}
