/**
 * What a run left for `qg report`: which RUN a collection name means, the run's event logs
 * and their events, where its drawings go, and the log files of its failed quanta.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runFolder, type Repository } from '../../registry/index.js';
import { EngineError } from '../errors.js';
import type { LogRecord } from '../execute/quantum-executor.js';
import { eventLogPath, readEventLog, runEventLogs } from './event-log-observer.js';
import type { RunEvent } from './run-events.js';

/** The RUN collection `name` is, or the first RUN of the CHAINED collection `name` (its latest run). */
export async function resolveReportRun(repo: Repository, name: string): Promise<string> {
  const record = await repo.registry.collections.get(name);
  if (record.type === 'RUN') return name;
  if (record.type !== 'CHAINED') throw new EngineError(`'${name}' is a ${record.type} collection; give a RUN or the output chain`, 'REPORT_RUN');
  const first = (await repo.registry.collections.flatten([name])).find((c) => c.type === 'RUN');
  if (!first) throw new EngineError(`chain '${name}' holds no RUN collection`, 'REPORT_RUN');
  return first.name;
}

/** Every event of `run`: qg run's log and those of its cluster jobs, each in order. */
export function readRunEvents(root: string, run: string): { logs: string[]; events: RunEvent[] } {
  const logs = runEventLogs(root, run);
  if (!logs.length) throw new EngineError(`run '${run}' has no event log (${eventLogPath(root, run)}); was it made by qg run or qg submit?`, 'REPORT_NO_EVENTS');
  return { logs, events: logs.flatMap(readEventLog) };
}

/** Where `qg report` writes a file of `run` unless told: `<run folder>/<name>` in the repository. */
export function reportFilePath(root: string, run: string, name: '_gantt.svg' | '_report.html', given?: string): string {
  return resolve(given ?? join(root, runFolder(run), name));
}

/** The records of a quantum's log file (repository-relative `path`), or null when it cannot be read. */
export function readQuantumLog(repo: Repository, path: string): LogRecord[] | null {
  try {
    const records = JSON.parse(readFileSync(repo.datastore.pathOf({ path }), 'utf8')) as unknown;
    return Array.isArray(records) ? (records as LogRecord[]) : null;
  } catch {
    return null;
  }
}
