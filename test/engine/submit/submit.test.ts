/**
 * `qg submit` without Slurm: a SQLite repository is refused; `--dry-run` writes the scripts,
 * submit.sh and the dependency list and changes nothing; a submission through a fake Slurm
 * whose jobs the test runs itself (the real job scripts, with Slurm's environment) makes the
 * run, `qg status` tells succeeded, failed and blocked jobs apart, `--resume` resubmits only
 * what did not finish, `qg cancel` cancels what is queued.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EngineError, arrayJobList, arraySpec, cancelSubmission, dependencyOf, resumeSubmission, runGraph, sbatchCalls, slurmRefs, submissionStatus, submitGraph, type QueuedJob, type SlurmClient,
} from '../../../engine/index.js';
import { saveGraph } from '../../../planner/index.js';
import type { Repository } from '../../../registry/index.js';
import { cliRunner } from '../../support/cli-runner.js';
import { DIALECTS, makeRepo, tempDir } from '../../support/test-repos.js';
import { ARITH_TASK_MODULE } from '../fixtures/arith-tasks.js';
import { ARITH_PIPELINE, buildArith, expectConsistentRun, expectedTotal, fillArithRepo, pipelineWith } from '../engine-helpers.js';

const DETECTORS = 4;


/** A Slurm that records what it is asked; the test plays the scheduler by running the scripts. */
class FakeSlurm implements SlurmClient {
  readonly submitted: { id: string; args: readonly string[]; script: string }[] = [];
  readonly cancelled: string[] = [];
  queue = new Map<string, QueuedJob>();
  private next = 100;
  async sbatch(args: readonly string[], script: string): Promise<string> {
    const id = String(this.next++);
    this.submitted.push({ id, args, script });
    return id;
  }
  async squeue(ids: readonly string[]): Promise<Map<string, QueuedJob>> {
    return new Map([...this.queue].filter(([id]) => ids.includes(id)));
  }
  async scancel(ids: readonly string[]): Promise<void> {
    this.cancelled.push(...ids);
  }
  /** Runs submission `s` (every element of an array at once) as Slurm would; resolves to the exit statuses. */
  async run(s: { id: string; args: readonly string[]; script: string }): Promise<number[]> {
    const spec = s.args.find((a) => a.startsWith('--array='))?.slice('--array='.length);
    const indices = spec?.split(',').flatMap((part) => {
      const [a, b = a] = part.split('-').map(Number) as [number, number?];
      return Array.from({ length: b! - a + 1 }, (_, k) => a + k);
    });
    const elements = indices ? indices.map((i) => ({ SLURM_ARRAY_TASK_ID: String(i), SLURM_JOB_ID: `${s.id}_${i}` })) : [{ SLURM_JOB_ID: s.id }];
    return Promise.all(elements.map((env) => promisify(execFile)('sh', [s.script], { env: { ...process.env, ...env } }).then(() => 0, (e: { code: number }) => e.code)));
  }
}

/** A machine without squeue on PATH. */
class SlurmWithoutSqueue extends FakeSlurm {
  override async squeue(): Promise<Map<string, QueuedJob>> {
    throw new EngineError('squeue -h: not found (is Slurm installed here, and on PATH?)', 'SLURM_MISSING');
  }
}

describe('sbatch calls', () => {
  it('groups jobs waiting for the same jobs into arrays and names whole arrays or elements', () => {
    // jobs 0-2 roots; 3 after 0,1,2 (the whole array); 4 and 5 after 1 (an array of two); 6 after 3, 4
    const upstream = [[], [], [], [0, 1, 2], [1], [1], [3, 4]];
    const calls = sbatchCalls(upstream);
    expect(calls.map((c) => [c.jobs, c.array])).toEqual([[[0, 1, 2], true], [[3], false], [[4, 5], true], [[6], false]]);
    const refs = slurmRefs(calls, upstream.length);
    const id = (c: number) => `${10 + c}`;
    expect(calls.map((c) => dependencyOf(c, calls, refs, id))).toEqual([null, 'afterok:10', 'afterok:10_1', 'afterok:11:12_0']);
    expect(sbatchCalls([[], [], []], 2).map((c) => c.jobs)).toEqual([[0, 1], [2]]);
  });

  it('puts the only job waiting for an array element into a follower array at that index (aftercorr)', () => {
    // roots 0-3; 4, 5, 6 each the only job after root 0, 2, 3; 7 after root 1 (out of order: a new call); 8 after 4 and 5
    const upstream = [[], [], [], [], [0], [2], [3], [1], [4, 5]];
    const calls = sbatchCalls(upstream);
    expect(calls.map((c) => [c.jobs, c.elements, c.follows])).toEqual([
      [[0, 1, 2, 3], [0, 1, 2, 3], undefined], [[4, 5, 6], [0, 2, 3], 0], [[7], [0], undefined], [[8], [0], undefined],
    ]);
    const refs = slurmRefs(calls, upstream.length);
    expect(refs.map((r) => r.element)).toEqual([0, 1, 2, 3, 0, 2, 3, null, null]);
    const id = (c: number) => `${10 + c}`;
    expect(calls.map((c) => dependencyOf(c, calls, refs, id))).toEqual([null, 'aftercorr:10', 'afterok:10_1', 'afterok:11_0:11_2']);
    expect(arraySpec(calls[1]!.elements)).toBe('0,2-3');
    expect(arrayJobList(calls[1]!, (j) => `j${j}`)).toBe('j4\n\nj5\nj6\n');
    // a chain of followers: every step one call, whatever the number of jobs
    const chain = [...Array.from({ length: 50 }, () => []), ...Array.from({ length: 50 }, (_, i) => [i]), ...Array.from({ length: 50 }, (_, i) => [50 + i])];
    expect(sbatchCalls(chain).map((c) => [c.jobs.length, c.follows])).toEqual([[50, undefined], [50, 0], [50, 1]]);
  });
});

describe('qg submit on SQLite', () => {
  const cli = cliRunner();
  it('is refused with a clear error (exit 2)', async () => {
    const { repo, root, dispose } = await makeRepo('sqlite');
    const dir = tempDir();
    try {
      await fillArithRepo(repo, 2);
      const file = join(dir.path, 'g.qg');
      await saveGraph(await buildArith(repo, ARITH_PIPELINE, 'u/sqlite'), file);
      const r = await cli('submit', file, '-b', root, '--dry-run');
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/SQLite.*not safe for many writers.*PostgreSQL/s);
    } finally {
      await dispose();
      dir.cleanup();
    }
  });
});

describe.runIf(DIALECTS.includes('postgresql'))('qg submit (PostgreSQL, fake Slurm)', () => {
  const cli = cliRunner();
  let repo: Repository;
  let root: string;
  let dispose: () => Promise<void>;
  const dir = tempDir('qg-submit-');
  beforeAll(async () => {
    ({ repo, root, dispose } = await makeRepo('postgresql'));
    await fillArithRepo(repo, DETECTORS);
  });
  afterAll(async () => {
    await dispose?.();
    dir.cleanup();
  });

  it('--dry-run writes the scripts, submit.sh and the dependency list, and changes nothing', async () => {
    const graph = await buildArith(repo, ARITH_PIPELINE, 'u/dry');
    const file = join(dir.path, 'dry.qg');
    await saveGraph(graph, file);
    const r = await cli('submit', file, '-b', root, '--cluster-by', 'detector', '--dry-run', '--partition', 'debug', '--tasks', ARITH_TASK_MODULE);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`would submit ${DETECTORS + 1} of ${DETECTORS + 1} job\\(s\\) for ${graph.quantumCount} quanta in 2 sbatch call`));
    const sub = join(root, graph.header.outputRun, '_submit');
    const sum = `j0000${DETECTORS}`;
    expect(readFileSync(join(sub, 'dependencies.txt'), 'utf8')).toBe(
      `${Array.from({ length: DETECTORS }, (_, d) => `j0000${d}:\n`).join('')}${sum}:${Array.from({ length: DETECTORS }, (_, d) => ` j0000${d}`).join('')}\n`);
    const submitSh = readFileSync(join(sub, 'submit.sh'), 'utf8');
    expect(submitSh).toContain(`ID_0=$(sbatch --parsable --kill-on-invalid-dep=yes --array=0-${DETECTORS - 1} ${sub}/scripts/a000.sh)`);
    expect(submitSh).toContain(`ID_1=$(sbatch --parsable --kill-on-invalid-dep=yes "--dependency=afterok:\${ID_0}" ${sub}/scripts/${sum}.sh)`);
    const script = readFileSync(join(sub, 'scripts', 'a000.sh'), 'utf8');
    expect(script).toMatch(/#SBATCH --partition=debug/);
    expect(script).toMatch(/run-quanta .*--job "\$JOB" --no-progress -j 1 --retries 0 --tasks /);
    expect(readFileSync(join(sub, 'scripts', 'a000.jobs'), 'utf8').trim().split('\n')).toEqual(Array.from({ length: DETECTORS }, (_, d) => `j0000${d}`));
    expect(readFileSync(join(sub, 'quanta', 'j00000.txt'), 'utf8').trim()).toBe(`0,${DETECTORS}`); // square and combine of detector 0
    repo.registry.collections.invalidate();
    expect(await repo.registry.collections.has(graph.header.outputRun)).toBe(false);
  });

  it("refuses a run holding another graph's outputs before submitting anything (jobs read only their own datasets)", async () => {
    const first = await buildArith(repo, ARITH_PIPELINE, 'u/taken');
    const file = join(dir.path, 'taken.qg'); // a second graph into the same run, built before the first ran
    await saveGraph(await buildArith(repo, ARITH_PIPELINE, 'u/taken2', { outputRun: first.header.outputRun }), file);
    expect((await runGraph(repo, first, { taskModules: [ARITH_TASK_MODULE] })).complete).toBe(true);
    const slurm = new FakeSlurm();
    await expect(submitGraph(repo, file, {}, slurm)).rejects.toMatchObject({ code: 'RUN_OUTPUTS_CONFLICT' });
    expect(slurm.submitted).toEqual([]);
  });

  it('jobs run the graph; status tells failed and blocked jobs; --resume resubmits only those; cancel cancels what is queued', async () => {
    const pipeline = pipelineWith(dir.path, ARITH_PIPELINE, { square: { flakyOn: [2], flakyTimes: 1, flakyDir: join(dir.path, 'flaky') } });
    const graph = await buildArith(repo, pipeline, 'u/fake');
    const file = join(dir.path, 'fake.qg');
    await saveGraph(graph, file);
    const slurm = new FakeSlurm();
    const submitted = await submitGraph(repo, file, { cluster: { by: [['detector']] }, runArgs: ['--tasks', ARITH_TASK_MODULE] }, slurm);
    expect([submitted.jobs, submitted.calls]).toEqual([DETECTORS + 1, 2]);
    expect(slurm.submitted[1]!.args).toContain('--dependency=afterok:100');
    await expect(submitGraph(repo, file, {}, slurm)).rejects.toMatchObject({ code: 'SUBMIT_EXISTS' });

    // Where squeue is not installed, status comes from the registry and the exit files alone.
    const unqueued = await submissionStatus(repo, graph.header.outputRun, new SlurmWithoutSqueue());
    expect([unqueued.queueKnown, unqueued.jobs.map((j) => j.state)]).toEqual([false, Array(DETECTORS + 1).fill('pending')]);

    // Slurm runs the array; detector 2's job fails, so the gather is cancelled (kill-on-invalid-dep): never run.
    expect(await slurm.run(slurm.submitted[0]!)).toEqual([0, 0, 1, 0]);
    let status = await submissionStatus(repo, graph.header.outputRun, slurm);
    expect(status.jobs.map((j) => j.state)).toEqual(['succeeded', 'succeeded', 'failed', 'succeeded', 'blocked']);
    expect(status.jobs[2]).toMatchObject({ exitCode: 1, slurm: '100_2', done: 0 });
    expect(status.quantumCounts).toEqual({ pending: 0, running: 0, succeeded: 2 * DETECTORS - 2, failed: 2, blocked: 1 });
    expect((await submissionStatus(repo, graph.header.outputRun, new SlurmWithoutSqueue())).jobs.map((j) => j.state)).toEqual(status.jobs.map((j) => j.state));
    const path = process.env.PATH;
    process.env.PATH = dir.path; // no squeue on it
    const r = await cli('status', graph.header.outputRun, '-b', root).finally(() => { process.env.PATH = path; });
    expect([r.status, r.stdout]).toEqual([1, expect.stringContaining('squeue is not installed here')]);
    expect(r.stdout).toMatch(/1 failed, 1 blocked/);

    slurm.queue.set('100_2', { state: 'PENDING', reason: 'Priority' });
    await expect(resumeSubmission(repo, graph.header.outputRun, {}, slurm)).rejects.toMatchObject({ code: 'SUBMIT_ACTIVE' });
    expect(await cancelSubmission(repo, graph.header.outputRun, slurm)).toBe(1);
    expect(slurm.cancelled).toEqual(['100_2']);
    slurm.queue.clear();

    const resumed = await resumeSubmission(repo, graph.header.outputRun, {}, slurm);
    expect([resumed.submitted, resumed.calls]).toEqual([2, 2]);
    expect(slurm.submitted.slice(2).map((s) => s.script.split('/').at(-1))).toEqual(['j00002.sh', `j0000${DETECTORS}.sh`]);
    expect(slurm.submitted[3]!.args).toContain('--dependency=afterok:102');
    for (const s of slurm.submitted.slice(2)) expect(await slurm.run(s)).toEqual([0]);
    status = await submissionStatus(repo, graph.header.outputRun, slurm);
    expect(status.jobCounts.succeeded).toBe(DETECTORS + 1);
    expect(status.finished).toBe(true);
    const datasets = await expectConsistentRun(repo, graph.header.outputRun);
    expect(datasets.length).toBe(3 * graph.quantumCount + graph.tasks.length);
    const total = datasets.find((d) => d.datasetType === 'total')!;
    expect(await repo.get({ ...total, run: graph.header.outputRun })).toMatchObject({ value: expectedTotal([0, 1, 2, 3]) });
    expect(existsSync(join(root, graph.header.outputRun, '_submit', 'status', 'j00002.exit'))).toBe(true);
    const report = await cli('report', graph.header.outputRun, '-b', root, '--format', 'json');
    expect(report.status, report.stderr).toBe(0);
    const json = JSON.parse(report.stdout) as { invocations: number; eventLogs: string[]; tasks: { task: string; succeeded: number; failed: number }[] };
    expect([json.invocations, json.eventLogs.length]).toEqual([DETECTORS + 2, DETECTORS + 1]); // the array's jobs, then the two resubmitted
    expect(json.tasks.find((t) => t.task === 'square')).toMatchObject({ succeeded: DETECTORS, failed: 0 }); // the resumed attempt succeeded
  });
});
