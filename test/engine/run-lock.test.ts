/**
 * The run lock: a live process holding it (another process, or this one) refuses a second
 * run; a lock left by a killed process is taken over; release removes it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError, LOCK_FILE, lockRun } from '../../engine/index.js';
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

describe('lockRun', () => {
  it('refuses while the holder lives, takes over once it is gone', async () => {
    const dir = tempDir();
    try {
      const folder = join(dir.path, 'u/run');
      const lock = lockRun(folder, 'u/run');
      expect(readFileSync(join(folder, LOCK_FILE), 'utf8').trim()).toBe(`${hostname()} ${process.pid}`);
      expect(code(() => lockRun(folder, 'u/run'))).toBe('RUN_LOCKED'); // this process runs it
      lock.release();
      expect(existsSync(join(folder, LOCK_FILE))).toBe(false);

      const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
      await new Promise((r) => other.once('spawn', r));
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, LOCK_FILE), `${hostname()} ${other.pid}\n`);
      expect(code(() => lockRun(folder, 'u/run'))).toBe('RUN_LOCKED');
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
      const taken = lockRun(folder, 'u/run'); // stale: its process is gone
      expect(readFileSync(join(folder, LOCK_FILE), 'utf8').trim()).toBe(`${hostname()} ${process.pid}`);
      taken.release();

      writeFileSync(join(folder, LOCK_FILE), 'elsewhere 123\n');
      expect(code(() => lockRun(folder, 'u/run'))).toBe('RUN_LOCKED'); // another host: not ours to judge
    } finally {
      dir.cleanup();
    }
  });
});
