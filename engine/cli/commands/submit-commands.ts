/**
 * Running on a cluster: `qg run-quanta` (a subset of a graph's quanta with the same executor
 * as `qg run`; what each Slurm job runs).
 */
import type { CommandModule } from 'yargs';
import { loadGraph } from '../../../planner/index.js';
import type { Repository } from '../../../registry/index.js';
import { parseQuantumList } from '../../index.js';
import { runWithTerminal, withRunOptions } from './run-commands.js';
import { listOption, withRepo, withRepository } from './shared-options.js';

/** Exit status of an interrupted job (128 + SIGINT), and of bad options (as main's). */
const EXIT_INTERRUPTED = 130;
const EXIT_USAGE = 2;

const runQuanta: CommandModule = {
  command: 'run-quanta <graph>',
  describe: "Execute some of a graph's quanta (what each cluster job runs); the run must be set up by qg submit or qg run",
  builder: (y) => withRunOptions(withRepo(y))
    .positional('graph', { type: 'string', demandOption: true, describe: 'The .qg file' })
    .option('quanta', { type: 'string', demandOption: true, describe: 'Quantum indices and ranges (0-99,250) or @FILE holding them' })
    .option('job', { type: 'string', default: 'run-quanta', describe: 'Job name: its lock and event log in <run>/_jobs/ (two jobs of one run with different names run at once)' })
    .example('$0 run-quanta drp.qg -b repo --quanta 0-99,250 --job j0007', 'Run 101 quanta of drp.qg as job j0007'),
  handler: async (argv) => {
    let quanta: number[];
    try {
      quanta = parseQuantumList(String(argv['quanta']));
    } catch (e) {
      console.error(`${(e as Error).message}\n\nRun with --help for usage.`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    await withRepository(String(argv['repo']), (repo) => runQuantaCommand(repo, argv, quanta));
  },
};

/** `qg run-quanta` once the list is known to be sound. */
async function runQuantaCommand(repo: Repository, argv: Record<string, unknown>, quanta: number[]): Promise<void> {
  const graph = loadGraph(String(argv['graph']));
  const subset = { name: String(argv['job']), quanta };
  const { result, text } = await runWithTerminal(repo, graph, argv, listOption(argv['tasks'] as string[] | undefined), subset);
  console.log(text.replace(/<graph>/g, String(argv['graph'])));
  if (result.interrupted) process.exitCode = EXIT_INTERRUPTED;
  else if (!result.complete) process.exitCode = 1;
}

/** `run-quanta`. */
export const submitCommands: CommandModule[] = [runQuanta];
