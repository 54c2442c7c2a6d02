/**
 * One `qg run` per output run at a time: a lock file `_run.lock` in the run's folder holds
 * the owner's host and pid. A lock whose process is gone (a killed run) is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { EngineError } from '../errors.js';

/** File name of the lock inside the run folder. */
export const LOCK_FILE = '_run.lock';

/** Whether process `pid` exists and (where /proc tells) is a node process, not a stranger that reused the pid. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return /node|qg/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** A held lock; `release` removes it. */
export interface RunLock {
  readonly path: string;
  release(): void;
}

/** Takes the lock of the run whose folder is `folder` (absolute), or throws RUN_LOCKED. */
export function lockRun(folder: string, run: string): RunLock {
  const path = join(folder, LOCK_FILE);
  mkdirSync(dirname(path), { recursive: true });
  const me = `${hostname()} ${process.pid}`;
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${me}\n`);
      closeSync(fd);
      return { path, release: () => rmSync(path, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = '';
    try {
      owner = readFileSync(path, 'utf8').trim();
    } catch { /* removed meanwhile */ }
    const [host, pidText] = owner.split(' ');
    const pid = Number(pidText);
    if (owner && host === hostname() && Number.isInteger(pid) && (pid === process.pid || alive(pid))) {
      throw new EngineError(`run '${run}' is being executed by ${pid === process.pid ? 'this process' : `process ${pid} on this host`} (lock ${path})`, 'RUN_LOCKED');
    }
    if (owner && host !== hostname()) {
      throw new EngineError(`run '${run}' is locked by ${owner} (another host); if that run is over, remove ${path}`, 'RUN_LOCKED');
    }
    rmSync(path, { force: true }); // stale: its process is gone
  }
  throw new EngineError(`cannot take the lock ${path}`, 'RUN_LOCKED');
}
