/**
 * Killing the real `qg` CLI (`node engine/cli/qg.mjs ...`) with SIGKILL at a chosen moment:
 * a delay after the spawn, or a delay after the run announced itself in its event log; and
 * looking for processes left behind.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The CLI's entry. */
export const QG = fileURLToPath(new URL('../../engine/cli/qg.mjs', import.meta.url));

/** When to kill: a delay from the start, or a delay after the run announces itself in its event log. */
export type KillPoint = { readonly after: 'spawn' | 'run-started'; readonly ms: number };

/** Number of `run-started` lines in the event log. */
export function runsStarted(eventLog: string): number {
  try {
    return (readFileSync(eventLog, 'utf8').match(/"event":"run-started"/g) ?? []).length;
  } catch {
    return 0;
  }
}

/** Runs the CLI; kills it with SIGKILL at `kill` unless it ends first. */
export function runCli(args: string[], kill: KillPoint | null, eventLog: string): Promise<{ status: number | null; killed: boolean; output: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const before = runsStarted(eventLog);
    const start = Date.now();
    const child = spawn(process.execPath, [QG, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b));
    child.stderr.on('data', (b: Buffer) => (output += b));
    let killed = false;
    let killedAt = 0;
    const timers: NodeJS.Timeout[] = [];
    const killNow = () => {
      killedAt = Date.now() - start;
      killed = child.kill('SIGKILL');
    };
    if (kill?.after === 'spawn') timers.push(setTimeout(killNow, kill.ms));
    if (kill?.after === 'run-started') {
      const poll = setInterval(() => {
        if (runsStarted(eventLog) > before) {
          clearInterval(poll);
          timers.push(setTimeout(killNow, kill.ms));
        }
      }, 10);
      timers.push(poll);
    }
    child.on('error', reject);
    child.on('exit', (status) => {
      for (const t of timers) clearTimeout(t);
      resolve({ status, killed: killed && status === null, output, ms: killed ? killedAt : Date.now() - start });
    });
  });
}

/** Command lines of the running processes that contain `marker` (`ps` itself left out). */
export function processesWith(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(marker) && !l.startsWith('ps -eo'));
}
