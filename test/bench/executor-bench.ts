/**
 * Executor overhead per trivial quantum: a no-op task (read one small JSON input, write an
 * empty object) over N detectors, run with `runGraph` at -j2 on the embedded SQLite registry.
 * Everything a real quantum pays except the science is in it: scheduling, the job message to
 * a worker thread, reading and checksumming the input, writing the output, log and metadata
 * files atomically, and registering them (batched). Worker start-up is measured apart (a warm
 * pool is reused across repeats, as one long run would, and a first warm-up run is dropped);
 * the figure is wall time from `run-started` to `run-finished` divided by the number of
 * quanta, median of the repeats.
 * Set beside Slurm's ~0.4-0.8 s per trivial job on this machine (measured on the one-node test cluster).
 *
 * Run alone with `npx tsx test/bench/executor-bench.ts [quanta] [jobs]`; `npm run bench`
 * (test/bench/run.ts) calls `runExecutorBench()` for its RESULTS.md section.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Repository } from '../../registry/index.js';
import { WorkerPool, runGraph, type RunFinishedEvent, type RunStartedEvent, type BatchRegisteredEvent, type QuantumFinishedEvent } from '../../engine/index.js';
import { ARITH_TASK_MODULE } from '../engine/fixtures/arith-tasks.js';
import { NOOP_PIPELINE, buildArith, fillArithRepo } from '../engine/engine-helpers.js';

/** Slurm's cost of one trivial job on one local node, seconds (measured on the one-node test cluster: ~0.4-0.8 s). */
export const SLURM_SECONDS_PER_TRIVIAL_JOB = 0.4;

/** What the benchmark measured. */
export interface ExecutorBenchResult {
  readonly name: 'executor overhead per trivial quantum';
  readonly quanta: number;
  readonly jobs: number;
  readonly repeats: number;
  /** Median over repeats of (run wall time / quanta), milliseconds. */
  readonly msPerQuantum: number;
  /** Every repeat's ms per quantum. */
  readonly samples: readonly number[];
  /** Mean wall time of one quantum inside its worker (read, run, write), milliseconds. */
  readonly workerMsPerQuantum: number;
  /** Mean quanta per registration transaction, and ms per transaction. */
  readonly quantaPerBatch: number;
  readonly msPerBatch: number;
  /** Starting the worker threads (once per run), milliseconds. */
  readonly poolStartMs: number;
  /** Set-up before the first quantum (collections, resume scan, configs), milliseconds. */
  readonly setupMs: number;
  readonly targetMs: 5;
  readonly slurmSecondsPerJob: number;
  /** How many times cheaper a quantum is than a trivial Slurm job. */
  readonly speedupVsSlurm: number;
  /** A few lines for people. */
  readonly text: string;
}

/** Runs the benchmark (about 10 s with the defaults). */
export async function executorBench(options: { quanta?: number; jobs?: number; repeats?: number } = {}): Promise<ExecutorBenchResult> {
  const quanta = options.quanta ?? 600;
  const jobs = options.jobs ?? 2;
  const repeats = options.repeats ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'qg-bench-'));
  const repo = await Repository.create(join(dir, 'repo'));
  try {
    await fillArithRepo(repo, quanta);
    const t = performance.now();
    const pool = await WorkerPool.start({ size: jobs, root: repo.root, template: repo.datastore.template, taskModules: [ARITH_TASK_MODULE] });
    const poolStartMs = performance.now() - t;
    const samples: number[] = [];
    let workerMs = 0, attempts = 0, batches = 0, batchQuanta = 0, batchSeconds = 0, setupMs = 0;
    try {
      // one more run than reported: the first warms the workers' JIT up and is dropped
      for (let r = 0; r <= repeats; r++) {
        const graph = await buildArith(repo, NOOP_PIPELINE, `bench/run${r}`);
        let started = 0, finished = 0;
        const begin = Date.now();
        const summary = await runGraph(repo, graph, {
          pool, eventLog: false,
          observers: [{
            runStarted: (e: RunStartedEvent) => { started = e.t; },
            runFinished: (e: RunFinishedEvent) => { finished = e.t; },
            quantumFinished: (e: QuantumFinishedEvent) => { if (r > 0) { workerMs += e.end - e.start; attempts++; } },
            batchRegistered: (e: BatchRegisteredEvent) => { if (r > 0) { batches++; batchQuanta += e.quanta; batchSeconds += e.seconds; } },
          }],
        });
        if (summary.counts.succeeded !== quanta) throw new Error(`benchmark run ${r}: ${JSON.stringify(summary.counts)}`);
        if (r === 0) continue;
        setupMs += started - begin;
        samples.push((finished - started) / quanta);
      }
    } finally {
      await pool.close();
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const msPerQuantum = sorted[Math.floor(sorted.length / 2)]!;
    const result = {
      name: 'executor overhead per trivial quantum' as const, quanta, jobs, repeats, msPerQuantum, samples,
      workerMsPerQuantum: workerMs / attempts, quantaPerBatch: batchQuanta / batches, msPerBatch: (batchSeconds * 1000) / batches,
      poolStartMs, setupMs: setupMs / repeats, targetMs: 5 as const, slurmSecondsPerJob: SLURM_SECONDS_PER_TRIVIAL_JOB,
      speedupVsSlurm: (SLURM_SECONDS_PER_TRIVIAL_JOB * 1000) / msPerQuantum,
    };
    const text = [
      `executor: ${msPerQuantum.toFixed(2)} ms per trivial quantum at -j${jobs} (median of ${repeats} runs of ${quanta} quanta: ${samples.map((s) => s.toFixed(2)).join(', ')} ms; target < 5 ms)`,
      `  inside a worker ${result.workerMsPerQuantum.toFixed(2)} ms per quantum (read, run, write 3 files); registration ${result.quantaPerBatch.toFixed(1)} quanta per transaction, ${result.msPerBatch.toFixed(2)} ms each`,
      `  once per run: worker start-up ${poolStartMs.toFixed(0)} ms, set-up ${result.setupMs.toFixed(0)} ms`,
      `  Slurm on this machine: ~${SLURM_SECONDS_PER_TRIVIAL_JOB} s (0.4-0.8 s) per trivial job, ${result.speedupVsSlurm.toFixed(0)}x the executor's cost`,
    ].join('\n');
    return { ...result, text };
  } finally {
    await repo.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The section `npm run bench` (test/bench/run.ts) appends to RESULTS.md: the benchmark as Markdown. */
export async function runExecutorBench(): Promise<string> {
  const r = await executorBench();
  const f = (x: number) => x.toFixed(2);
  return [
    `Executor (issue 6): no-op quanta at -j${r.jobs} on SQLite, ${r.repeats} runs of ${r.quanta}; target < ${r.targetMs} ms per quantum; Slurm ~${r.slurmSecondsPerJob} s (0.4-0.8 s) per trivial job here.`, '',
    '| ms per quantum (median) | runs | in a worker ms | quanta per registration | ms per registration | worker start-up ms | set-up ms | vs Slurm |',
    '|---|---|---|---|---|---|---|---|',
    `| ${f(r.msPerQuantum)} | ${r.samples.map(f).join(', ')} | ${f(r.workerMsPerQuantum)} | ${r.quantaPerBatch.toFixed(1)} | ${f(r.msPerBatch)} | ${r.poolStartMs.toFixed(0)} | ${r.setupMs.toFixed(0)} | ${r.speedupVsSlurm.toFixed(0)}x cheaper |`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [quanta, jobs] = process.argv.slice(2).map(Number);
  const result = await executorBench({ ...(quanta ? { quanta } : {}), ...(jobs ? { jobs } : {}) });
  console.log(result.text);
}
