/** `qg run`: run or resume a graph, or build one and run it. */
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { loadGraph, saveGraph, type QuantumGraph } from '../../../planner/index.js';
import { runFolder, type Repository } from '../../../registry/index.js';
import { planPrune, planRunRemoval, pruneDatasets, removeRuns } from '../../../registry/maintenance/index.js';
import {
  EngineError, integerProblem, lockRun, timeoutProblem, ProgressObserver, ReportObserver, formatFailureGroups, loadTaskLibrary, runGraph, type QuantumSubset, type RunReport, type RunSummary,
} from '../../index.js';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE } from '../exit-status.js';
import { displayPath, formatTable } from '../output.js';
import { buildOrExplain, buildSpecFromArgs, buildSummaryLine, withBuildOptions } from './graph-commands.js';
import { TASK_MODULES_OPTION, listOption, withRepository } from './shared-options.js';

/** The per-task report as a table. */
export function formatRunReport(report: RunReport): string {
  const s = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
  return formatTable(
    ['task', 'quanta', 'already done', 'succeeded', 'failed', 'blocked', 'cancelled', 'retried', 'p50 s', 'p90 s', 'p99 s', 'max s', 'total s'],
    report.tasks.map((t) => [t.task, t.quanta, t.alreadyDone, t.succeeded, t.failed, t.blocked, t.cancelled, t.retried,
      s(t.seconds.p50), s(t.seconds.p90), s(t.seconds.p99), s(t.seconds.max), s(t.seconds.total)]),
  );
}

/** The end-of-run text: counts, the per-task report, failures with their logs, where the event log is. */
export function formatRunSummary(summary: RunSummary, report: RunReport, repoArg: string): string {
  const c = summary.counts;
  const lines = [
    `run ${summary.run}${summary.chain ? ` (chain ${summary.chain})` : ''}: ${c.succeeded} succeeded, ${c.failed} failed, ${c.blocked} blocked, ` +
    `${c.cancelled} cancelled, ${c.alreadyDone} already done, of ${summary.quanta} quanta in ${summary.seconds.toFixed(1)} s` +
    `${summary.interrupted ? ' (interrupted)' : summary.stoppedEarly ? ' (stopped at the first failure: --fail-fast)' : ''}`,
  ];
  if (summary.cleaned.datasets || summary.cleaned.files) lines.push(`before starting, removed what earlier attempts left: ${summary.cleaned.datasets} registered dataset(s) of unfinished quanta, ${summary.cleaned.files} file(s)`);
  lines.push('', formatRunReport(report));
  if (summary.failures.length) {
    lines.push('', ...formatFailureGroups(summary.failures, summary.eventLog && `${summary.eventLog}, or by cause: qg report ${summary.run} -b ${repoArg} --html`));
    const blocked = Object.entries(summary.blocked);
    if (blocked.length) lines.push(`  blocked downstream: ${blocked.map(([t, n]) => `${t} ${n}`).join(', ')}`);
  }
  if (summary.eventLog) lines.push('', `event log: ${displayPath(summary.eventLog)}; Gantt chart: qg report ${summary.run} -b ${repoArg}`);
  if (!summary.complete) lines.push(`to resume (completed quanta are skipped): qg run ${'<graph>'} -b ${repoArg}`);
  return lines.join('\n');
}

/** The options of `qg run` that say how to execute (also those of `qg run-quanta`). */
export function withRunOptions<T>(y: Argv<T>) {
  return y
    .option('jobs', { alias: 'j', type: 'number', default: 1, describe: 'Worker threads (quanta run at once)' })
    .option('retries', { type: 'number', default: 0, describe: 'Extra attempts for a failed quantum' })
    .option('fail-fast', { type: 'boolean', default: false, describe: 'Start nothing new after the first failure' })
    .option('timeout', { type: 'number', describe: 'Seconds one quantum may run before its worker is terminated' })
    .option('memory', { type: 'number', describe: 'Heap limit of each worker in MB (a task needing more fails its quantum)' })
    .option('tasks', TASK_MODULES_OPTION)
    .option('verify-checksums', { type: 'boolean', default: true, describe: "Check every input file's SHA-256 before reading it" })
    .option('progress', { type: 'boolean', default: true, describe: 'Progress bar (on a terminal)' });
}

/**
 * What is wrong with the options of `qg run`, or null. (Checked in the handler: a yargs
 * `check` failure reaches main's fail handler as an error, which is not a usage status.)
 */
function runOptionsProblem(argv: Record<string, unknown>): string | null {
  if (argv['graph'] && argv['pipeline']) return 'give either a graph file or -p/-i to build one, not both';
  if (!argv['graph'] && !argv['pipeline']) return 'give a graph file (qg build --save) or -p PIPELINE -i INPUTS -o OUTPUT to build one';
  if (argv['pipeline'] && !listOption(argv['input'] as string[] | undefined).length) return '-p needs -i INPUT collections';
  if (argv['pruneReplaced'] && !argv['graph'] && !argv['replaceRun']) return '--prune-replaced needs --replace-run (it removes what the replaced run holds)';
  if (argv['graph'] && (argv['config'] || argv['configFile'])) return '-c/-C change how a graph is built: give them with -p to build one (this graph is built already; its task configs are in it)';
  return integerProblem('--jobs', argv['jobs'], 1) ?? integerProblem('--retries', argv['retries'], 0) ?? integerProblem('--memory', argv['memory'], 16) ?? timeoutProblem(argv['timeout']);
}

/** Reports a usage error the way yargs does (exit status 2). */
function usageError(message: string): void {
  console.error(`${message}\n\nRun with --help for usage.`);
  process.exitCode = EXIT_USAGE;
}

const run: CommandModule = {
  command: 'run [graph]',
  describe: 'Execute a quantum graph (or build one with -p/-i/-o and run it); running it again resumes',
  builder: (y) => withRunOptions(withBuildOptions(y, { required: false }))
    .positional('graph', { type: 'string', describe: 'A .qg file made by `qg build --save` (or give -p/-i to build first)' })
    .option('qgraph', { alias: 'g', type: 'string', describe: 'The .qg file to run, as pipetask -g (the same as the positional GRAPH)' })
    .option('save', { alias: 'save-qgraph', type: 'string', describe: 'With -p: also write the built graph to this .qg file' })
    .option('prune-replaced', { choices: ['unstore', 'purge'] as const, describe: 'With --replace-run: before running, unstore (delete the files of) or purge (remove completely) the replaced run' })
    .example('$0 run coadd.qg -b repo -j 4', 'Run a saved graph with 4 workers; run it again to resume')
    .example("$0 run -b repo -p drp.yaml -i SimCam/defaults -o u/me/coadd --where \"instrument='SimCam'\" -j 2", 'Build, then run')
    .example('$0 run coadd.qg -b repo -j 4 --retries 2 --timeout 600 --fail-fast', 'Try a failing quantum twice more, stop one after 600 s, start nothing new after a failure')
    .example('$0 run -b repo -g coadd.qg -j 4', 'The graph given as in pipetask')
    .example("$0 run -b repo -p drp.yaml -i SimCam/defaults -o u/me/coadd --where \"instrument='SimCam'\" --replace-run --prune-replaced purge -j 2", 'Redo u/me/coadd in a new run, removing the one it replaces')
    .epilog('The quanta run on a pool of worker threads. Running a graph again resumes it: finished quanta are skipped, and what unfinished ones left is removed first. ' +
      'A progress bar shows on a terminal; elsewhere, a progress line every 30 s on stderr. At the end, failures are grouped by cause, one line each with a count and an example. ' +
      'Exit status 1 if the run did not complete (a quantum failed or was blocked), 130 if interrupted (Ctrl-C).'),
  handler: async (argv) => {
    if (argv['graph'] !== undefined && argv['qgraph'] !== undefined && argv['graph'] !== argv['qgraph']) {
      return usageError(`give the graph once: as GRAPH or as -g/--qgraph, not both ('${String(argv['graph'])}', '${String(argv['qgraph'])}')`);
    }
    const args: Record<string, unknown> = { ...argv, graph: argv['graph'] ?? argv['qgraph'] };
    const problem = runOptionsProblem(args);
    if (problem) return usageError(problem);
    await withRepository(String(args['repo']), (repo) => runCommand(repo, args));
  },
};

/** `qg run` once the options are known to be sound. */
async function runCommand(repo: Repository, argv: Record<string, unknown>): Promise<void> {
  const repoArg = String(argv['repo']);
  const taskModules = listOption(argv['tasks'] as string[] | undefined);
  // Loaded here too (the workers load their own copy): a bad module fails before anything starts.
  const library = taskModules.length ? await loadTaskLibrary(taskModules) : undefined;
  let graph: QuantumGraph;
  let graphFile: string;
  if (argv['graph']) {
    graphFile = String(argv['graph']);
    graph = loadGraph(graphFile);
  } else {
    const result = await buildOrExplain(repo, { ...buildSpecFromArgs(argv), ...(library ? { library } : {}) }, repoArg);
    graph = result.graph;
    console.log(buildSummaryLine(graph, result.statements, result.seconds));
    if (argv['save']) await saveGraph(graph, String(argv['save']));
    // Keep the graph beside the run's files, so the run can be resumed with the same quanta.
    graphFile = argv['save'] ? String(argv['save']) : join(repo.root, runFolder(graph.header.outputRun), '_graph.qg');
    if (!argv['save']) await saveGraph(graph, graphFile);
  }
  if (argv['pruneReplaced']) await pruneReplaced(repo, graph, String(argv['pruneReplaced']) as 'unstore' | 'purge');
  const summary = await runWithTerminal(repo, graph, argv, taskModules);
  console.log(summary.text.replace(/<graph>/g, quoteArg(graphFile)));
  if (summary.result.interrupted) process.exitCode = EXIT_INTERRUPTED;
  else if (!summary.result.complete) process.exitCode = EXIT_FAILURE;
}

/** `--prune-replaced`: unstores or purges the run a `--replace-run` graph replaces, holding its lock (a live `qg run` of it refuses). */
async function pruneReplaced(repo: Repository, graph: QuantumGraph, mode: 'unstore' | 'purge'): Promise<void> {
  const replaced = graph.header.replacedRun;
  if (replaced === undefined) throw new EngineError('--prune-replaced: this graph was not built with --replace-run', 'PRUNE_REPLACED');
  const hold = (runs: readonly string[]) => {
    const locks = runs.map((r) => lockRun(join(repo.root, runFolder(r)), r));
    return () => { for (const l of locks) l.release(); };
  };
  if (!(await repo.registry.collections.has(replaced))) return; // pruned by an earlier attempt
  if (mode === 'purge') {
    const result = await removeRuns(repo, await planRunRemoval(repo.registry, [replaced]), { hold });
    console.log(`--prune-replaced purge: removed run ${replaced} (${result.datasets} dataset(s), ${result.files.deleted} file(s))`);
  } else {
    const result = await pruneDatasets(repo, await planPrune(repo.registry, { collections: [replaced], findAll: true }, { unstore: true }), { hold });
    console.log(`--prune-replaced unstore: deleted the files of ${result.unstored} dataset(s) of ${replaced}`);
  }
}

function quoteArg(s: string): string {
  return /^[\w./=:@+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * Runs with a progress bar and the report observer; Ctrl-C stops the run cleanly (a second one
 * kills it). A cluster job (`subset`) stops the same way on SIGTERM (what scancel sends first).
 */
export async function runWithTerminal(repo: Repository, graph: QuantumGraph, argv: Record<string, unknown>, taskModules: string[], subset?: QuantumSubset): Promise<{ result: RunSummary; text: string }> {
  const report = new ReportObserver();
  const progress = argv['progress'] === false ? null : new ProgressObserver();
  const controller = new AbortController();
  const signals: NodeJS.Signals[] = subset ? ['SIGINT', 'SIGTERM'] : ['SIGINT'];
  const onSigint = () => {
    process.stderr.write('\nqg run: interrupted; stopping the workers and registering what finished (Ctrl-C again to kill)\n');
    controller.abort();
    for (const s of signals) process.removeListener(s, onSigint);
  };
  for (const s of signals) process.on(s, onSigint);
  try {
    if (!progress?.enabled) {
      console.log(`running a graph of ${graph.quantumCount} quanta into ${graph.header.outputRun} with ${argv['jobs']} worker(s) (quanta already complete are skipped)`);
    }
    const result = await runGraph(repo, graph, {
      jobs: Number(argv['jobs']), retries: Number(argv['retries']), failFast: Boolean(argv['failFast']),
      ...(argv['timeout'] !== undefined ? { timeoutSeconds: Number(argv['timeout']) } : {}),
      ...(argv['memory'] !== undefined ? { memoryMb: Number(argv['memory']) } : {}),
      taskModules, verifyChecksums: argv['verifyChecksums'] !== false, clobberOutputs: Boolean(argv['clobberOutputs']), signal: controller.signal,
      observers: [report, ...(progress ? [progress] : [])], command: `qg ${process.argv.slice(2).join(' ')}`, ...(subset ? { subset } : {}),
    });
    return { result, text: formatRunSummary(result, report.report(), String(argv['repo'])) };
  } finally {
    for (const s of signals) process.removeListener(s, onSigint);
  }
}

/** `run`. */
export const runCommands: CommandModule[] = [run];
