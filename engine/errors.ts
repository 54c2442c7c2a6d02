/**
 * Errors of the engine. `code` is stable: engine/cli maps codes to exit statuses and tests
 * assert codes, not wording.
 */

/** Root of every error the engine raises. */
export class EngineError extends Error {
  override name = 'EngineError';
  constructor(message: string, readonly code: string = 'ENGINE') {
    super(message);
  }
}

/**
 * Why one quantum failed: the task threw, an input file is missing or corrupt, the quantum
 * ran past its timeout or exhausted its worker's memory, or its worker died. It fails that
 * quantum only; `code` says which (`TASK_FAILED`, `INPUT_MISSING`, `INPUT_CORRUPT`,
 * `QUANTUM_TIMEOUT`, `QUANTUM_MEMORY`, `WORKER_DIED`, `OUTPUT_INVALID`, `REGISTRATION`).
 */
export class QuantumError extends EngineError {
  override name = 'QuantumError';
  constructor(message: string, code: string, readonly detail?: string) {
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
