/** Literal run events for the observer tests: a run start and a quantum attempt, times relative to T0. */
import type { QuantumFinishedEvent, RunFinishedEvent, RunStartedEvent } from '../../../engine/index.js';

/** Epoch milliseconds every fixture time is relative to. */
export const T0 = 1_700_000_000_000;

/** An invocation starting at epoch ms `t` with two workers. */
export function started(invocation: string, t: number, tasks: Record<string, { quanta: number; toRun: number }>, jobs = 2): RunStartedEvent {
  const quanta = Object.values(tasks).reduce((n, x) => n + x.quanta, 0);
  const toRun = Object.values(tasks).reduce((n, x) => n + x.toRun, 0);
  return { event: 'run-started', t, invocation, run: 'u/r/1', chain: 'u/r', host: 'h', pid: 1, jobs, command: '', quanta, alreadyDone: quanta - toRun, toRun, tasks, cleaned: { datasets: 0, files: 0 } };
}

/** An attempt on `worker` from T0 + start to T0 + end (ms). */
export function finished(quantum: number, task: string, worker: number, start: number, end: number, status: QuantumFinishedEvent['status'] = 'succeeded', attempt = 1): QuantumFinishedEvent {
  return { event: 'quantum-finished', t: T0 + end, quantum, task, dataId: { detector: quantum }, worker, attempt, status, start: T0 + start, end: T0 + end };
}

/** The end of an invocation at T0 + end (ms). */
export function runFinished(invocation: string, end: number, counts: RunFinishedEvent['counts'], interrupted = false): RunFinishedEvent {
  return { event: 'run-finished', t: T0 + end, invocation, seconds: end / 1000, counts, cancelled: {}, interrupted, failFast: false };
}
