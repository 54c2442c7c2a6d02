/**
 * The `qg` command line. Thin by design: each command parses its options, calls the
 * library, prints. This is the only place that decides exit statuses.
 */
import yargs from 'yargs';
import { repoCommands } from './commands/repo-commands.js';
import { queryCommands } from './commands/query-commands.js';
import { graphCommands } from './commands/graph-commands.js';
import { simulateCommand } from './commands/simulate-command.js';
import { ingestCommand } from './commands/ingest-command.js';
import { runCommands } from './commands/run-commands.js';
import { pipelineCommands } from './commands/pipeline-commands.js';
import { submitCommands } from './commands/submit-commands.js';
import { maintenanceCommands } from './commands/maintenance-commands.js';

/** Exit statuses: 0 ok, 1 failure while working, 2 bad input (usage, expression, unknown name). */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Error codes that mean "the user asked for something wrong" rather than "it broke". */
const USAGE_CODES = /^(USAGE|INGEST|TRANSLATION|SIMULATE_OPTIONS|PIPELINE|BUILD|SHOW|GRAPH_FILE|QUERY|UNIVERSE|COLLECTION|DATASET_TYPE|DATA_ID|TIME_FORMAT|WHERE|PATH|REPO|BAD_DB_URL|EXPORT_FORMAT|CALIB|DIMENSION_RECORD|DATASET_CONFLICT|FORMATTER|YAML_LIMIT)/;

/** A command line yargs refuses (unknown option or command, missing value). */
class UsageError extends Error {
  readonly code = 'USAGE';
}

/** Runs the CLI with `argv`; resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const cli = yargs([...argv])
    .scriptName('qg')
    .usage('qg: plan and run astronomy data pipelines over a SQL-registry data repository.\n\nUsage: $0 <command> [options]')
    .command(repoCommands)
    .command(queryCommands)
    .command(graphCommands)
    .command(simulateCommand)
    .command(ingestCommand)
    .command(runCommands)
    .command(pipelineCommands)
    .command(submitCommands)
    .command([...maintenanceCommands])
    .demandCommand(1, 'Name a command (see the list above).')
    .recommendCommands()
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error, y) => {
      if (error) throw error;
      // yargs runs the command's handler once this returns: throwing stops it before any work
      y.showHelp((usage) => console.error(usage));
      throw new UsageError(message);
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
    return typeof error.code === 'string' && USAGE_CODES.test(error.code) ? EXIT_USAGE : EXIT_FAILURE;
  }
  const result = Number(process.exitCode ?? 0);
  process.exitCode = outer;
  return result;
}
