/**
 * Errors of the engine. `code` is stable: engine/cli maps codes to exit statuses and tests
 * assert codes, not wording.
 */

/**
 * Codes of QuantumError: why one quantum failed (a missing or corrupt input, a task that
 * cannot be loaded or run, outputs it did not write as declared, its command failing).
 */
export type QuantumErrorCode =
  | 'INPUT_MISSING' | 'INPUT_CORRUPT' | 'TASK_MODULE' | 'TASK_UNKNOWN' | 'TASK_NOT_RUNNABLE'
  | 'OUTPUT_INVALID' | 'OUTPUT_MISSING' | 'COMMAND_FAILED';

/** Every code an EngineError carries. */
export type EngineErrorCode =
  | QuantumErrorCode
  // qg run: its options, the run's lock and state, the graph
  | 'RUN_OPTIONS' | 'RUN_LOCKED' | 'RUN_CONFIG_CHANGED' | 'RUN_OUTPUTS_CONFLICT' | 'GRAPH_FOREIGN' | 'PRUNE_REPLACED'
  // workers and memory
  | 'WORKER_START' | 'POOL_BUSY' | 'POOL_CLOSED' | 'HEAP_HEADROOM'
  // qg submit, status, cancel, run-quanta
  | 'SUBMIT_ACTIVE' | 'SUBMIT_EXISTS' | 'SUBMIT_NONE' | 'SUBMIT_OPTIONS' | 'SUBMIT_SQLITE' | 'QUANTUM_LIST' | 'SLURM' | 'SLURM_MISSING'
  // qg report
  | 'REPORT_NO_EVENTS' | 'REPORT_RUN'
  // a broken invariant of the engine's own
  | 'ENGINE_BUG';

/** Root of every error the engine raises. */
export class EngineError extends Error {
  override name = 'EngineError';
  constructor(message: string, readonly code: EngineErrorCode) {
    super(message);
  }
}

/**
 * Why one quantum failed. It fails that quantum only; `code` says which. (A failed quantum's
 * {@link ErrorInfo} may also say `TASK_FAILED`, `QUANTUM_TIMEOUT`, `QUANTUM_MEMORY`,
 * `WORKER_DIED` or `REGISTRATION`: failures seen from outside the task, never thrown.)
 */
export class QuantumError extends EngineError {
  override name = 'QuantumError';
  constructor(message: string, override readonly code: QuantumErrorCode, readonly detail?: string) {
    super(message, code);
  }
}

/** An error as plain data (what crosses a worker boundary and goes into logs and events). */
export interface ErrorInfo {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly stack?: string;
}

/** Plain-data form of any thrown value. */
export function errorInfo(e: unknown, fallbackCode = 'TASK_FAILED'): ErrorInfo {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { name: e.name, code: typeof code === 'string' ? code : fallbackCode, message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
  }
  return { name: 'Error', code: fallbackCode, message: String(e) };
}
