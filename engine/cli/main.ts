/**
 * The `qg` command line. Thin by design: each command parses its options, calls the
 * library, prints. Errors that reach it exit with their code's status (exit-status.ts).
 */
import { readFileSync } from 'node:fs';
import yargs, { type Argv, type CommandModule } from 'yargs';
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
 * (engine/cli/build-dist.mjs) writes this as dist/command-index.json, so compiled
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

/**
 * The generated index, when this module runs compiled (dist/qg.cjs, built with the index; its
 * `import.meta.url` names this file with a `.js` extension). The sources list the commands
 * by importing them: an index from an older build may not match.
 */
function readCommandIndex(): CommandIndexEntry[] | null {
  if (import.meta.url.endsWith('.ts')) return null;
  try {
    return JSON.parse(readFileSync(new URL('../../dist/command-index.json', import.meta.url), 'utf8')) as CommandIndexEntry[];
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

/** The version in qg's package.json (two folders up, compiled or not). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'qg' && pkg.version) return pkg.version;
  } catch {
    // an unusual install without it
  }
  return 'unknown';
}

/** A command line yargs refuses (unknown option or command, missing value). */
class UsageError extends Error {
  readonly code: CliErrorCode = 'USAGE';
}

/** The width `qg --help` wraps its text to: the terminal's, at most 110 columns. */
function terminalWidth(): number {
  return Math.min(110, process.stdout.columns || 100);
}

/**
 * Makes `cli` list each example as a line of its own, after its description as a shell
 * comment (`# Run a saved graph`), so that every line of the Examples section pastes into bash
 * as it is. (yargs puts the description in a column beside the example, which takes half the
 * width and wraps long examples mid-command.)
 */
function examplesAsShellLines<T>(cli: Argv<T>, lines: string[] = []): Argv<T> {
  const add = cli.example.bind(cli);
  const example = (command: string | readonly (readonly [string, string?])[], description?: string): Argv<T> => {
    for (const [c, d] of typeof command === 'string' ? [[command, description] as const] : command) {
      add(d ? `# ${d}\n${c}` : c, '');
      lines.push(c, ...(d ? [`# ${d}`] : []));
    }
    return cli;
  };
  cli.example = example as Argv<T>['example'];
  return cli;
}

/** yargs's complaint about a command line (or an error of ours, which goes on as it is). */
type FailHandler = (message: string | undefined, error: Error | undefined) => void;

/** Refuses a command line yargs complains about, before any work: a UsageError (exit status 2). */
const refuseCommandLine: FailHandler = (message, error) => {
  // a YError is yargs's own complaint about the command line (e.g. a missing option value)
  if (error && error.name !== 'YError') throw error;
  // yargs runs the command's handler once this returns: throwing stops it before any work
  throw new UsageError(message ?? error?.message);
};

/**
 * qg's yargs for `argv` with `commands`, wrapping help text at `wrap` columns (null: never).
 * `examples` gets the lines of the examples of the commands whose builders it runs.
 */
function cliFor(argv: readonly string[], commands: CommandModule[], wrap: number | null, fail: FailHandler = refuseCommandLine, examples: string[] = []) {
  return examplesAsShellLines(yargs([...argv]), examples)
    .scriptName('qg')
    .usage('qg: plan and run astronomy data pipelines over a SQL-registry data repository.\n\nUsage: $0 <command> [options]')
    .command(commands)
    .demandCommand(1, 'Name a command (see the list above).')
    .recommendCommands()
    .strict()
    .help()
    .alias('h', 'help')
    .version('version', 'Show the version of qg', packageVersion())
    .exitProcess(false)
    .wrap(wrap)
    .fail(fail)
    .epilog('Each command has its own --help. Repositories are folders made by `qg repo create`.');
}

/** The words of `argv` before `--` (after it, operands), less `--help` and `-h`. */
function withoutHelp(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  const words = end < 0 ? argv : argv.slice(0, end);
  return words.filter((a) => a !== '--help' && a !== '-h');
}

/** Whether `argv` asks for help with `--help` or `-h` (before any `--`). */
function asksForHelp(argv: readonly string[]): boolean {
  return withoutHelp(argv).length < (argv.includes('--') ? argv.indexOf('--') : argv.length);
}

/**
 * The help qg prints for `argv` (that of the command it names, or `qg --help`), laid out for
 * `width` columns (null: no wrapping). The Examples section is never wrapped: a wrapped example
 * no longer pastes into a shell. yargs wraps all of its help or nothing, so the help is laid
 * out twice and the Examples section taken from the unwrapped one.
 */
export async function helpText(argv: readonly string[], width: number | null): Promise<string> {
  const words = withoutHelp(argv);
  const commands = await commandsFor(words);
  // the help of a command line yargs refuses (shown with the complaint) is that of the command it names
  const examples: string[] = [];
  const help = (wrap: number | null) => cliFor(words, commands, wrap, () => undefined, examples).getHelp();
  const wrapped = await help(width);
  // ($0 is as long as qg; yargs indents an example by 2 columns and keeps 2 free after it)
  if (width === null || examples.every((line) => line.length <= width - 4)) return wrapped;
  return withSection(wrapped, 'Examples:', await help(null));
}

/** `text` with its section under the line `title` (up to a blank line) replaced by that of `from`. */
function withSection(text: string, title: string, from: string): string {
  const section = (lines: string[]): [number, number] => {
    const start = lines.indexOf(title);
    if (start < 0) return [-1, -1];
    const end = lines.indexOf('', start);
    return [start, end < 0 ? lines.length : end];
  };
  const lines = text.split('\n');
  const source = from.split('\n');
  const [start, end] = section(lines);
  const [fromStart, fromEnd] = section(source);
  if (start < 0 || fromStart < 0) return text;
  return [...lines.slice(0, start), ...source.slice(fromStart, fromEnd), ...lines.slice(end)].join('\n');
}

/** Runs the CLI with `argv`; resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  if (asksForHelp(argv)) {
    console.log(await helpText(argv, terminalWidth()));
    return 0;
  }
  // never wrapped: yargs lays out the whole help before it runs a command (kept for a handler
  // that shows it), and wrapping qg's long help took ~20 ms of every start; help is printed above
  const cli = cliFor(argv, await commandsFor(argv), null);
  // Commands report non-fatal failures through process.exitCode; keep one call's from leaking into the next.
  const outer = process.exitCode;
  process.exitCode = undefined;
  try {
    await cli.parseAsync();
  } catch (e) {
    const error = e as Error & { code?: string; format?: () => string };
    // a usage error shows the command's help first, as `qg COMMAND --help` does
    if (e instanceof UsageError) console.error(await helpText(argv, terminalWidth()));
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
