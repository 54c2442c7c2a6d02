/**
 * The run report: per task, how many quanta succeeded, failed, were blocked, cancelled or
 * already done, and percentiles of their wall times. Built from events, live (as an
 * observer of a run) or afterwards from the event log (`reportFromEvents`), so `qg run` and
 * `qg report` print the same thing.
 */
import type { QuantaBlockedEvent, QuantumFinishedEvent, RunEvent, RunFinishedEvent, RunObserver, RunStartedEvent } from './run-events.js';

/** One task's line of the report. */
export interface TaskReport {
  readonly task: string;
  /** Quanta of the task in the graph. */
  readonly quanta: number;
  readonly alreadyDone: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly blocked: number;
  readonly cancelled: number;
  /** Attempts that failed and were retried. */
  readonly retried: number;
  /** Wall seconds of succeeded attempts: count, percentiles, mean, total. */
  readonly seconds: { readonly n: number; readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number; readonly total: number };
}

/** The report. */
export interface RunReport {
  readonly run: string | null;
  readonly invocations: number;
  readonly tasks: readonly TaskReport[];
}

/** The value at fraction `p` of sorted `values` (nearest rank); 0 for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1]!;
}

interface TaskTally {
  quanta: number;
  alreadyDone: number;
  retried: number;
  durations: number[];
}

/** Collects the report from events; `report()` may be called at any time. */
export class ReportObserver implements RunObserver {
  private run: string | null = null;
  private invocations = 0;
  private readonly tasks = new Map<string, TaskTally>();
  /** Last known status of each quantum that did something: quantum -> [task, status]. */
  private readonly status = new Map<number, [string, 'succeeded' | 'failed' | 'blocked' | 'cancelled']>();
  /** Cancelled quanta by task, from the last invocation that finished. */
  private cancelled: Readonly<Record<string, number>> = {};

  private tally(task: string): TaskTally {
    let t = this.tasks.get(task);
    if (!t) this.tasks.set(task, (t = { quanta: 0, alreadyDone: 0, retried: 0, durations: [] }));
    return t;
  }

  runStarted(e: RunStartedEvent): void {
    this.run = e.run;
    const first = this.invocations++ === 0;
    for (const [task, n] of Object.entries(e.tasks)) {
      const t = this.tally(task);
      t.quanta = Math.max(t.quanta, n.quanta);
      if (first) t.alreadyDone = n.quanta - n.toRun;
    }
  }

  quantumFinished(e: QuantumFinishedEvent): void {
    const t = this.tally(e.task);
    if (e.status === 'retrying') {
      t.retried++;
      return;
    }
    if (e.status === 'succeeded') t.durations.push((e.end - e.start) / 1000);
    this.status.set(e.quantum, [e.task, e.status]);
  }

  quantaBlocked(e: QuantaBlockedEvent): void {
    for (const [task, quanta] of Object.entries(e.tasks)) {
      this.tally(task);
      for (const q of quanta) if (this.status.get(q)?.[1] !== 'succeeded') this.status.set(q, [task, 'blocked']);
    }
  }

  runFinished(e: RunFinishedEvent): void {
    this.cancelled = e.cancelled;
  }

  /** The report so far. */
  report(): RunReport {
    const counts = new Map<string, { succeeded: number; failed: number; blocked: number; cancelled: number }>();
    for (const [task, status] of this.status.values()) {
      const c = counts.get(task) ?? { succeeded: 0, failed: 0, blocked: 0, cancelled: 0 };
      c[status]++;
      counts.set(task, c);
    }
    const tasks: TaskReport[] = [];
    for (const [task, t] of this.tasks) {
      const c = counts.get(task) ?? { succeeded: 0, failed: 0, blocked: 0, cancelled: 0 };
      c.cancelled += this.cancelled[task] ?? 0;
      const sorted = [...t.durations].sort((a, b) => a - b);
      const total = sorted.reduce((a, b) => a + b, 0);
      tasks.push({
        task, quanta: t.quanta, alreadyDone: t.alreadyDone, ...c, retried: t.retried,
        seconds: {
          n: sorted.length, p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), p99: percentile(sorted, 0.99),
          max: sorted.length ? sorted[sorted.length - 1]! : 0, mean: sorted.length ? total / sorted.length : 0, total,
        },
      });
    }
    return { run: this.run, invocations: this.invocations, tasks };
  }
}

/** The report of a whole event log (every invocation; a quantum counts by its last outcome). */
export function reportFromEvents(events: readonly RunEvent[]): RunReport {
  const observer = new ReportObserver();
  for (const e of events) {
    if (e.event === 'run-started') observer.runStarted(e);
    else if (e.event === 'quantum-finished') observer.quantumFinished(e);
    else if (e.event === 'quanta-blocked') observer.quantaBlocked(e);
    else if (e.event === 'run-finished') observer.runFinished(e);
  }
  return observer.report();
}
