/**
 * Cluster benchmarks (issue 14). Planning a submission: a registry-only graph of about 50k
 * quanta (`--profile tract --visits 1220`, drp.yaml) through `qg submit --dry-run`,
 * unclustered and clustered by visit=exposure,detector: planning time (clustering, scripts,
 * lists), jobs, sbatch calls per 1,000 quanta. Running: the demo graph (tiny profile, 2 visits,
 * pixels) on the single-node Slurm test cluster, clustered and not, against the local
 * executor: wall time, jobs, seconds more per job than the local run, the median job's wall
 * time and the median wait between a job's last upstream job ending and its start.
 *
 * Run alone with `npx tsx test/bench/submit-bench.ts`; `npm run bench` (test/bench/run.ts)
 * calls `runSubmitBench()` for its RESULTS.md section.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseClusterBy, readSubmission, runGraph, submissionStatus, submitGraph, type SubmitResult } from '../../engine/index.js';
import { simulateRepository } from '../../pipelines/simulate/index.js';
import { buildQuantumGraph, saveGraph } from '../../planner/index.js';
import { Repository } from '../../registry/index.js';
import { startPostgres } from '../support/postgres-server.js';
import { slurmMissing, startSlurm } from '../support/slurm-cluster.js';

const CLUSTER_BY = 'visit=exposure,detector';
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);

/** Builds drp-refcat.yaml (or drp.yaml) over the simulation into `output`, saved to `file`. */
async function buildDemo(repo: Repository, pipeline: string, output: string, file: string) {
  const { graph } = await buildQuantumGraph(repo, { pipeline, inputs: ['SimCam/defaults'], output, where: "instrument = 'SimCam' AND skymap = 'simSkyMap'" });
  await saveGraph(graph, file);
  return graph;
}

async function planningRows(pgUrl: string, work: string): Promise<string[]> {
  const repo = await Repository.create(join(work, 'plan'), { db: pgUrl, schema: 'bench_submit_plan' });
  try {
    await simulateRepository(repo, { profile: 'tract', visits: Number(process.env.QG_BENCH_SUBMIT_VISITS ?? 1220), pixels: false });
    const rows: string[] = [];
    for (const [name, by] of [['unclustered', null], ['clustered', CLUSTER_BY]] as const) {
      const file = join(work, `plan-${name}.qg`);
      const graph = await buildDemo(repo, 'drp.yaml', `u/bench/${name}`, file);
      const r: SubmitResult = await submitGraph(repo, file, { dryRun: true, ...(by ? { cluster: { by: parseClusterBy(by) } } : {}) });
      rows.push(`| dry run, ${name} | ${graph.quantumCount} | ${r.jobs} | ${r.calls} | ${(r.calls / graph.quantumCount * 1000).toFixed(1)} | ${r.seconds.toFixed(2)} | - | - | - | - |`);
      console.log(rows.at(-1));
    }
    return rows;
  } finally {
    await repo.close();
  }
}

/** Job wall times and dispatch waits from the status files the job scripts write (mtimes). */
function jobTimes(dir: string, jobs: ReturnType<typeof readSubmission>['jobs']): { wall: number[]; wait: number[] } {
  const t = (job: string, kind: string) => statSync(join(dir, 'status', `${job}.${kind}`)).mtimeMs / 1000;
  const wall = jobs.map((j) => t(j.name, 'exit') - t(j.name, 'start'));
  const wait = jobs.flatMap((j) => (j.upstream.length ? [t(j.name, 'start') - Math.max(...j.upstream.map((u) => t(jobs[u]!.name, 'exit')))] : []));
  return { wall, wait };
}

async function slurmRows(pgUrl: string, work: string): Promise<string[]> {
  const missing = slurmMissing();
  if (missing) return [`| Slurm runs | not measured: ${missing} | | | | | | | | |`];
  const slurm = await startSlurm();
  process.env.SLURM_CONF = slurm.conf;
  const repo = await Repository.create(join(work, 'demo'), { db: pgUrl, schema: 'bench_submit_demo' });
  try {
    await simulateRepository(repo, { profile: 'tiny', visits: 2 });
    const local = await buildDemo(repo, 'drp-refcat.yaml', 'u/bench/local', join(work, 'local.qg'));
    const t0 = performance.now();
    await runGraph(repo, local, { jobs: 2 });
    const localSeconds = (performance.now() - t0) / 1000;
    const rows = [`| local executor -j2 | ${local.quantumCount} | - | - | - | - | ${localSeconds.toFixed(1)} | - | - | - |`];
    for (const [name, by] of [['unclustered', null], ['clustered', CLUSTER_BY]] as const) {
      const file = join(work, `demo-${name}.qg`);
      const graph = await buildDemo(repo, 'drp-refcat.yaml', `u/bench/slurm-${name}`, file);
      const t1 = performance.now();
      const r = await submitGraph(repo, file, { partition: slurm.partition, ...(by ? { cluster: { by: parseClusterBy(by) } } : {}) });
      // Finished, and every script has written its exit status (the registry can be complete a moment before).
      const record = readSubmission(repo, r.run);
      const ended = () => record.jobs.every((j) => existsSync(join(r.dir, 'status', `${j.name}.exit`)));
      for (let s = await submissionStatus(repo, r.run); !s.finished || !ended(); s = await submissionStatus(repo, r.run)) await new Promise((res) => setTimeout(res, 250));
      const seconds = (performance.now() - t1) / 1000;
      const { wall, wait } = jobTimes(r.dir, record.jobs);
      rows.push(`| Slurm, ${name} | ${graph.quantumCount} | ${r.jobs} | ${r.calls} | ${(r.calls / graph.quantumCount * 1000).toFixed(1)} | ${r.seconds.toFixed(2)} | ${seconds.toFixed(1)} | ` +
        `${((seconds - localSeconds) / r.jobs).toFixed(2)} | ${median(wall).toFixed(2)} | ${median(wait).toFixed(2)} |`);
      console.log(rows.at(-1));
    }
    return rows;
  } finally {
    await repo.close();
    await slurm.stop();
  }
}

/** The RESULTS.md section. */
export async function runSubmitBench(): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'qg-bench-submit-'));
  const pg = await startPostgres('qg_bench_submit');
  try {
    const rows = [...(await planningRows(pg.url, work)), ...(await slurmRows(pg.url, work))];
    return [
      `Cluster (issue 14): qg submit planning (dry run, PostgreSQL) and the demo graph on the single-node Slurm test cluster (8 job slots on ${cpus().length} cores) vs the local executor; clustered = --cluster-by ${CLUSTER_BY}.`, '',
      '| what | quanta | jobs | sbatch calls | calls per 1,000 quanta | planning s | wall s | s more per job than local | median job wall s | median wait after upstream s |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...rows,
    ].join('\n');
  } finally {
    await pg.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(await runSubmitBench());
