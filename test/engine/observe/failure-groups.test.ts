/**
 * Failures grouped by cause: messages that differ only in their numbers are one cause, per
 * task and code; groups come largest first; the end-of-run text is a line per cause (108
 * identical failures print 5 lines, not 216) with an example and where the full list is; a
 * quantum redone successfully in a later invocation is no longer a failure.
 */
import { describe, expect, it } from 'vitest';
import { finalFailures, formatFailureGroups, groupFailures, type Failure, type RunEvent } from '../../../engine/index.js';
import { T0, finished, started } from './run-event-fixtures.js';

function failure(task: string, detector: number, message: string, code = 'TASK_FAILED'): Failure {
  return { task, dataId: { instrument: 'X', detector }, code, message, log: `${task}_log/${detector}.json`, attempts: 2 };
}

describe('groupFailures', () => {
  it('one group per task, code and message without its numbers; largest first', () => {
    const missing = Array.from({ length: 108 }, (_, d) => failure('isr', d, `input raw {detector=${d}} (dataset ${d}-${d * 7}) has no file`, 'INPUT_MISSING'));
    const other = [failure('isr', 200, 'flat is saturated'), failure('calibrate', 201, 'flat is saturated'), failure('isr', 202, 'flat is saturated')];
    const groups = groupFailures([other[0]!, ...missing, ...other.slice(1)]);
    expect(groups.map((g) => [g.task, g.code, g.failures.length])).toEqual([['isr', 'INPUT_MISSING', 108], ['isr', 'TASK_FAILED', 2], ['calibrate', 'TASK_FAILED', 1]]);
    expect(groups[0]!.message).toBe('input raw {detector=0} (dataset 0-0) has no file');
    expect(groups[1]!.failures.map((f) => f.dataId['detector'])).toEqual([200, 202]);

    const text = formatFailureGroups([...missing, other[0]!], '/repo/run/_events.jsonl');
    expect(text).toEqual([
      'failed quanta (109, 2 distinct causes):',
      '  108 × isr: [INPUT_MISSING] input raw {detector=0} (dataset 0-0) has no file',
      '    e.g. {instrument=X, detector=0} (2 attempts)',
      '    log: isr_log/0.json',
      '  1 × isr: [TASK_FAILED] flat is saturated',
      '    data ID {instrument=X, detector=200} (2 attempts)',
      '    log: isr_log/200.json',
      '  every failed quantum with its log: /repo/run/_events.jsonl',
    ]);
    expect(formatFailureGroups([], null)).toEqual([]);
  });
});

describe('finalFailures', () => {
  it('the quanta whose last attempt failed, across invocations', () => {
    const events: RunEvent[] = [
      started('a', T0, { square: { quanta: 3, toRun: 3 } }),
      finished(0, 'square', 0, 0, 10, 'failed'),
      finished(1, 'square', 1, 0, 10, 'retrying'),
      finished(1, 'square', 1, 10, 20, 'failed', 2),
      finished(2, 'square', 0, 10, 20),
      started('b', T0 + 100, { square: { quanta: 3, toRun: 2 } }),
      finished(0, 'square', 0, 100, 110),
    ];
    expect(finalFailures(events).map((f) => [f.quantum, f.attempt, f.code])).toEqual([[1, 2, 'FAILED']]);
  });
});
