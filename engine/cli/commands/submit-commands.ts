/**
 * Running on a cluster: `qg submit` (a graph as Slurm jobs, or `--resume RUN`), `qg status`,
 * `qg cancel`, and `qg run-quanta` (a subset of a graph's quanta with the same executor as
 * `qg run`; what each Slurm job runs).
 */
import type { Argv, CommandModule } from 'yargs';
import { loadGraph } from '../../../planner/index.js';
import type { Repository } from '../../../registry/index.js';
import {
  EngineError, JOB_STATES, cancelSubmission, parseClusterBy, parseQuantumList, resumeSubmission, submissionStatus, submitGraph,
  type SubmissionStatus, type SubmitOptions, type SubmitResult,
} from '../../index.js';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE } from '../exit-status.js';
import { formatTable, jsonReplacer } from '../output.js';
import { runWithTerminal, withRunOptions } from './run-commands.js';
import { listOption, withFormat, withRepo, withRepository } from './shared-options.js';

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
  // A job resumes by running again (or with its whole submission), not with qg run.
  console.log(text.replace(/^to resume .*$/m, `to resume: run this job again, or qg submit --resume ${graph.header.outputRun} -b ${String(argv['repo'])}`));
  if (result.interrupted) process.exitCode = EXIT_INTERRUPTED;
  else if (!result.complete) process.exitCode = EXIT_FAILURE;
}

function withSubmitOptions<T>(y: Argv<T>) {
  return y
    .option('partition', { type: 'string', describe: 'Slurm partition of every job' })
    .option('cluster-by', { type: 'string', describe: 'Put quanta sharing these dimension values in one job (visit=exposure,detector: a=b means a, or b where a task has no a)' })
    .option('quanta-per-job', { type: 'number', describe: 'Quanta per job for quanta not clustered by --cluster-by (same task; default 1)' })
    .option('max-jobs', { type: 'number', describe: 'Most jobs: quanta not clustered by --cluster-by go as many per job as it takes' })
    .option('max-array', { type: 'number', default: 1000, describe: 'Most jobs per job array (Slurm MaxArraySize)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'Write the job scripts, submit.sh and the dependency list; submit nothing' })
    .option('qg', { type: 'string', describe: 'How the nodes run qg (default: this node and qg.mjs by absolute path)' })
    .option('sbatch-arg', { type: 'string', array: true, describe: 'Extra #SBATCH option for every job (--sbatch-arg=--time=02:00:00)' })
    .option('jobs', { alias: 'j', type: 'number', default: 1, describe: 'Worker threads in each job' })
    .option('retries', { type: 'number', default: 0, describe: 'Extra attempts for a failed quantum, within its job' })
    .option('tasks', { type: 'string', array: true, describe: 'Extra task library modules (paths the nodes can read)' });
}

/** The options of a submission from the command line. */
function submitOptions(argv: Record<string, unknown>): SubmitOptions {
  const runArgs = ['-j', String(argv['jobs']), '--retries', String(argv['retries']), ...listOption(argv['tasks'] as string[] | undefined).flatMap((t) => ['--tasks', t])];
  return {
    cluster: {
      ...(argv['clusterBy'] ? { by: parseClusterBy(String(argv['clusterBy'])) } : {}),
      ...(argv['quantaPerJob'] !== undefined ? { quantaPerJob: Number(argv['quantaPerJob']) } : {}),
      ...(argv['maxJobs'] !== undefined ? { maxJobs: Number(argv['maxJobs']) } : {}),
    },
    ...(argv['partition'] ? { partition: String(argv['partition']) } : {}),
    ...(argv['qg'] ? { qg: String(argv['qg']).split(' ').filter(Boolean) } : {}),
    dryRun: Boolean(argv['dryRun']), maxArraySize: Number(argv['maxArray']),
    sbatchArgs: (argv['sbatchArg'] as string[] | undefined) ?? [], runArgs,
  };
}

function formatSubmitResult(r: SubmitResult): string {
  const what = r.dryRun ? 'would submit' : 'submitted';
  return [
    `run ${r.run}: ${what} ${r.submitted} of ${r.jobs} job(s) for ${r.quanta} quanta in ${r.calls} sbatch call(s) (${(r.calls / Math.max(1, r.quanta) * 1000).toFixed(1)} per 1,000 quanta), ` +
    `planned in ${r.seconds.toFixed(2)} s${r.splitClusters ? `; ${r.splitClusters} cluster(s) split to keep the job graph acyclic` : ''}`,
    `job scripts, submit.sh and dependencies.txt: ${r.dir}`,
    ...(r.dryRun ? [] : [`follow it with: qg status ${r.run} -b <repo> --watch`]),
  ].join('\n');
}

const submit: CommandModule = {
  command: 'submit [graph]',
  describe: 'Run a graph on Slurm: its quanta as jobs (qg run-quanta) with afterok dependencies, against a PostgreSQL repository on a shared filesystem',
  builder: (y) => withSubmitOptions(withRepo(y))
    .positional('graph', { type: 'string', describe: 'The .qg file (made by qg build --save)' })
    .option('resume', { type: 'string', describe: 'Resubmit the jobs of this RUN that did not finish (instead of a graph)' })
    .example('$0 submit drp.qg -b /shared/repo --cluster-by visit=exposure,detector --partition normal', 'isr+calibrate of a detector-visit per job')
    .example('$0 submit drp.qg -b /shared/repo --quanta-per-job 50 --dry-run', 'Write the scripts and the dependency list only')
    .example('$0 submit --resume u/me/drp/20250101T000000Z -b /shared/repo', 'Resubmit what did not finish'),
  handler: async (argv) => {
    if (!argv['graph'] === !argv['resume']) throw new EngineError('give a graph file, or --resume RUN', 'SUBMIT_OPTIONS');
    const options = submitOptions(argv);
    await withRepository(String(argv['repo']), async (repo) => {
      const result = argv['resume'] ? await resumeSubmission(repo, String(argv['resume']), options) : await submitGraph(repo, String(argv['graph']), options);
      console.log(formatSubmitResult(result).replace('<repo>', String(argv['repo'])));
    });
  },
};

/** One line: counts per state and a bar of done quanta. */
function progressLine(s: SubmissionStatus): string {
  const total = JOB_STATES.reduce((n, k) => n + s.quantumCounts[k], 0);
  const width = 30;
  const filled = Math.round((s.quantumCounts.succeeded / Math.max(1, total)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${s.quantumCounts.succeeded}/${total} quanta; jobs: ${JOB_STATES.map((k) => `${s.jobCounts[k]} ${k}`).join(', ')}`;
}

function formatStatus(s: SubmissionStatus): string {
  const rows = s.jobs.filter((j) => j.state !== 'succeeded').map((j) => [j.name, j.slurm ?? '-', j.state, `${j.done}/${j.quanta}`, j.reason]);
  return [
    `run ${s.run}: ${progressLine(s)}`,
    `quanta: ${JOB_STATES.map((k) => `${s.quantumCounts[k]} ${k}`).join(', ')}`,
    ...(s.queueKnown ? [] : ['squeue is not installed here: states come from the registry and the jobs\' exit files, so a job still queued and a job lost both show as pending']),
    ...(rows.length ? ['', formatTable(['job', 'slurm id', 'state', 'quanta done', 'why'], rows)] : []),
  ].join('\n');
}

const status: CommandModule = {
  command: 'status <run>',
  describe: 'State of a submitted run: its jobs and quanta (pending, running, succeeded, failed, blocked) from the registry and from Slurm',
  builder: (y) => withFormat(withRepo(y))
    .positional('run', { type: 'string', describe: 'The output RUN of the submitted graph' })
    .option('watch', { type: 'number', describe: 'Follow the run: print a progress line every N seconds until nothing is pending or running' })
    .example('$0 status u/me/drp/20250101T000000Z -b /shared/repo', '')
    .example('$0 status u/me/drp/20250101T000000Z -b /shared/repo --watch 10', 'A progress line every 10 s until the run ends, then the state')
    .epilog("Without squeue on this machine, states come from the registry and the jobs' exit files (a job still queued and a job lost both show as pending). " +
      'Exit status 1 if the run ended with failed or blocked jobs.'),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const run = String(argv['run']);
    let s = await submissionStatus(repo, run);
    while (argv['watch'] !== undefined && !s.finished) {
      console.log(progressLine(s));
      await new Promise((r) => setTimeout(r, Math.max(1, Number(argv['watch'])) * 1000));
      s = await submissionStatus(repo, run);
    }
    console.log(argv['format'] === 'json' ? JSON.stringify(s, jsonReplacer, 1) : formatStatus(s));
    if (s.finished && s.jobCounts.failed + s.jobCounts.blocked > 0) process.exitCode = EXIT_FAILURE;
  }),
};

const cancel: CommandModule = {
  command: 'cancel <run>',
  describe: "Cancel a submitted run's queued and running jobs (resume later with qg submit --resume)",
  builder: (y) => withRepo(y).positional('run', { type: 'string', describe: 'The output RUN of the submitted graph' })
    .example('$0 cancel u/me/drp/20250101T000000Z -b /shared/repo', ''),
  handler: async (argv) => withRepository(String(argv['repo']), async (repo) => {
    const n = await cancelSubmission(repo, String(argv['run']));
    console.log(`run ${String(argv['run'])}: cancelled ${n} queued or running job(s)`);
  }),
};

/** `submit`, `status`, `cancel`, `run-quanta`. */
export const submitCommands: CommandModule[] = [submit, status, cancel, runQuanta];
