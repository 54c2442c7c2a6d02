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

/**
 * When to kill: a delay from the start, after the run announces itself in its event log, or
 * after its first quantum of `task` starts (a moment that does not depend on how long the run
 * takes to set up on a loaded machine).
 */
export type KillPoint =
  | { readonly after: 'spawn' | 'run-started'; readonly ms: number }
  | { readonly after: 'quantum-started'; readonly task: string; readonly ms: number };

/** Number of lines of the event log that hold every one of `parts`. */
function eventCount(eventLog: string, parts: readonly string[]): number {
  try {
    return readFileSync(eventLog, 'utf8').split('\n').filter((line) => parts.every((p) => line.includes(p))).length;
  } catch {
    return 0;
  }
}

/** Number of `run-started` lines in the event log. */
export function runsStarted(eventLog: string): number {
  return eventCount(eventLog, ['"event":"run-started"']);
}

/** What the event-log line announcing the moment of `kill` holds (a new such line appears when it comes). */
function killEvent(kill: KillPoint): string[] | null {
  if (kill.after === 'run-started') return ['"event":"run-started"'];
  if (kill.after === 'quantum-started') return ['"event":"quantum-started"', `"task":${JSON.stringify(kill.task)}`];
  return null;
}

/** Runs the CLI; kills it with SIGKILL at `kill` unless it ends first. */
export function runCli(args: string[], kill: KillPoint | null, eventLog: string): Promise<{ status: number | null; killed: boolean; output: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const event = kill && killEvent(kill);
    const before = event ? eventCount(eventLog, event) : 0;
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
    if (kill && event) {
      const poll = setInterval(() => {
        if (eventCount(eventLog, event) > before) {
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
