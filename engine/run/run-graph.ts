/**
 * The coordinator of `qg run`. It owns the registry connection; workers only read and write
 * files. The flow of one quantum: the ready queue hands it out, the pool runs it, its
 * outputs (metadata last) are registered in the next batch transaction, and only then are
 * its consumers released. A failure removes what the attempt wrote, retries it (--retries),
 * or fails it for good: its log (all attempts, with the error) is written and registered,
 * its downstream is blocked, the rest goes on (unless --fail-fast). Running the same graph
 * again resumes: see run-state.ts. A cluster job runs a subset of the quanta the same way
 * (`RunOptions.subset`).
 */
import { randomUUID } from 'node:crypto';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { QuantumGraph } from '../../planner/index.js';
import { runnerStartProblem } from '../../pipelines/index.js';
import { checkOutputCollectionName, graphHeapProblem, runFolder, runTimestamp, type Repository } from '../../registry/index.js';
import { EngineError } from '../errors.js';
import { integerProblem, timeoutProblem } from '../option-problems.js';
import { WorkerPool } from '../execute/worker-pool.js';
import { CompositeObserver, type RunObserver } from '../observe/run-events.js';
import { EventLogObserver, eventLogPath } from '../observe/event-log-observer.js';
import { GraphJobs } from './graph-jobs.js';
import { RunCoordinator, type RunSummary } from './run-coordinator.js';
import { jobFile, lockJob, lockRun } from './run-lock.js';
import { prepareRunState, registerRunCollections, writeConfigs } from './run-state.js';

/** How to run. */
export interface RunOptions {
  /** Worker threads (-j; default 1). */
  readonly jobs?: number;
  /** Extra attempts for a failed quantum (default 0). Missing or corrupt inputs are not retried. */
  readonly retries?: number;
  /** Stop starting quanta after the first failure (running ones finish). */
  readonly failFast?: boolean;
  /** Wall-time limit of one quantum attempt, in seconds; its worker is terminated. */
  readonly timeoutSeconds?: number;
  /** Heap limit of each worker in MB (default: 3/4 of the machine's memory shared by the workers, at most 4096). */
  readonly memoryMb?: number;
  /** Extra task library modules (paths or URLs exporting `TASK_LIBRARY`). */
  readonly taskModules?: readonly string[];
  /** Progress, report, ... (the event log is added unless `eventLog` is false). */
  readonly observers?: readonly RunObserver[];
  /** Write `<run>/_events.jsonl` (default true). */
  readonly eventLog?: boolean;
  /** Most quanta per registration transaction (default 256). */
  readonly batchSize?: number;
  /** Check each input file's SHA-256 against its record (default true). */
  readonly verifyChecksums?: boolean;
  /** Aborting stops the run: running quanta are terminated, nothing new starts, what finished is registered. */
  readonly signal?: AbortSignal;
  /** The command line, for the event log. */
  readonly command?: string;
  /** Replace outputs another graph left where this graph writes (otherwise the run refuses: RUN_OUTPUTS_CONFLICT). */
  readonly clobberOutputs?: boolean;
  /**
   * A started pool to run on instead of starting one (it stays open; its size is -j). Lets
   * several runs on one repository share warm workers (tests, benchmarks).
   */
  readonly pool?: WorkerPool;
  /** Run only these quanta: a cluster job's share (see {@link QuantumSubset}). */
  readonly subset?: QuantumSubset;
}

/**
 * The quanta of one cluster job (`qg run-quanta`). The other quanta count as done for this
 * invocation (the scheduler starts a job after the jobs it depends on succeeded; an input
 * still missing fails its quantum as INPUT_MISSING). The job takes its own lock
 * (`_jobs/<name>.lock`: jobs of one run on several nodes do not block each other, the same
 * job twice does), writes its own event log (`_jobs/<name>.events.jsonl`), cleans only what
 * its own quanta left, and writes no task configs (the submission registered them).
 */
export interface QuantumSubset {
  /** The job's name (letters, digits, `_`, `-`, `.`). */
  readonly name: string;
  /** Graph quantum indices. */
  readonly quanta: readonly number[];
}

function checkOptions(o: RunOptions): void {
  const problem = integerProblem('-j/--jobs', o.jobs, 1) ?? integerProblem('--retries', o.retries, 0) ?? integerProblem('the batch size', o.batchSize, 1)
    ?? integerProblem('--memory', o.memoryMb, 16) ?? (o.subset && !o.subset.quanta.length ? 'the job names no quanta' : null) ?? timeoutProblem(o.timeoutSeconds);
  if (problem) throw new EngineError(problem, 'RUN_OPTIONS');
}

/**
 * Every task of the graph must be runnable: its pipeline's module loads and exports `run`, its
 * command is there (the planner checked its template), or (without either) its class is in
 * the workers' library with a `run`. Says which are not, before anything starts.
 */
async function checkTasks(graph: QuantumGraph, pool: WorkerPool): Promise<void> {
  const problems: string[] = [];
  let library = false;
  for (const t of graph.tasks) {
    if (t.runner) {
      const problem = await runnerStartProblem(t.label, t.runner);
      if (problem) problems.push(problem);
      continue;
    }
    const found = pool.taskClasses.get(t.taskClass);
    library ||= !found?.runnable;
    if (!found) problems.push(`task '${t.label}': class '${t.taskClass}' is not in the task library, and its pipeline gives no run:`);
    else if (!found.runnable) problems.push(`task '${t.label}': class '${t.taskClass}' can be planned but has no run()`);
  }
  if (problems.length) {
    const known = library ? ` (task library: ${[...pool.taskClasses.keys()].join(', ')}; add modules with --tasks)` : '';
    throw new EngineError(`cannot run this graph: ${problems.join('; ')}${known}`, 'TASK_UNKNOWN');
  }
}

/**
 * Before anything is allocated or made: output names `qg run` can use (a graph from before
 * the build checked them), and heap for this graph (HEAP_HEADROOM names the setting to raise).
 */
function checkGraphFits(graph: QuantumGraph): void {
  const { outputRun, outputChain } = graph.header;
  for (const name of [outputRun, ...(outputChain !== null ? [outputChain] : [])]) checkOutputCollectionName(name);
  const heap = graphHeapProblem('run', { quanta: graph.quantumCount, datasets: graph.datasetCount, edges: graph.edgeCount });
  if (heap) throw new EngineError(heap, 'HEAP_HEADROOM');
}

/** Runs (or resumes) `graph` against `repo`. Failed quanta are reported in the summary, not thrown. */
export async function runGraph(repo: Repository, graph: QuantumGraph, options: RunOptions = {}): Promise<RunSummary> {
  checkOptions(options);
  checkGraphFits(graph);
  const t0 = Date.now();
  const jobsN = options.pool?.size ?? options.jobs ?? 1;
  const run = graph.header.outputRun;
  const folder = runFolder(run);
  const jobs = new GraphJobs(graph, repo.datastore.template);
  const invocation = `${runTimestamp(new Date(t0))}-${randomUUID().slice(0, 8)}`;
  const memoryMb = options.memoryMb ?? Math.max(256, Math.min(4096, Math.floor((totalmem() / 2 ** 20) * 0.75 / jobsN)));

  if (graph.header.repositoryId !== repo.registry.id) {
    throw new EngineError(`the graph was built against repository ${graph.header.repositoryId}, but ${repo.root} is repository ${repo.registry.id}: build the graph against this repository`, 'GRAPH_FOREIGN');
  }
  if (options.pool && (options.pool.root !== repo.root || options.pool.template !== repo.datastore.template)) {
    throw new EngineError(`the given worker pool writes into ${options.pool.root}, not this repository (${repo.root})`, 'RUN_OPTIONS');
  }
  const selected = options.subset ? subsetMask(graph, options.subset) : null;
  const lock = options.subset ? lockJob(join(repo.root, folder), run, options.subset.name) : lockRun(join(repo.root, folder), run);
  const ownPool = !options.pool;
  const poolStart = options.pool ? Promise.resolve(options.pool) : WorkerPool.start({ size: jobsN, root: repo.root, template: repo.datastore.template, taskModules: options.taskModules ?? [], memoryMb });
  const observerList: RunObserver[] = [];
  let observers = new CompositeObserver(observerList);
  try {
    const pool = await poolStart;
    await checkTasks(graph, pool); // before touching the registry
    await registerRunCollections(repo, graph);
    const state = await prepareRunState(repo, jobs, folder, options.clobberOutputs ?? false, selected);
    if (!selected) await writeConfigs(repo, jobs);
    const logPath = options.eventLog === false ? null : options.subset ? jobFile(join(repo.root, folder), options.subset.name, '.events.jsonl') : eventLogPath(repo.root, run);
    if (logPath) observerList.push(new EventLogObserver(logPath));
    observerList.push(...(options.observers ?? []));
    observers = new CompositeObserver(observerList);
    return await new RunCoordinator({
      repo, graph, jobs, state, selected, pool, observers, settings: {
        retries: options.retries ?? 0, failFast: options.failFast ?? false, batchSize: options.batchSize ?? 256, verifyChecksums: options.verifyChecksums ?? true,
        timeoutMs: options.timeoutSeconds !== undefined ? options.timeoutSeconds * 1000 : undefined, signal: options.signal,
        workers: jobsN, command: options.command ?? '', invocation, startedAt: t0, eventLog: logPath,
      },
    }).run();
  } finally {
    if (ownPool) await poolStart.then((p) => p.close(), () => {});
    observers.close();
    lock.release();
  }
}

/** 1 per quantum of `subset`; RUN_OPTIONS for an index outside the graph. */
function subsetMask(graph: QuantumGraph, subset: QuantumSubset): Uint8Array {
  const mask = new Uint8Array(graph.quantumCount);
  for (const q of subset.quanta) {
    if (!Number.isInteger(q) || q < 0 || q >= graph.quantumCount) throw new EngineError(`quantum ${q} is not in the graph (it has ${graph.quantumCount}: 0-${graph.quantumCount - 1})`, 'RUN_OPTIONS');
    mask[q] = 1;
  }
  return mask;
}
