/**
 * The observers on literal event sequences: the report (counts by last outcome across
 * invocations, nearest-rank percentiles against hand values), the event log (a torn last
 * line is skipped), the progress bar (on a terminal, with failed/blocked/running counts and
 * an ETA; elsewhere the same as a plain line every interval), and the composite. The Gantt chart is gantt-chart.test.ts.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import {
  CompositeObserver, EventLogObserver, ProgressObserver, formatDuration, percentile, readEventLog, reportFromEvents, type RunEvent,
} from '../../../engine/index.js';
import { tempDir } from '../../support/test-repos.js';
import { T0, finished, started } from './run-event-fixtures.js';

describe('percentile', () => {
  it('is the nearest rank', () => {
    const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(v, 0.5)).toBe(5);
    expect(percentile(v, 0.9)).toBe(9);
    expect(percentile(v, 0.99)).toBe(10);
    expect(percentile([7], 0.5)).toBe(7);
    expect(percentile([], 0.5)).toBe(0);
  });
});

describe('reportFromEvents', () => {
  it('counts each quantum by its last outcome across invocations; times of succeeded attempts', () => {
    const events: RunEvent[] = [
      started('a', T0, { square: { quanta: 3, toRun: 3 }, sum: { quanta: 1, toRun: 1 } }),
      finished(0, 'square', 0, 0, 1000),
      finished(1, 'square', 1, 0, 500, 'retrying'),
      finished(1, 'square', 1, 500, 1500, 'failed', 2),
      { event: 'quanta-blocked', t: T0 + 1500, cause: 1, tasks: { sum: [3] } },
      finished(2, 'square', 0, 1000, 4000),
      { event: 'run-finished', t: T0 + 4000, invocation: 'a', seconds: 4, counts: { alreadyDone: 0, succeeded: 2, failed: 1, blocked: 1, cancelled: 0 }, cancelled: {}, interrupted: false, failFast: false },
      started('b', T0 + 10_000, { square: { quanta: 3, toRun: 1 }, sum: { quanta: 1, toRun: 1 } }),
      finished(1, 'square', 0, 10_000, 12_000),
      finished(3, 'sum', 1, 12_000, 12_250),
    ];
    const report = reportFromEvents(events);
    expect(report.invocations).toBe(2);
    const square = report.tasks.find((t) => t.task === 'square')!;
    expect(square).toMatchObject({ quanta: 3, alreadyDone: 0, succeeded: 3, failed: 0, blocked: 0, retried: 1 });
    expect(square.seconds).toEqual({ n: 3, p50: 2, p90: 3, p99: 3, max: 3, mean: 2, total: 6 });
    expect(report.tasks.find((t) => t.task === 'sum')).toMatchObject({ succeeded: 1, blocked: 0, seconds: { n: 1, p50: 0.25 } });
    // after the first invocation only
    const first = reportFromEvents(events.slice(0, 7));
    expect(first.tasks.find((t) => t.task === 'square')).toMatchObject({ succeeded: 2, failed: 1 });
    expect(first.tasks.find((t) => t.task === 'sum')).toMatchObject({ succeeded: 0, blocked: 1 });
  });
});

describe('event log', () => {
  it('appends one JSON line per event and skips a torn last line', () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'run', '_events.jsonl');
      const log = new EventLogObserver(path);
      const composite = new CompositeObserver([log]);
      composite.runStarted(started('a', T0, { square: { quanta: 1, toRun: 1 } }));
      composite.quantumFinished(finished(0, 'square', 0, 0, 10));
      composite.close();
      appendFileSync(path, '{"event":"quantum-fin'); // a killed writer
      expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(3);
      const events = readEventLog(path);
      expect(events.map((e) => e.event)).toEqual(['run-started', 'quantum-finished']);
      expect(readEventLog(join(dir.path, 'none.jsonl'))).toEqual([]);
    } finally {
      dir.cleanup();
    }
  });
});

/** A fake terminal: a writable with the cursor methods cli-progress uses. */
class FakeTty extends Writable {
  text = '';
  isTTY = true;
  columns = 200;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  cursorTo(_x: number, _y?: number, cb?: () => void): boolean { cb?.(); return true; }
  moveCursor(_dx: number, _dy: number, cb?: () => void): boolean { cb?.(); return true; }
  clearLine(_dir: number, cb?: () => void): boolean { cb?.(); return true; }
  clearScreenDown(cb?: () => void): boolean { cb?.(); return true; }
}

describe('ProgressObserver', () => {
  it('draws counts, the rate and an ETA on a terminal', () => {
    const tty = new FakeTty();
    const progress = new ProgressObserver(tty as unknown as NodeJS.WriteStream);
    expect(progress.enabled).toBe(true);
    progress.runStarted(started('a', Date.now(), { square: { quanta: 4, toRun: 4 } }));
    for (const q of [0, 1, 3]) progress.quantumStarted({ event: 'quantum-started', t: Date.now(), quantum: q, task: 'square', dataId: {}, worker: q % 2, attempt: 1 });
    progress.quantumEnded({ event: 'quantum-ended', t: Date.now(), quantum: 0, worker: 0, ok: true });
    progress.quantumEnded({ event: 'quantum-ended', t: Date.now(), quantum: 1, worker: 1, ok: false });
    progress.quantumFinished({ ...finished(1, 'square', 1, 0, 1), status: 'failed' });
    progress.quantaBlocked({ event: 'quanta-blocked', t: Date.now(), cause: 1, tasks: { square: [2] } });
    progress.quantumFinished(finished(0, 'square', 0, 0, 1));
    progress.runFinished();
    expect(tty.text).toContain('3/4 quanta');
    expect(tty.text).toContain('1 failed, 1 blocked | 1 running, 0 registering'); // quantum 3 still on its worker
    expect(tty.text).toMatch(/ETA (\d+[hms]|--)/);
  });

  it('elsewhere, writes a plain line every interval until the run finishes', () => {
    vi.useFakeTimers({ now: T0 });
    try {
      const sink = new FakeTty();
      sink.isTTY = false;
      const progress = new ProgressObserver(sink as unknown as NodeJS.WriteStream, 10);
      expect(progress.enabled).toBe(false);
      progress.runStarted(started('a', Date.now(), { square: { quanta: 4, toRun: 4 } }));
      vi.advanceTimersByTime(9_999);
      expect(sink.text).toBe('');
      progress.quantumStarted({ event: 'quantum-started', t: Date.now(), quantum: 0, task: 'square', dataId: {}, worker: 0, attempt: 1 });
      progress.quantumEnded({ event: 'quantum-ended', t: Date.now(), quantum: 0, worker: 0, ok: true });
      progress.quantumFinished(finished(0, 'square', 0, 0, 1));
      progress.quantaBlocked({ event: 'quanta-blocked', t: Date.now(), cause: 1, tasks: { square: [2] } });
      vi.advanceTimersByTime(1);
      // 2 of 4 after 10 s: 0.1 succeeded per second, the 2 left in 20 s
      expect(sink.text).toBe('qg run: 2/4 quanta (50%), 0 failed, 1 blocked; 0 running, 0 registering; 0.10/s; elapsed 10s, ETA 20s\n');
      vi.advanceTimersByTime(20_000);
      expect(sink.text.split('\n').filter(Boolean)).toHaveLength(3);
      progress.runFinished();
      vi.advanceTimersByTime(60_000);
      expect(sink.text.split('\n').filter(Boolean)).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it('formats durations', () => {
    expect(formatDuration(5.4)).toBe('5s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('--');
  });
});
