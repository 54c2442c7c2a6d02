/**
 * Running one shell command for a quantum: `/bin/sh -c COMMAND` in a process group of its
 * own, its output kept as the last lines of each stream. The command cannot outlive qg: a
 * watchdog in its group reads a pipe from qg's process and kills the whole group when that
 * pipe closes — when qg is killed (even with kill -9), or the worker thread running the
 * quantum is terminated (timeout, interrupt). When the command ends, what it left running in
 * its group is killed too, so nothing writes to its outputs afterwards.
 */
import { importModule } from '../../pipelines/core/index.js';

/** How a command ended, with the tails of what it printed. */
export interface ShellResult {
  /** Exit status, or null when a signal ended it. */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Last lines of standard output and standard error. */
  readonly stdout: readonly string[];
  readonly stderr: readonly string[];
  /** Bytes printed on each stream in all. */
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
}

/** Lines kept of each stream, and bytes kept to find them in. */
const TAIL_LINES = 50;
const TAIL_BYTES = 64 * 1024;

/**
 * Runs as `sh -c WRAPPER qg-command COMMAND` with qg's pipe on standard input: keeps that pipe
 * on fd 3 for the watchdog (killing the group, itself included, once the pipe closes), then
 * replaces itself by `sh -c COMMAND`, which gets no standard input and no fd 3.
 */
const WRAPPER = 'exec 3<&0 </dev/null; { while read -r line <&3; do :; done; kill -KILL 0; } & exec 3<&-; exec /bin/sh -c "$1"';

/** The last bytes of a stream. */
class Tail {
  private chunks: Buffer[] = [];
  private kept = 0;
  total = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.kept += chunk.length;
    this.total += chunk.length;
    while (this.kept - this.chunks[0]!.length >= TAIL_BYTES) this.kept -= this.chunks.shift()!.length;
  }

  /** The last TAIL_LINES complete or final lines (a line cut by the byte limit is dropped). */
  lines(): string[] {
    const lines = Buffer.concat(this.chunks).toString('utf8').split(/\r?\n/);
    if (this.total > this.kept) lines.shift();
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.slice(-TAIL_LINES);
  }
}

/**
 * Runs `command` with `/bin/sh` in `cwd` (default: the working directory); `onStart` gets the
 * id of its process group as soon as it exists. Resolves when the command has ended and its
 * group is gone; rejects only when the shell cannot be started.
 */
export async function runShell(command: string, cwd: string | undefined, onStart?: (group: number) => void): Promise<ShellResult> {
  // loaded on the first command: every worker thread pays at start for what it imports (~3 ms)
  const { spawn } = await importModule<typeof import('node:child_process')>('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', WRAPPER, 'qg-command', command], { cwd, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = new Tail();
    const err = new Tail();
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('spawn', () => onStart?.(child.pid!));
    child.on('error', (e) => reject(new Error(`cannot start /bin/sh${cwd ? ` in ${cwd}` : ''}: ${e.message}`)));
    child.on('exit', () => {
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the watchdog, and whatever the command left running
      } catch { /* the group is already gone */ }
      child.stdin.destroy();
    });
    child.on('close', (status, signal) => resolve({
      status, signal, stdout: out.lines(), stderr: err.lines(), stdoutBytes: out.total, stderrBytes: err.total,
    }));
  });
}
