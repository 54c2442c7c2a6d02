/**
 * Running a subset of a graph's quanta (`runGraph` with `subset`, `qg run-quanta`): what each
 * cluster job does. Jobs of one run run at once and together make the same run as `qg run`;
 * a job cleans only what its own quanta left (another job's files in the same folders stay);
 * a quantum whose producer has not finished fails as INPUT_MISSING; quantum lists parse.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../engine/cli/main.js';
import { GraphJobs, formatQuantumList, jobFile, parseQuantumList, registerRunCollections, runGraph, writeConfigs } from '../../engine/index.js';
import { saveGraph, type QuantumGraph } from '../../planner/index.js';
import { runFolder, type Repository } from '../../registry/index.js';
import { DIALECTS, makeRepo, tempDir } from '../support/test-repos.js';
import { ARITH_TASK_MODULE } from './fixtures/arith-tasks.js';
import { ARITH_PIPELINE, buildArith, expectConsistentRun, expectedTotal, fillArithRepo } from './engine-helpers.js';

const DETECTORS = 6;

/** Quanta of task `label` for detectors `detectors` (the arith graph has one quantum per detector, in detector order). */
function quantaOf(graph: QuantumGraph, label: string, detectors: readonly number[] = [0]): number[] {
  const task = graph.tasks.find((t) => t.label === label)!;
  return task.quantumCount === 1 ? [task.quantumOffset] : detectors.map((d) => task.quantumOffset + d);
}

describe('quantum lists', () => {
  it('formats runs as ranges and parses them back', () => {
    expect(formatQuantumList([5, 1, 2, 3, 9, 10, 3])).toBe('1-3,5,9-10');
    expect(parseQuantumList('1-3,5,9-10')).toEqual([1, 2, 3, 5, 9, 10]);
    const dir = tempDir();
    writeFileSync(join(dir.path, 'list'), '0-2\n7\n');
    expect(parseQuantumList(`@${join(dir.path, 'list')}`)).toEqual([0, 1, 2, 7]);
    dir.cleanup();
    for (const bad of ['', '3-1', 'a', '1,,x', '0-99999999999']) expect(() => parseQuantumList(bad), bad).toThrow(expect.objectContaining({ code: 'QUANTUM_LIST' }));
  });
});

describe.each(DIALECTS)('run-quanta (%s)', (dialect) => {
  let repo: Repository;
  let root: string;
  let dispose: () => Promise<void>;
  const dir = tempDir('qg-subset-');
  const opts = { taskModules: [ARITH_TASK_MODULE], eventLog: true } as const;

  beforeAll(async () => {
    ({ repo, root, dispose } = await makeRepo(dialect));
    await fillArithRepo(repo, DETECTORS);
  });
  afterAll(async () => {
    await dispose?.();
    dir.cleanup();
  });

  /** A fresh graph into `output` with its run set up as `qg submit` sets it up. */
  async function prepared(output: string): Promise<QuantumGraph> {
    const graph = await buildArith(repo, ARITH_PIPELINE, output);
    await registerRunCollections(repo, graph);
    await writeConfigs(repo, new GraphJobs(graph, repo.datastore.template));
    return graph;
  }

  it('jobs of one run run at once and together make the whole run', async () => {
    const graph = await prepared('u/jobs');
    const half = (ds: number[]) => [...quantaOf(graph, 'square', ds), ...quantaOf(graph, 'combine', ds)];
    const [a, b] = await Promise.all([
      runGraph(repo, graph, { ...opts, subset: { name: 'a', quanta: half([0, 1, 2]) } }),
      runGraph(repo, graph, { ...opts, subset: { name: 'b', quanta: half([3, 4, 5]) } }),
    ]);
    expect([a.complete, b.complete, a.quanta, b.quanta, a.counts.succeeded]).toEqual([true, true, 6, 6, 6]);
    const c = await runGraph(repo, graph, { ...opts, subset: { name: 'c', quanta: quantaOf(graph, 'sum') } });
    expect([c.complete, c.quanta]).toEqual([true, 1]);
    const datasets = await expectConsistentRun(repo, graph.header.outputRun);
    expect(datasets.length).toBe(3 * graph.quantumCount + graph.tasks.length);
    const total = datasets.find((d) => d.datasetType === 'total')!;
    expect(await repo.get({ ...total, run: graph.header.outputRun })).toMatchObject({ value: expectedTotal([0, 1, 2, 3, 4, 5]) });
    const folder = join(root, runFolder(graph.header.outputRun));
    for (const job of ['a', 'b', 'c']) expect(existsSync(jobFile(folder, job, '.events.jsonl')), job).toBe(true);
    expect(existsSync(join(folder, '_events.jsonl'))).toBe(false);
    // Run again: nothing to do, nothing cleaned.
    const again = await runGraph(repo, graph, { ...opts, subset: { name: 'a', quanta: half([0, 1, 2]) } });
    expect([again.counts.alreadyDone, again.counts.succeeded, again.cleaned.files]).toEqual([6, 0, 0]);
  });

  it("a job cleans only its own quanta's leftovers", async () => {
    const graph = await prepared('u/clean');
    const gj = new GraphJobs(graph, repo.datastore.template);
    const [own, other] = quantaOf(graph, 'square', [0, 1]);
    const path = (q: number) => join(root, gj.predictedPath(gj.outputs(q).find((o) => o.role === 'output')!.dataset));
    const leftovers = { own: path(own!), otherFile: path(other!), otherTemp: `${path(other!)}.tmp-123` };
    for (const p of Object.values(leftovers)) {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, 'being written by another job');
    }
    const summary = await runGraph(repo, graph, { ...opts, subset: { name: 'own', quanta: [own!] } });
    expect(summary.complete).toBe(true);
    expect(summary.cleaned.files).toBe(1);
    expect(existsSync(leftovers.otherFile) && existsSync(leftovers.otherTemp)).toBe(true);
  });

  it("a quantum whose producer has not finished fails as INPUT_MISSING (its job's downstream blocked)", async () => {
    const graph = await prepared('u/early');
    const summary = await runGraph(repo, graph, { ...opts, subset: { name: 'early', quanta: [...quantaOf(graph, 'combine', [0]), ...quantaOf(graph, 'sum')] } });
    expect(summary.complete).toBe(false);
    expect(summary.failures.map((f) => f.code)).toEqual(['INPUT_MISSING']);
    expect(summary.counts.blocked).toBe(1);
  });

  it('qg run-quanta runs a list (exit 0), refuses a bad one (exit 2) and an index outside the graph', async () => {
    const graph = await prepared('u/cli');
    const file = join(dir.path, `${dialect}.qg`);
    await saveGraph(graph, file);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const args = (list: string) => ['run-quanta', file, '-b', root, '--quanta', list, '--job', 'cli', '--tasks', ARITH_TASK_MODULE, '--no-progress'];
      expect(await main(args(`0-${DETECTORS - 1}`))).toBe(0);
      expect(await main(args('1-x'))).toBe(2);
      expect(await main(args(String(graph.quantumCount)))).toBe(1);
      expect(err.mock.calls.flat().join('\n')).toMatch(/not in the graph/);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  });
});
