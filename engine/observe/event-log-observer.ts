/**
 * The JSON-lines event log: every event of every invocation of a run, one line each,
 * appended to `<run folder>/_events.jsonl` under the repository root (the folder the run's
 * files go to). Each line is written with one `write` call, so a killed run leaves at most
 * a truncated last line, which `readEventLog` skips.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runFolder } from '../../registry/index.js';
import { JOBS_FOLDER } from '../run/run-lock.js';
import type { RunEvent, RunObserver } from './run-events.js';

/** File name of the event log inside the run folder. */
export const EVENT_LOG_FILE = '_events.jsonl';

/** Absolute path of the event log of `run` in the repository at `root`. */
export function eventLogPath(root: string, run: string): string {
  return join(root, runFolder(run), EVENT_LOG_FILE);
}

/**
 * Every event log of a run: `_events.jsonl` (qg run) if there is one, then the logs of its
 * cluster jobs (`_jobs/<job>.events.jsonl`, by job name); each is whole invocations in order.
 */
export function runEventLogs(root: string, run: string): string[] {
  const jobs = join(root, runFolder(run), JOBS_FOLDER);
  const jobLogs = existsSync(jobs) ? readdirSync(jobs).filter((f) => f.endsWith('.events.jsonl')).sort().map((f) => join(jobs, f)) : [];
  return [eventLogPath(root, run), ...jobLogs].filter((p) => existsSync(p));
}

/** Appends every event to the log file (opened on construction, closed by `close`). */
export class EventLogObserver implements RunObserver {
  private fd: number | null;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }

  private write(e: RunEvent): void {
    if (this.fd === null) return;
    writeSync(this.fd, `${JSON.stringify(e)}\n`);
  }

  runStarted = (e: RunEvent) => this.write(e);
  quantumStarted = (e: RunEvent) => this.write(e);
  quantumFinished = (e: RunEvent) => this.write(e);
  quantaBlocked = (e: RunEvent) => this.write(e);
  batchRegistered = (e: RunEvent) => this.write(e);
  runFinished = (e: RunEvent) => this.write(e);

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Parses an event log; a line that is not complete JSON (a killed writer's last line) is skipped. */
export function readEventLog(path: string): RunEvent[] {
  if (!existsSync(path)) return [];
  const out: RunEvent[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as RunEvent;
      if (e && typeof e === 'object' && typeof e.event === 'string') out.push(e);
    } catch { /* truncated line */ }
  }
  return out;
}
