/**
 * One `qg run` per output run at a time: a lock file `_run.lock` in the run's folder holds
 * the owner's host, pid and (where /proc tells) the process's start time. A lock whose
 * process is gone (a killed run), or whose pid now belongs to a process that started at
 * another time (a reused pid), is taken over.
 *
 * The jobs of one run on a cluster (`qg run-quanta`) run at once on several nodes, each on
 * its own quanta: each takes a job lock `_jobs/<job>.lock` instead, so jobs never block each
 * other, while a second copy of the same job is refused. A whole-run lock and job locks
 * exclude each other: each side makes its own lock first and then looks for the other's,
 * so of two that start together at least one sees the other and gives up.
 */
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { EngineError } from '../errors.js';

/** File name of the lock inside the run folder. */
export const LOCK_FILE = '_run.lock';
/** Folder of the job locks (and job event logs) inside the run folder. */
export const JOBS_FOLDER = '_jobs';

/**
 * When process `pid` started, as `<boot id>:<clock ticks since boot>` (field 22 of
 * /proc/<pid>/stat): two processes that ever held the same pid differ in it. Null without
 * /proc, or when the process is gone or hidden.
 */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) is in parentheses and may hold spaces: count from after it (field 3).
    const ticks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return ticks ? `${boot}:${ticks}` : null;
  } catch {
    return null;
  }
}

/** Whether process `pid` exists (kill(0) reaches it, or it exists but is not ours to signal). */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The owner a lock file names: `host pid [start]`. */
interface LockOwner {
  readonly host: string;
  readonly pid: number;
  readonly start: string | null;
}

/** The owner of a lock file's text; null for an empty file (its writer died before writing). */
function parseOwner(text: string): LockOwner | null {
  const [host, pid, start] = text.trim().split(' ');
  return host ? { host, pid: Number(pid), start: start ?? null } : null;
}

/**
 * Whether the owner (of this host) still runs. With a start time: its pid's process started
 * then (where /proc hides it, any process by that pid counts, never stealing a live lock).
 * Without one (a lock of an older qg): a live node or qg process by that pid, except our own
 * pid where we record start times, since every lock we write has one.
 */
function ownerRunning(owner: LockOwner): boolean {
  if (!Number.isInteger(owner.pid) || owner.pid <= 0) return false;
  const start = processStartTime(owner.pid);
  if (owner.start !== null) return start === null ? exists(owner.pid) : start === owner.start;
  if (owner.pid === process.pid) return start === null;
  if (!exists(owner.pid)) return false;
  try {
    return /node|qg/.test(readFileSync(`/proc/${owner.pid}/cmdline`, 'utf8'));
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** A held lock; `release` removes it. */
export interface RunLock {
  readonly path: string;
  release(): void;
}

/** Takes the lock file `path` (`what` names it in errors: "run 'x'", "job j3 of run 'x'"), or throws RUN_LOCKED. */
function takeLock(path: string, what: string): RunLock {
  mkdirSync(dirname(path), { recursive: true });
  const start = processStartTime(process.pid);
  const me = `${hostname()} ${process.pid}${start !== null ? ` ${start}` : ''}`;
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${me}\n`);
      closeSync(fd);
      return { path, release: () => rmSync(path, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const problem = heldBy(path);
    if (problem) throw new EngineError(`${what} ${problem} (lock ${path})`, 'RUN_LOCKED');
    rmSync(path, { force: true }); // stale: its process is gone, or its pid was reused
  }
  throw new EngineError(`cannot take the lock ${path}`, 'RUN_LOCKED');
}

/** Who holds lock file `path` ("is being executed by ..."), or null when nobody (absent, or its process is gone). */
function heldBy(path: string): string | null {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null; // removed meanwhile
  }
  const owner = parseOwner(text);
  if (owner && owner.host !== hostname()) return `is locked by ${text.trim()} (another host); if that is over, remove the lock`;
  if (owner && ownerRunning(owner)) return `is being executed by ${owner.pid === process.pid ? 'this process' : `process ${owner.pid} on this host`}`;
  return null;
}

/** Takes the lock, then gives it back and throws RUN_LOCKED if `conflict` names a live holder of the other kind. */
function lockUnlessConflict(path: string, what: string, conflict: () => string | null): RunLock {
  const lock = takeLock(path, what);
  const problem = conflict();
  if (problem) {
    lock.release();
    throw new EngineError(`${what} cannot start: ${problem}`, 'RUN_LOCKED');
  }
  return lock;
}

/** Takes the lock of the run whose folder is `folder` (absolute), or throws RUN_LOCKED (also while jobs of the run hold theirs). */
export function lockRun(folder: string, run: string): RunLock {
  return lockUnlessConflict(join(folder, LOCK_FILE), `run '${run}'`, () => {
    let names: string[] = [];
    try {
      names = readdirSync(join(folder, JOBS_FOLDER)).filter((n) => n.endsWith('.lock'));
    } catch { /* no jobs */ }
    for (const name of names) {
      const problem = heldBy(join(folder, JOBS_FOLDER, name));
      if (problem) return `its job ${name.slice(0, -'.lock'.length)} ${problem} (see qg status / qg cancel)`;
    }
    return null;
  });
}

/** Path of job `job`'s file with `suffix` (`.lock`, `.events.jsonl`, ...) in the run folder `folder`. */
export function jobFile(folder: string, job: string, suffix: string): string {
  return join(folder, JOBS_FOLDER, `${job}${suffix}`);
}

/** Takes the lock of job `job` of the run whose folder is `folder`, or throws RUN_LOCKED (also while the whole run is locked). */
export function lockJob(folder: string, run: string, job: string): RunLock {
  if (!/^[\w.-]+$/.test(job) || job.startsWith('.')) throw new EngineError(`job name '${job}' may hold only letters, digits, '_', '-' and '.'`, 'RUN_OPTIONS');
  return lockUnlessConflict(jobFile(folder, job, '.lock'), `job ${job} of run '${run}'`, () => {
    const problem = heldBy(join(folder, LOCK_FILE));
    return problem ? `the whole run ${problem}` : null;
  });
}
