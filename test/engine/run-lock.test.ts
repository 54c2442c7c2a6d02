/**
 * The run lock: a live process holding it (another process, or this one) refuses a second
 * run; a lock left by a killed process is taken over; release removes it. A lock records its
 * owner's start time: one naming a live pid that started at another time (the pid was
 * reused, e.g. by a restarted container's qg) is taken over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError, LOCK_FILE, jobFile, lockJob, lockRun, processStartTime } from '../../engine/index.js';
import { tempDir } from '../support/test-repos.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    return (e as EngineError).code;
  }
  return undefined;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), parsed here independently. */
function startTicks(pid: number): string {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return fields[22 - 3]!;
}

/** A node process that idles until killed. */
async function idleNode(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}

/** This process's lock line. */
const ME = `${hostname()} ${process.pid}${processStartTime(process.pid) !== null ? ` ${processStartTime(process.pid)}` : ''}`;
const HAS_PROC = existsSync('/proc/self/stat');

describe('lockRun', () => {
  it('refuses while the holder lives, takes over once it is gone', async () => {
    const dir = tempDir();
    try {
      const folder = join(dir.path, 'u/run');
      const lock = lockRun(folder, 'u/run');
      expect(readFileSync(join(folder, LOCK_FILE), 'utf8').trim()).toBe(ME);
      expect(code(() => lockRun(folder, 'u/run'))).toBe('RUN_LOCKED'); // this process runs it
      lock.release();
      expect(existsSync(join(folder, LOCK_FILE))).toBe(false);

      const other = await idleNode();
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, LOCK_FILE), `${hostname()} ${other.pid}\n`); // a lock of an older qg: no start time
      expect(code(() => lockRun(folder, 'u/run'))).toBe('RUN_LOCKED');
      await kill(other);
      const taken = lockRun(folder, 'u/run'); // stale: its process is gone
      expect(readFileSync(join(folder, LOCK_FILE), 'utf8').trim()).toBe(ME);
      taken.release();

      writeFileSync(join(folder, LOCK_FILE), 'elsewhere 123\n');
      expect(code(() => lockRun(folder, 'u/run'))).toBe('RUN_LOCKED'); // another host: not ours to judge
    } finally {
      dir.cleanup();
    }
  });

  it.runIf(HAS_PROC)('a lock naming a reused pid (a live process that started at another time) is taken over; a matching one refuses', async () => {
    const dir = tempDir();
    const other = await idleNode();
    try {
      const folder = join(dir.path, 'u/reused');
      const lockPath = join(folder, LOCK_FILE);
      mkdirSync(folder, { recursive: true });
      const otherStart = processStartTime(other.pid!)!;
      expect(otherStart.endsWith(`:${startTicks(other.pid!)}`)).toBe(true);
      const wrong = `${otherStart.split(':')[0]}:${Number(startTicks(other.pid!)) + 1}`;

      writeFileSync(lockPath, `${hostname()} ${other.pid} ${otherStart}\n`); // its true owner, alive
      expect(code(() => lockRun(folder, 'u/reused'))).toBe('RUN_LOCKED');
      writeFileSync(lockPath, `${hostname()} ${other.pid} ${wrong}\n`); // another node process now has that pid
      lockRun(folder, 'u/reused').release();

      const mine = processStartTime(process.pid)!;
      writeFileSync(lockPath, `${hostname()} ${process.pid} ${mine.split(':')[0]}:1\n`); // an earlier process with this pid
      const taken = lockRun(folder, 'u/reused');
      expect(readFileSync(lockPath, 'utf8').trim()).toBe(ME);
      expect(code(() => lockRun(folder, 'u/reused'))).toBe('RUN_LOCKED'); // this process holds it
      taken.release();

      writeFileSync(lockPath, `${hostname()} ${process.pid}\n`); // no start time, this pid: not a lock this process wrote
      lockRun(folder, 'u/reused').release();
      writeFileSync(lockPath, `${hostname()} ${other.pid} 00000000-0000-0000-0000-000000000000:${startTicks(other.pid!)}\n`); // written before a reboot
      lockRun(folder, 'u/reused').release();
    } finally {
      await kill(other);
      dir.cleanup();
    }
  });
});

describe('job locks', () => {
  it('jobs of one run do not block each other; the same job twice, or a job and the whole run, do', () => {
    const dir = tempDir();
    try {
      const folder = join(dir.path, 'u', 'run');
      const a = lockJob(folder, 'u/run', 'a');
      const b = lockJob(folder, 'u/run', 'b');
      expect(code(() => lockJob(folder, 'u/run', 'a'))).toBe('RUN_LOCKED');
      expect(code(() => lockRun(folder, 'u/run'))).toBe('RUN_LOCKED');
      expect(existsSync(join(folder, LOCK_FILE))).toBe(false); // given back
      a.release();
      b.release();
      const whole = lockRun(folder, 'u/run');
      expect(code(() => lockJob(folder, 'u/run', 'a'))).toBe('RUN_LOCKED');
      expect(existsSync(jobFile(folder, 'a', '.lock'))).toBe(false);
      whole.release();
      lockJob(folder, 'u/run', 'a').release();
      expect(code(() => lockJob(folder, 'u/run', '../x'))).toBe('RUN_OPTIONS');
    } finally {
      dir.cleanup();
    }
  });
});
