/**
 * What a run reports as it goes: plain-data events (each is one line of the JSON-lines event
 * log), and the observer interface that receives them. Observers are optional hooks fanned
 * out by `CompositeObserver`; the coordinator never prints or draws anything itself.
 */

/** Epoch milliseconds. */
export type EpochMs = number;

/** The run is set up and about to start quanta. */
export interface RunStartedEvent {
  readonly event: 'run-started';
  readonly t: EpochMs;
  /** Identifies this invocation of `qg run` (a resumed run appends a new one to the same log). */
  readonly invocation: string;
  readonly run: string;
  readonly chain: string | null;
  readonly host: string;
  readonly pid: number;
  readonly jobs: number;
  readonly command: string;
  /** Quanta in the graph, quanta complete before this invocation, quanta to run now. */
  readonly quanta: number;
  readonly alreadyDone: number;
  readonly toRun: number;
  /** Per task label: quanta in the graph and to run now. */
  readonly tasks: Readonly<Record<string, { readonly quanta: number; readonly toRun: number }>>;
  /** Stale outputs of earlier attempts removed before starting (registered datasets, orphan files). */
  readonly cleaned: { readonly datasets: number; readonly files: number };
}

/** A quantum was handed to a worker. */
export interface QuantumStartedEvent {
  readonly event: 'quantum-started';
  readonly t: EpochMs;
  readonly quantum: number;
  readonly task: string;
  readonly dataId: Readonly<Record<string, string | number>>;
  readonly worker: number;
  readonly attempt: number;
}

/**
 * A quantum's attempt ended: `succeeded` once its outputs are registered, `retrying` when it
 * failed and will run again, `failed` when it failed for good, `cancelled` when the run
 * stopped under it.
 */
export interface QuantumFinishedEvent {
  readonly event: 'quantum-finished';
  readonly t: EpochMs;
  readonly quantum: number;
  readonly task: string;
  readonly dataId: Readonly<Record<string, string | number>>;
  readonly worker: number;
  readonly attempt: number;
  readonly status: 'succeeded' | 'retrying' | 'failed' | 'cancelled';
  /** When the attempt started and ended on its worker. */
  readonly start: EpochMs;
  readonly end: EpochMs;
  readonly code?: string;
  readonly message?: string;
  /** Repository-relative path of the quantum's log file, when one was written. */
  readonly log?: string;
  /** Peak malloced bytes of the worker's heap, from the quantum's metadata. */
  readonly peakMemory?: number;
}

/**
 * A worker is done with a quantum (its outputs are written, or it failed); a successful one
 * waits for its registration batch before `quantum-finished`. Live only: not in the event log.
 */
export interface QuantumEndedEvent {
  readonly event: 'quantum-ended';
  readonly t: EpochMs;
  readonly quantum: number;
  readonly worker: number;
  readonly ok: boolean;
}

/** Quanta downstream of a failed one will not run. */
export interface QuantaBlockedEvent {
  readonly event: 'quanta-blocked';
  readonly t: EpochMs;
  /** The failed quantum. */
  readonly cause: number;
  /** The blocked quanta by task label. */
  readonly tasks: Readonly<Record<string, readonly number[]>>;
}

/** One registration transaction committed. */
export interface BatchRegisteredEvent {
  readonly event: 'batch-registered';
  readonly t: EpochMs;
  readonly quanta: number;
  readonly datasets: number;
  readonly seconds: number;
}

/** The run is over. */
export interface RunFinishedEvent {
  readonly event: 'run-finished';
  readonly t: EpochMs;
  readonly invocation: string;
  readonly seconds: number;
  readonly counts: RunCounts;
  /** Cancelled quanta by task label. */
  readonly cancelled: Readonly<Record<string, number>>;
  readonly interrupted: boolean;
  readonly failFast: boolean;
}

/** Quanta by outcome. */
export interface RunCounts {
  /** Complete before this invocation (skipped). */
  readonly alreadyDone: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly blocked: number;
  /** Not started because the run stopped early (--fail-fast or an interrupt). */
  readonly cancelled: number;
}

/** Any event. */
export type RunEvent = RunStartedEvent | QuantumStartedEvent | QuantumFinishedEvent | QuantaBlockedEvent | BatchRegisteredEvent | RunFinishedEvent;

/** Hooks a run calls; every hook is optional. Hooks must not throw (a throwing observer stops the run). */
export interface RunObserver {
  runStarted?(e: RunStartedEvent): void;
  quantumStarted?(e: QuantumStartedEvent): void;
  quantumEnded?(e: QuantumEndedEvent): void;
  quantumFinished?(e: QuantumFinishedEvent): void;
  quantaBlocked?(e: QuantaBlockedEvent): void;
  batchRegistered?(e: BatchRegisteredEvent): void;
  runFinished?(e: RunFinishedEvent): void;
  /** Releases what the observer holds (files, terminal); called once, after runFinished or on an error. */
  close?(): void;
}

/** Fans every hook out to a list of observers, in order. */
export class CompositeObserver implements Required<RunObserver> {
  constructor(private readonly observers: readonly RunObserver[]) {}

  runStarted(e: RunStartedEvent): void {
    for (const o of this.observers) o.runStarted?.(e);
  }

  quantumStarted(e: QuantumStartedEvent): void {
    for (const o of this.observers) o.quantumStarted?.(e);
  }

  quantumEnded(e: QuantumEndedEvent): void {
    for (const o of this.observers) o.quantumEnded?.(e);
  }

  quantumFinished(e: QuantumFinishedEvent): void {
    for (const o of this.observers) o.quantumFinished?.(e);
  }

  quantaBlocked(e: QuantaBlockedEvent): void {
    for (const o of this.observers) o.quantaBlocked?.(e);
  }

  batchRegistered(e: BatchRegisteredEvent): void {
    for (const o of this.observers) o.batchRegistered?.(e);
  }

  runFinished(e: RunFinishedEvent): void {
    for (const o of this.observers) o.runFinished?.(e);
  }

  close(): void {
    for (const o of this.observers) o.close?.();
  }

  /** Delivers a parsed event to the matching hook (replaying a log). */
  deliver(e: RunEvent): void {
    switch (e.event) {
      case 'run-started': return this.runStarted(e);
      case 'quantum-started': return this.quantumStarted(e);
      case 'quantum-finished': return this.quantumFinished(e);
      case 'quanta-blocked': return this.quantaBlocked(e);
      case 'batch-registered': return this.batchRegistered(e);
      case 'run-finished': return this.runFinished(e);
    }
  }
}
