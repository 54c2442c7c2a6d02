/**
 * `qg run` and `qg report` through `main(argv)` on each dialect: a saved graph runs (exit 0)
 * and runs again as a no-op; a failing graph exits 1 and lists the failure with its log
 * path; build-and-run keeps the graph in the run folder so that it can be resumed; the
 * report prints per-task counts and writes a Gantt chart with one bar per attempt; usage
 * errors exit 2.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolder, type Repository } from '../../registry/index.js';
import { saveGraph } from '../../planner/index.js';
import { readEventLog } from '../../engine/index.js';
import { DIALECTS, makeRepo, tempDir } from '../support/test-repos.js';
import { ARITH_TASK_MODULE } from './fixtures/arith-tasks.js';
import { ARITH_PIPELINE, INPUT_RUN, buildArith, expectConsistentRun, fillArithRepo, pipelineWith } from './engine-helpers.js';
import { cliRunner } from '../support/cli-runner.js';

describe.each(DIALECTS)('qg run / qg report (%s)', (dialect) => {
  let repo: Repository;
  let root: string;
  let dispose: () => Promise<void>;
  const dir = tempDir('qg-run-cli-');
  const run = cliRunner();

  beforeAll(async () => {
    ({ repo, root, dispose } = await makeRepo(dialect));
    await fillArithRepo(repo, 4);
  });
  afterAll(async () => {
    await dispose?.();
    dir.cleanup();
  });

  it('runs a saved graph, then finds nothing left to do', async () => {
    const g = await buildArith(repo, ARITH_PIPELINE, 'u/cli/saved');
    const file = join(dir.path, 'saved.qg');
    await saveGraph(g, file);
    const first = await run('run', file, '-b', root, '-j', '2', '--tasks', ARITH_TASK_MODULE);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain(`run ${g.header.outputRun} (chain u/cli/saved): 9 succeeded, 0 failed, 0 blocked, 0 cancelled, 0 already done, of 9 quanta`);
    expect(first.stdout).toMatch(/square\s+4\s+0\s+4\s+0\s+0/);
    expect(first.stdout).toContain(`event log: ${join(root, runFolder(g.header.outputRun), '_events.jsonl')}`);
    const again = await run('run', file, '-b', root, '--tasks', ARITH_TASK_MODULE);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('0 succeeded, 0 failed, 0 blocked, 0 cancelled, 9 already done');
  });

  it('exits 1 when a quantum fails, listing it with the error and its log', async () => {
    const g = await buildArith(repo, pipelineWith(dir.path, ARITH_PIPELINE, { combine: { failOn: [1] } }, 'fail.yaml'), 'u/cli/fail');
    const file = join(dir.path, 'fail.qg');
    await saveGraph(g, file);
    const r = await run('run', file, '-b', root, '-j', '2', '--tasks', ARITH_TASK_MODULE);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('7 succeeded, 1 failed, 1 blocked');
    expect(r.stdout).toContain('failed quanta (1, 1 distinct cause):\n  1 × combine: [TASK_FAILED] injected failure for detector 1\n    data ID {instrument=Arith, detector=1} (1 attempt)\n');
    const logLine = r.stdout.split('\n').find((l) => l.trim().startsWith('log: '))!;
    expect(existsSync(logLine.trim().slice(5))).toBe(true);
    expect(r.stdout).toContain('blocked downstream: sum 1');
    expect(r.stdout).toContain(`to resume (completed quanta are skipped): qg run ${file} -b ${root}`);
    await expectConsistentRun(repo, g.header.outputRun);
  });

  it('builds and runs in one go, keeping the graph in the run folder; qg report draws the Gantt chart', async () => {
    const r = await run('run', '-b', root, '-p', ARITH_PIPELINE, '-i', INPUT_RUN, '-o', 'u/cli/built', '--where', "instrument = 'Arith'", '-j', '2', '--tasks', ARITH_TASK_MODULE);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^built 9 quanta \(square 4, combine 4, sum 1\)/);
    const runName = (await repo.registry.collections.getChain('u/cli/built').catch(async () => {
      repo.registry.collections.invalidate();
      return repo.registry.collections.getChain('u/cli/built');
    }))[0]!;
    const graphFile = join(root, runFolder(runName), '_graph.qg');
    expect(existsSync(graphFile)).toBe(true);
    const resumed = await run('run', graphFile, '-b', root, '--tasks', ARITH_TASK_MODULE);
    expect(resumed.stdout).toContain('9 already done');

    const report = await run('report', 'u/cli/built', '-b', root);
    expect(report.status, report.stderr).toBe(0);
    expect(report.stdout).toContain(`run ${runName}: 2 invocation(s)`);
    expect(report.stdout).toMatch(/combine\s+4\s+0\s+4\s+0\s+0\s+0\s+0/);
    const svgPath = join(root, runFolder(runName), '_gantt.svg');
    const svg = readFileSync(svgPath, 'utf8');
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const events = readEventLog(join(root, runFolder(runName), '_events.jsonl'));
    const attempts = events.filter((e) => e.event === 'quantum-finished').length;
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(attempts);
    expect(svg).toContain('worker 1');
    const json = await run('report', runName, '-b', root, '--format', 'json', '--svg', join(dir.path, 'g.svg'), '--invocation', 'last');
    const parsed = JSON.parse(json.stdout) as { tasks: { task: string; succeeded: number }[]; gantt: string };
    expect(parsed.tasks.map((t) => [t.task, t.succeeded])).toEqual([['square', 4], ['combine', 4], ['sum', 1]]);
    expect(existsSync(join(dir.path, 'g.svg'))).toBe(true);
  });

  it('usage errors exit 2', async () => {
    expect((await run('run', '-b', root)).status).toBe(2);
    expect((await run('run', 'x.qg', '-b', root, '-j', '0')).status).toBe(2);
    expect((await run('run', 'x.qg', '-b', root, '--timeout', '-1')).status).toBe(2);
    expect((await run('run', 'x.qg', '-b', root, '-p', ARITH_PIPELINE, '-i', INPUT_RUN)).status).toBe(2);
    const noEvents = await run('report', INPUT_RUN, '-b', root);
    expect(noEvents.status).not.toBe(0);
    expect(noEvents.stderr).toContain('has no event log');
  });
});
