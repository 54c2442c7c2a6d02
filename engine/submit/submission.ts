/**
 * `qg submit`, `qg submit --resume`, `qg status` and `qg cancel`: a graph's quanta as Slurm
 * jobs that run `qg run-quanta` against the shared repository. Everything about a submission
 * lives in `<run folder>/_submit/` (see job-scripts.ts), with `submission.json` recording the
 * jobs, their quanta, their upstream jobs and their Slurm ids. The registry says which quanta
 * are done; Slurm's queue and the exit statuses the scripts write say what the jobs do.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGraph, type QuantumGraph } from '../../planner/index.js';
import { runFolder, writeAtomically, type Repository } from '../../registry/index.js';
import { EngineError } from '../errors.js';
import { GraphJobs } from '../run/graph-jobs.js';
import { jobFile } from '../run/run-lock.js';
import { checkRunOutputs, completedQuanta, registerRunCollections, writeConfigs } from '../run/run-state.js';
import { planJobs, type ClusterSpec } from './job-clustering.js';
import { arrayJobList, callNames, dependencyList, jobName, jobScript, sbatchArgs, submitScript, type ScriptSettings } from './job-scripts.js';
import { formatQuantumList, parseQuantumList } from './quantum-list.js';
import { sbatchCalls, slurmRefs, type SbatchCall } from './sbatch-calls.js';
import { SLURM, type SlurmClient } from './slurm-client.js';

/** File of the submission record inside the submission folder. */
export const SUBMISSION_FILE = 'submission.json';

/** One job of a submission. */
export interface SubmittedJob {
  readonly name: string;
  /** Its quanta as a compact list (`0-9,12`). */
  readonly quanta: string;
  /** Indices of the jobs it waits for. */
  readonly upstream: readonly number[];
  /** Its Slurm id (`123`, or `124_5` for an array element) once submitted. */
  slurm: string | null;
}

/** `submission.json`. */
export interface SubmissionRecord {
  readonly run: string;
  /** Absolute path of the graph copy the jobs run. */
  readonly graph: string;
  readonly buildId: string;
  readonly settings: ScriptSettings;
  readonly jobs: SubmittedJob[];
  /** Each submission or resubmission: when, how many sbatch calls for how many jobs, how long it took. */
  readonly attempts: { at: string; dryRun: boolean; jobs: number; calls: number; seconds: number }[];
}

/** How to submit. */
export interface SubmitOptions {
  readonly cluster?: ClusterSpec;
  readonly partition?: string;
  /** Write the scripts and the dependency list, submit nothing, change nothing in the registry. */
  readonly dryRun?: boolean;
  /** Most jobs per job array (Slurm's MaxArraySize is 1001 by default). */
  readonly maxArraySize?: number;
  /** Words that run qg on the nodes (default: this node's `node` and qg.mjs, by absolute path). */
  readonly qg?: readonly string[];
  readonly sbatchArgs?: readonly string[];
  /** Extra `qg run-quanta` options for every job. */
  readonly runArgs?: readonly string[];
}

/** What a submission did. */
export interface SubmitResult {
  readonly dir: string;
  readonly run: string;
  readonly quanta: number;
  readonly jobs: number;
  /** Jobs submitted this time (all, or those a resume resubmitted). */
  readonly submitted: number;
  readonly calls: number;
  readonly splitClusters: number;
  readonly dryRun: boolean;
  readonly seconds: number;
}

/** The qg command of this installation, by absolute paths (the nodes see the same shared paths). */
export function defaultQgCommand(): string[] {
  return [process.execPath, fileURLToPath(new URL('../cli/qg.mjs', import.meta.url))];
}

/** The submission folder of `run`. */
export function submissionDir(repo: Repository, run: string): string {
  return join(repo.root, runFolder(run), '_submit');
}

/** Refuses a repository whose registry many nodes cannot share. */
function checkSharedRegistry(repo: Repository): void {
  if (repo.config.registry.dialect !== 'postgresql') {
    throw new EngineError(
      `cannot submit: the repository ${repo.root} keeps its registry in SQLite, and a file database on a shared filesystem is not safe for many writers ` +
      'on many nodes. Create the repository on PostgreSQL (qg repo create REPO --db postgresql://...) to run on a cluster, or run here with qg run', 'SUBMIT_SQLITE');
  }
}

/** Reads `submission.json` of `run`. */
export function readSubmission(repo: Repository, run: string): SubmissionRecord {
  const path = join(submissionDir(repo, run), SUBMISSION_FILE);
  if (!existsSync(path)) throw new EngineError(`run '${run}' has no submission (${path}); submit it with qg submit`, 'SUBMIT_NONE');
  return JSON.parse(readFileSync(path, 'utf8')) as SubmissionRecord;
}

function saveSubmission(dir: string, record: SubmissionRecord): void {
  writeAtomically(join(dir, SUBMISSION_FILE), new TextEncoder().encode(JSON.stringify(record, null, 1)));
}

/** Submits `graphFile` to Slurm as jobs (see the module comment). */
export async function submitGraph(repo: Repository, graphFile: string, options: SubmitOptions = {}, slurm: SlurmClient = SLURM): Promise<SubmitResult> {
  const t0 = performance.now();
  checkSharedRegistry(repo);
  const graph = loadGraph(graphFile);
  if (graph.header.repositoryId !== repo.registry.id) {
    throw new EngineError(`the graph was built against repository ${graph.header.repositoryId}, but ${repo.root} is repository ${repo.registry.id}`, 'GRAPH_FOREIGN');
  }
  const run = graph.header.outputRun;
  const dir = submissionDir(repo, run);
  const previous = existsSync(join(dir, SUBMISSION_FILE)) ? readSubmission(repo, run) : null;
  if (previous?.jobs.some((j) => j.slurm !== null)) {
    throw new EngineError(`run '${run}' was submitted already (${dir}); see qg status ${run}, resubmit what did not finish with qg submit --resume ${run}`, 'SUBMIT_EXISTS');
  }
  const plan = planJobs(graph, options.cluster ?? {});
  for (const sub of ['scripts', 'quanta', 'status', 'logs']) mkdirSync(join(dir, sub), { recursive: true });
  const graphCopy = join(dir, 'graph.qg');
  copyFileSync(graphFile, graphCopy);
  const settings: ScriptSettings = {
    qg: options.qg ?? defaultQgCommand(), graph: graphCopy, repo: repo.root, dir, ...(options.partition ? { partition: options.partition } : {}),
    sbatchArgs: options.sbatchArgs ?? [], runArgs: options.runArgs ?? [],
  };
  const jobs: SubmittedJob[] = plan.jobs.map((quanta, j) => ({ name: jobName(j), quanta: formatQuantumList(quanta), upstream: plan.upstream[j]!, slurm: null }));
  for (const job of jobs) writeFileSync(join(dir, 'quanta', `${job.name}.txt`), `${job.quanta}\n`);
  writeFileSync(join(dir, 'dependencies.txt'), dependencyList(plan.upstream));
  const record: SubmissionRecord = { run, graph: graphCopy, buildId: graph.header.buildId, settings, jobs, attempts: [] };
  if (!options.dryRun) await prepareRun(repo, graph);
  const calls = await submitJobs(record, jobs.map((_, j) => j), options, slurm);
  const seconds = (performance.now() - t0) / 1000;
  record.attempts.push({ at: new Date().toISOString(), dryRun: options.dryRun ?? false, jobs: jobs.length, calls, seconds });
  saveSubmission(dir, record);
  return { dir, run, quanta: graph.quantumCount, jobs: jobs.length, submitted: jobs.length, calls, splitClusters: plan.splitClusters, dryRun: options.dryRun ?? false, seconds };
}

/**
 * What every job expects before it starts: no other graph's outputs where this one writes
 * (jobs read only their own datasets), the run, its chain and dataset types, the task configs.
 */
async function prepareRun(repo: Repository, graph: QuantumGraph): Promise<void> {
  const jobs = new GraphJobs(graph, repo.datastore.template);
  await checkRunOutputs(repo, jobs);
  await registerRunCollections(repo, graph);
  await writeConfigs(repo, jobs);
}

/**
 * Writes the scripts of `which` (job indices, ascending) and submits them (unless a dry run),
 * each waiting only for upstream jobs among `which`; records their Slurm ids. Returns the
 * number of sbatch calls.
 */
async function submitJobs(record: SubmissionRecord, which: readonly number[], options: SubmitOptions, slurm: SlurmClient): Promise<number> {
  const { dir } = record.settings;
  const local = new Map(which.map((j, i) => [j, i]));
  const upstream = which.map((j) => record.jobs[j]!.upstream.filter((u) => local.has(u)).map((u) => local.get(u)!));
  const calls: SbatchCall[] = sbatchCalls(upstream, options.maxArraySize ?? 1000)
    .map((c) => ({ ...c, jobs: c.jobs.map((i) => which[i]!), after: c.after.map((i) => which[i]!) }));
  const refs = slurmRefs(calls, record.jobs.length);
  const names = callNames(calls);
  calls.forEach((call, c) => {
    if (call.array) writeFileSync(join(dir, 'scripts', `${names[c]}.jobs`), arrayJobList(call, (j) => record.jobs[j]!.name));
    writeFileSync(join(dir, 'scripts', `${names[c]}.sh`), jobScript(record.settings, call, names[c]!), { mode: 0o755 });
  });
  writeFileSync(join(dir, 'submit.sh'), submitScript(calls, refs, dir), { mode: 0o755 });
  if (options.dryRun) return calls.length;
  const ids: string[] = [];
  try {
    for (const [c, call] of calls.entries()) {
      ids.push(await slurm.sbatch(sbatchArgs(call, calls, refs, (x) => ids[x]!), join(dir, 'scripts', `${names[c]}.sh`)));
      for (const j of call.jobs) record.jobs[j]!.slurm = refs[j]!.element === null ? ids[c]! : `${ids[c]}_${refs[j]!.element}`;
    }
  } finally {
    saveSubmission(dir, record); // what went in is recorded even when a later call fails
  }
  return calls.length;
}

/** Resubmits the jobs of `run` that did not finish (all their quanta registered), nothing else. */
export async function resumeSubmission(repo: Repository, run: string, options: SubmitOptions = {}, slurm: SlurmClient = SLURM): Promise<SubmitResult> {
  const t0 = performance.now();
  checkSharedRegistry(repo);
  const record = readSubmission(repo, run);
  const queued = await slurm.squeue(record.jobs.flatMap((j) => (j.slurm ? [j.slurm] : [])));
  if (queued.size) throw new EngineError(`${queued.size} job(s) of run '${run}' are still queued or running; wait for them, or qg cancel ${run}, then resume`, 'SUBMIT_ACTIVE');
  const graph = loadGraph(record.graph);
  const complete = await completedQuanta(repo, new GraphJobs(graph, repo.datastore.template));
  const which = record.jobs.flatMap((job, j) => (parseQuantumList(job.quanta).every((q) => complete[q]) ? [] : [j]));
  const folder = join(repo.root, runFolder(run));
  for (const j of which) {
    const name = record.jobs[j]!.name;
    // Not running (Slurm says so): its lock and status are stale.
    for (const f of [jobFile(folder, name, '.lock'), join(record.settings.dir, 'status', `${name}.exit`), join(record.settings.dir, 'status', `${name}.start`)]) rmSync(f, { force: true });
  }
  const calls = which.length ? await submitJobs(record, which, options, slurm) : 0;
  const seconds = (performance.now() - t0) / 1000;
  record.attempts.push({ at: new Date().toISOString(), dryRun: options.dryRun ?? false, jobs: which.length, calls, seconds });
  saveSubmission(record.settings.dir, record);
  return { dir: record.settings.dir, run, quanta: graph.quantumCount, jobs: record.jobs.length, submitted: which.length, calls, splitClusters: 0, dryRun: options.dryRun ?? false, seconds };
}
