/**
 * qg on a real single-node Slurm cluster (started here: test/support/slurm-cluster.ts). Few
 * and small on purpose: the demo graph submitted clustered and unclustered runs to the same
 * outputs as the local executor (each run's datasets are its graph's ids per data ID, the
 * pixels are equal); a failing quantum blocks only its downstream job, a job killed with
 * scancel mid-run fails, and `qg submit --resume` finishes the run with nothing lost or
 * registered twice.
 *
 * When Slurm cannot start, these tests fail, saying why. On a laptop without Slurm,
 * QG_TEST_SLURM=skip skips them (loudly); it is ignored where CI is set.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSubmission, runGraph, submissionStatus, type SubmissionStatus } from '../../../engine/index.js';
import { simulateRepository } from '../../../pipelines/simulate/index.js';
import { buildQuantumGraph, saveGraph, type QuantumGraph } from '../../../planner/index.js';
import type { Repository } from '../../../registry/index.js';
import { startSlurm, type SlurmCluster } from '../../support/slurm-cluster.js';
import { cliRunner } from '../../support/cli-runner.js';
import { DIALECTS, makeRepo, tempDir } from '../../support/test-repos.js';
import { ARITH_TASK_MODULE } from '../fixtures/arith-tasks.js';
import { ARITH_PIPELINE, buildArith, expectConsistentRun, expectedTotal, fillArithRepo, pipelineWith, type RegisteredDataset } from '../engine-helpers.js';

const optOut = process.env.QG_TEST_SLURM === 'skip' && !process.env.CI;
if (optOut) console.warn('\n*** QG_TEST_SLURM=skip: the Slurm end-to-end tests are NOT run on this machine ***\n');


/** The job logs of a submission (for assertion messages). */
function jobLogs(root: string, run: string): string {
  const logs = join(root, run, '_submit', 'logs');
  return existsSync(logs) ? readdirSync(logs).map((f) => `--- ${f}\n${readFileSync(join(logs, f), 'utf8').slice(-3000)}`).join('\n') : '(no logs)';
}

/** Polls the run's status until nothing is pending or running. */
async function finished(repo: Repository, run: string, seconds = 240): Promise<SubmissionStatus> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const s = await submissionStatus(repo, run);
    if (s.finished) return s;
    if (Date.now() > until) throw new Error(`run ${run} still busy after ${seconds} s: ${JSON.stringify(s.jobCounts)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(optOut || !DIALECTS.includes('postgresql'))('qg on Slurm', () => {
  const cli = cliRunner();
  let slurm: SlurmCluster;
  let repo: Repository;
  let root: string;
  let dispose: () => Promise<void>;
  const dir = tempDir('qg-slurm-e2e-');
  const savedConf = process.env.SLURM_CONF;

  beforeAll(async () => {
    slurm = await startSlurm();
    process.env.SLURM_CONF = slurm.conf;
    console.log(`Slurm test cluster: an idle node after ${slurm.startSeconds.toFixed(1)} s`);
    ({ repo, root, dispose } = await makeRepo('postgresql'));
  }, 120_000);
  afterAll(async () => {
    if (savedConf === undefined) delete process.env.SLURM_CONF;
    else process.env.SLURM_CONF = savedConf;
    await dispose?.();
    await slurm?.stop();
    dir.cleanup();
  });

  it('the demo graph, clustered and not, gives what the local executor gives', async () => {
    const summary = await simulateRepository(repo, { profile: 'tiny', visits: 1 });
    const build = async (name: string) => (await buildQuantumGraph(repo, {
      pipeline: 'drp-refcat.yaml', inputs: [summary.collections.defaults], output: `u/${name}`, where: "instrument='SimCam' AND skymap='simSkyMap'",
    })).graph;
    const local = await build('local');
    const t0 = performance.now();
    expect((await runGraph(repo, local, { jobs: 2 })).complete).toBe(true);
    const localSeconds = (performance.now() - t0) / 1000;
    const results = new Map<string, RegisteredDataset[]>([['local', await checkedOutputs(local)]]);
    // Both submissions at once (the cluster has 8 job slots): the suite waits once.
    const variants = [['clustered', ['--cluster-by', 'visit=exposure,detector']], ['unclustered', []]] as const;
    const t1 = performance.now();
    const graphs = new Map<string, QuantumGraph>();
    for (const [name, args] of variants) {
      const graph = await build(name);
      const file = join(dir.path, `${name}.qg`);
      await saveGraph(graph, file);
      const r = await cli('submit', file, '-b', root, '--partition', slurm.partition, ...args);
      expect(r.status, r.stderr).toBe(0);
      graphs.set(name, graph);
    }
    for (const [name, graph] of graphs) {
      const s = await finished(repo, graph.header.outputRun);
      expect(s.jobCounts, jobLogs(root, graph.header.outputRun)).toMatchObject({ succeeded: s.jobs.length, failed: 0, blocked: 0 });
      console.log(`demo graph (${graph.quantumCount} quanta) on Slurm ${name}: ${s.jobs.length} jobs, done ${((performance.now() - t1) / 1000).toFixed(1)} s ` +
        `after both were submitted (local executor, 2 workers: ${localSeconds.toFixed(1)} s)`);
      results.set(name, await checkedOutputs(graph));
    }
    const pixelsOf = async (d: RegisteredDataset, run: string) => Buffer.from(((await repo.get({ id: d.id, datasetType: d.datasetType, dataId: d.dataId, run })) as { image: Float32Array }).image.buffer).toString('base64');
    const key = (d: RegisteredDataset) => `${d.datasetType} ${JSON.stringify(d.dataId)}`;
    const localByKey = new Map(results.get('local')!.map((d) => [key(d), d]));
    for (const [name, datasets] of results) {
      expect(datasets.map(key).sort()).toEqual([...localByKey.keys()].sort());
      if (name === 'local') continue;
      for (const d of datasets.filter((x) => x.datasetType === 'deepCoadd' || x.datasetType === 'calexp')) {
        const l = localByKey.get(key(d))!;
        expect(await pixelsOf(d, `u/${name}`), key(d)).toBe(await pixelsOf(l, 'u/local'));
      }
    }
  }, 300_000);

  /** The run's outputs agree with its files, and each is the graph's dataset (same id) for its data ID. */
  async function checkedOutputs(graph: QuantumGraph): Promise<RegisteredDataset[]> {
    const datasets = await expectConsistentRun(repo, graph.header.outputRun);
    const ids = new Map<string, string>();
    for (let d = 0; d < graph.datasetCount; d++) ids.set(`${graph.datasetTypes[graph.typeOf(d)]!.name} ${JSON.stringify(graph.datasetDataId(d))}`, graph.datasetId(d));
    for (const d of datasets) expect(d.id).toBe(ids.get(`${d.datasetType} ${JSON.stringify(d.dataId)}`));
    return datasets;
  }

  it('a failing quantum blocks only its downstream job; a job killed with scancel fails; --resume finishes the run', async () => {
    await fillArithRepo(repo, 4);
    // square fails once for detector 1; combine takes 3 s, long enough to cancel detector 2's job in it
    const pipeline = pipelineWith(dir.path, ARITH_PIPELINE, { square: { flakyOn: [1], flakyTimes: 1, flakyDir: join(dir.path, 'flaky') }, combine: { sleepMs: 3000 } });
    const graph = await buildArith(repo, pipeline, 'u/kill');
    const run = graph.header.outputRun;
    const file = join(dir.path, 'kill.qg');
    await saveGraph(graph, file);
    const r = await cli('submit', file, '-b', root, '--cluster-by', 'detector', '--tasks', ARITH_TASK_MODULE);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/submitted 5 of 5 job\(s\) for 9 quanta in 2 sbatch call/);

    // Cancel detector 2's job while its combine quantum runs.
    const events = join(root, run, '_jobs', 'j00002.events.jsonl');
    const combine = graph.tasks.find((t) => t.label === 'combine')!.quantumOffset + 2;
    const until = Date.now() + 60_000;
    while (!(existsSync(events) && readFileSync(events, 'utf8').includes(`"event":"quantum-started","t":`) && readFileSync(events, 'utf8').includes(`"quantum":${combine},`))) {
      if (Date.now() > until) throw new Error('detector 2 never started its combine quantum');
      await new Promise((res) => setTimeout(res, 100));
    }
    const slurmId = readSubmission(repo, run).jobs[2]!.slurm!;
    const { execFileSync } = await import('node:child_process');
    execFileSync('scancel', [slurmId]);

    let s = await finished(repo, run);
    expect(s.jobs.map((j) => j.state), jobLogs(root, run)).toEqual(['succeeded', 'failed', 'failed', 'succeeded', 'blocked']);
    expect(s.jobs[1]!.exitCode).toBe(1);
    expect(s.quantumCounts).toEqual({ pending: 0, running: 0, succeeded: 5, failed: 3, blocked: 1 });
    const st = await cli('status', run, '-b', root);
    expect(st.status).toBe(1);
    expect(st.stdout).toMatch(/j00004 .* blocked .*an upstream job failed/);

    const resumed = await cli('submit', '--resume', run, '-b', root);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/submitted 3 of 5 job\(s\)/);
    s = await finished(repo, run);
    expect(s.jobCounts.succeeded).toBe(5);
    const datasets = await expectConsistentRun(repo, run);
    expect(datasets.length).toBe(3 * graph.quantumCount + graph.tasks.length);
    const total = datasets.find((d) => d.datasetType === 'total')!;
    expect(await repo.get({ ...total, run })).toMatchObject({ value: expectedTotal([0, 1, 2, 3]) });
  }, 240_000);
});
