/**
 * The `qg` command line. Thin by design: each command parses its options, calls the
 * library, prints. Errors that reach it exit with their code's status (exit-status.ts).
 */
import { readFileSync } from 'node:fs';
import yargs, { type CommandModule } from 'yargs';
import { exitStatusOf, type CliErrorCode } from './exit-status.js';

/**
 * The command modules, each imported only when needed: they import the registry, planner and
 * engine, and with them knex, pg, apache-arrow and yaml (~0.5 s). Add a module here, and its
 * commands are in `qg --help` after the next build (the index below is generated from this list).
 */
const COMMAND_MODULES: readonly (() => Promise<readonly CommandModule[]>)[] = [
  async () => [(await import('./commands/repo-commands.js')).repoCommands],
  async () => [(await import('./commands/query-commands.js')).queryCommands],
  async () => (await import('./commands/graph-commands.js')).graphCommands,
  async () => [(await import('./commands/simulate-command.js')).simulateCommand],
  async () => [(await import('./commands/ingest-command.js')).ingestCommand],
  async () => (await import('./commands/run-commands.js')).runCommands,
  async () => (await import('./commands/report-command.js')).reportCommands,
  async () => [(await import('./commands/pipeline-commands.js')).pipelineCommands],
  async () => (await import('./commands/submit-commands.js')).submitCommands,
  async () => (await import('./commands/maintenance-commands.js')).maintenanceCommands,
];

/** What `qg --help` lists of a top-level command, and which of COMMAND_MODULES defines it. */
export interface CommandIndexEntry {
  readonly module: number;
  readonly command: string | readonly string[];
  readonly aliases: readonly string[];
  readonly describe: string | false;
}

/**
 * Every top-level command's entry, importing every command module. The build
 * (engine/cli/build-dist.mjs) writes this as dist/engine/cli/command-index.json, so compiled
 * qg lists the commands without importing them, and imports only the module of the command
 * it runs.
 */
export async function commandIndex(): Promise<CommandIndexEntry[]> {
  const entries: CommandIndexEntry[] = [];
  for (const [module, load] of COMMAND_MODULES.entries()) {
    for (const c of await load()) {
      const aliases = c.aliases === undefined ? [] : Array.isArray(c.aliases) ? [...c.aliases] : [c.aliases as string];
      entries.push({ module, command: c.command ?? '', aliases, describe: typeof c.describe === 'string' ? c.describe : false });
    }
  }
  return entries;
}

/** The generated index beside this module: present in dist/ (fresh with it), absent in the sources. */
function readCommandIndex(): CommandIndexEntry[] | null {
  try {
    return JSON.parse(readFileSync(new URL('./command-index.json', import.meta.url), 'utf8')) as CommandIndexEntry[];
  } catch {
    return null;
  }
}

/** The names (first words of its command strings, and aliases) an entry answers to. */
function commandNames(entry: CommandIndexEntry): string[] {
  const commands = typeof entry.command === 'string' ? [entry.command] : entry.command;
  return [...commands, ...entry.aliases].map((c) => c.trim().split(/\s+/)[0]!);
}

/**
 * The commands to give yargs for `argv`: the real ones of the module that defines the command
 * named by the first word that is not an option, and for the rest stand-ins that yargs can only
 * list in help (it runs a command's builder and handler only when that command is named).
 * Without an index, or for a word no entry answers to (a typo yargs will correct, or a
 * command added since the build), every module.
 */
async function commandsFor(argv: readonly string[]): Promise<CommandModule[]> {
  const index = readCommandIndex();
  const word = argv.find((a) => !a.startsWith('-'));
  const named = word === undefined ? undefined : index?.find((e) => commandNames(e).includes(word));
  if (!index || (word !== undefined && !named)) return (await Promise.all(COMMAND_MODULES.map((load) => load()))).flat();
  const commands: CommandModule[] = [];
  for (const [module, load] of COMMAND_MODULES.entries()) {
    if (named?.module === module) {
      commands.push(...(await load()));
    } else {
      for (const e of index.filter((x) => x.module === module)) {
        commands.push({ command: e.command as string | string[], aliases: [...e.aliases], describe: e.describe, builder: {}, handler: () => undefined });
      }
    }
  }
  return commands;
}

/** The version in qg's package.json: two folders up from the sources, three from dist/. */
function packageVersion(): string {
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'qg' && pkg.version) return pkg.version;
    } catch {
      // not there from this build layout: try the next
    }
  }
  return 'unknown';
}

/** A command line yargs refuses (unknown option or command, missing value). */
class UsageError extends Error {
  readonly code: CliErrorCode = 'USAGE';
}

/** Runs the CLI with `argv`; resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const cli = yargs([...argv])
    .scriptName('qg')
    .usage('qg: plan and run astronomy data pipelines over a SQL-registry data repository.\n\nUsage: $0 <command> [options]')
    .command(await commandsFor(argv))
    .demandCommand(1, 'Name a command (see the list above).')
    .recommendCommands()
    .strict()
    .help()
    .alias('h', 'help')
    .version('version', 'Show the version of qg', packageVersion())
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error, y) => {
      // a YError is yargs's own complaint about the command line (e.g. a missing option value)
      if (error && error.name !== 'YError') throw error;
      // yargs runs the command's handler once this returns: throwing stops it before any work
      y.showHelp((usage) => console.error(usage));
      throw new UsageError(message ?? error?.message);
    })
    .epilog('Each command has its own --help. Repositories are folders made by `qg repo create`.');
  // Commands report non-fatal failures through process.exitCode; keep one call's from leaking into the next.
  const outer = process.exitCode;
  process.exitCode = undefined;
  try {
    await cli.parseAsync();
  } catch (e) {
    const error = e as Error & { code?: string; format?: () => string };
    // Errors about a --where expression show it with a caret under the offending character.
    const text = typeof error.format === 'function' ? error.format() : error.message;
    console.error(`qg: error: ${text.includes('\n') ? `\n${text}` : text}`);
    if (process.env.QG_DEBUG) console.error(error.stack);
    process.exitCode = outer;
    return exitStatusOf(error);
  }
  const result = Number(process.exitCode ?? 0);
  process.exitCode = outer;
  return result;
}
