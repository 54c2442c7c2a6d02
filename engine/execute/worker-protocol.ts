/** Messages between the pool (main thread) and its worker threads. */
import type { ErrorInfo } from '../errors.js';
import type { QuantumJob, QuantumOutcome } from './quantum-executor.js';

/** `workerData` of a worker thread. */
export interface WorkerBoot {
  readonly root: string;
  readonly template: string;
  /** Modules whose `TASK_LIBRARY` exports make up the task library. */
  readonly taskModules: readonly string[];
  /** The worker's slot (lane) number. */
  readonly slot: number;
  /** Whether the worker runs compiled qg (dist/) or the TypeScript sources, as the pool does. */
  readonly compiled: boolean;
}

/** Main -> worker. */
export type WorkerRequest = { readonly type: 'run'; readonly id: number; readonly job: QuantumJob };

/** Worker -> main. */
export type WorkerReply =
  | { readonly type: 'ready'; readonly tasks: readonly { readonly name: string; readonly runnable: boolean }[] }
  | { readonly type: 'boot-failed'; readonly error: ErrorInfo }
  /** Run `id` started a command task's shell, in process group `group` (killed if the pool must stop the quantum). */
  | { readonly type: 'command'; readonly id: number; readonly group: number }
  | { readonly type: 'done'; readonly id: number; readonly outcome: QuantumOutcome };
