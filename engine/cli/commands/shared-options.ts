/** Options shared by many commands, and helpers to open what they name. */
import type { Argv } from 'yargs';
import type { Repository } from '../../../registry/index.js';
import type { OutputFormat } from '../output.js';

/** Adds `-b/--repo`. */
export function withRepo<T>(y: Argv<T>) {
  return y.option('repo', { alias: ['b', 'butler'], type: 'string', demandOption: true, describe: 'Repository folder (made by `qg repo create`)' });
}

/** Adds `--format table|json`. */
export function withFormat<T>(y: Argv<T>) {
  return y.option('format', { choices: ['table', 'json'] as const, default: 'table' as OutputFormat, describe: 'Output format' });
}

/** `--tasks` of the commands that load a pipeline's task library here (qg run, qg pipeline). */
export const TASK_MODULES_OPTION = { type: 'string', array: true, describe: 'Extra task library modules (each exports TASK_LIBRARY)' } as const;

/** Splits comma-separated, possibly repeated option values. */
export function listOption(value: string | string[] | undefined): string[] {
  return (Array.isArray(value) ? value : value ? [value] : []).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter(Boolean);
}

/** `--bind name=value` values as given: a comma inside a value makes a list, not two binds. */
export function bindOption(value: unknown): string[] {
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(String);
}

/** Opens a repository, runs `fn`, and always closes it. */
export async function withRepository<T>(root: string, fn: (repo: Repository) => Promise<T>): Promise<T> {
  // Imported here, not above: a command module loads (for its options) without the registry.
  const { Repository } = await import('../../../registry/index.js');
  const repo = await Repository.open(root);
  try {
    return await fn(repo);
  } finally {
    await repo.close();
  }
}
