/**
 * Failed quanta grouped by cause: one group per task, error code and message once the
 * numbers in it are set aside (`file visit_12.fits is missing` and `file visit_13.fits is
 * missing` are one cause). `qg run` prints a line per group instead of one per quantum, and
 * `qg report --html` shows each group with an example's log.
 */
import type { QuantumFinishedEvent, RunEvent } from './run-events.js';

/** What a group needs of a failed quantum. */
export interface Failure {
  readonly task: string;
  readonly dataId: Readonly<Record<string, string | number>>;
  readonly code: string;
  readonly message: string;
  /** Its log file, when one was written. */
  readonly log?: string | null;
  /** Attempts made, when known. */
  readonly attempts?: number;
}

/** Failures with one cause, in the order their first one came. */
export interface FailureGroup<F extends Failure = Failure> {
  readonly task: string;
  readonly code: string;
  /** The first failure's message, as it was. */
  readonly message: string;
  readonly failures: readonly F[];
}

/** The message with every run of digits as `N`: what identical failures share. */
function causeOf(f: Failure): string {
  return `${f.task}\u0000${f.code}\u0000${f.message.replace(/\d+/g, 'N')}`;
}

/** Groups `failures` by cause, largest group first (ties in order of first appearance). */
export function groupFailures<F extends Failure>(failures: readonly F[]): FailureGroup<F>[] {
  const groups = new Map<string, F[]>();
  for (const f of failures) {
    const key = causeOf(f);
    const list = groups.get(key);
    if (list) list.push(f);
    else groups.set(key, [f]);
  }
  return [...groups.values()]
    .map((list) => ({ task: list[0]!.task, code: list[0]!.code, message: list[0]!.message, failures: list }))
    .sort((a, b) => b.failures.length - a.failures.length);
}

/** A failed attempt's event, as a failure. */
export type FailedAttempt = QuantumFinishedEvent & Failure;

/** The quanta whose last attempt in `events` failed for good (a later invocation may have redone them). */
export function finalFailures(events: readonly RunEvent[]): FailedAttempt[] {
  const last = new Map<number, QuantumFinishedEvent>();
  for (const e of events) if (e.event === 'quantum-finished' && e.status !== 'retrying') last.set(e.quantum, e);
  return [...last.values()].filter((e) => e.status === 'failed').map((e) => ({ ...e, code: e.code ?? 'FAILED', message: e.message ?? '(no message)' }));
}

function dataIdText(dataId: Readonly<Record<string, string | number>>): string {
  return Object.entries(dataId).map(([k, v]) => `${k}=${v}`).join(', ');
}

/**
 * The end-of-run lines about failures: one per cause with its count, an example data ID and
 * its log, then where the full list is.
 */
export function formatFailureGroups(failures: readonly Failure[], fullList: string | null): string[] {
  if (!failures.length) return [];
  const groups = groupFailures(failures);
  const lines = [`failed quanta (${failures.length}, ${groups.length} distinct cause${groups.length === 1 ? '' : 's'}):`];
  for (const g of groups) {
    const n = g.failures.length;
    const example = g.failures[0]!;
    const attempts = example.attempts === undefined ? '' : ` (${example.attempts} attempt${example.attempts === 1 ? '' : 's'})`;
    lines.push(`  ${n} × ${g.task}: [${g.code}] ${g.message}`);
    lines.push(`    ${n === 1 ? 'data ID' : 'e.g.'} {${dataIdText(example.dataId)}}${attempts}`);
    if (example.log) lines.push(`    log: ${example.log}`);
  }
  if (fullList && failures.length > groups.length) lines.push(`  every failed quantum with its log: ${fullList}`);
  return lines;
}
