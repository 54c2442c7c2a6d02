/**
 * The Slurm commands qg uses (`sbatch`, `squeue`, `scancel`), behind an interface so that the
 * submission logic runs in tests against a fake and `--dry-run` calls nothing.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EngineError } from '../errors.js';

/** A job in Slurm's queue: its state (PENDING, RUNNING, ...) and the reason it waits. */
export interface QueuedJob {
  readonly state: string;
  readonly reason: string;
}

/** What qg asks of Slurm. */
export interface SlurmClient {
  /** Submits `script` with `args` (`--parsable` among them); resolves to the job id. */
  sbatch(args: readonly string[], script: string): Promise<string>;
  /** Queued jobs among `ids` (array elements as `<id>_<index>`); finished ones are absent. */
  squeue(ids: readonly string[]): Promise<Map<string, QueuedJob>>;
  /** Cancels `ids` (whole arrays by their id). */
  scancel(ids: readonly string[]): Promise<void>;
}

const run = promisify(execFile);

async function command(name: string, args: readonly string[]): Promise<string> {
  try {
    return (await run(name, [...args], { maxBuffer: 1 << 26 })).stdout;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    const missing = err.code === 'ENOENT';
    const why = missing ? 'not found (is Slurm installed here, and on PATH?)' : (err.stderr?.trim() || err.message);
    throw new EngineError(`${name} ${args.slice(0, 6).join(' ')}${args.length > 6 ? ' ...' : ''}: ${why}`, missing ? 'SLURM_MISSING' : 'SLURM');
  }
}

/** The real Slurm commands on PATH. */
export const SLURM: SlurmClient = {
  async sbatch(args, script) {
    const out = (await command('sbatch', [...args, script])).trim();
    const id = out.split(';')[0]!; // --parsable prints `id[;cluster]`
    if (!/^\d+$/.test(id)) throw new EngineError(`sbatch printed '${out}', not a job id`, 'SLURM');
    return id;
  },
  async squeue(ids) {
    const out = new Map<string, QueuedJob>();
    if (!ids.length) return out;
    const bases = [...new Set(ids.map((id) => id.split('_')[0]!))];
    const text = await command('squeue', ['-h', '-r', '-o', '%i|%T|%r', '-j', bases.join(',')]).catch((e: EngineError) => {
      if (/Invalid job id/i.test(e.message)) return ''; // all of them finished and left the queue
      throw e;
    });
    for (const line of text.split('\n')) {
      const [id, state, reason] = line.trim().split('|');
      if (id && state) out.set(id, { state, reason: reason ?? '' });
    }
    return out;
  },
  async scancel(ids) {
    if (ids.length) await command('scancel', [...new Set(ids.map((id) => id.split('_')[0]!))]);
  },
};
