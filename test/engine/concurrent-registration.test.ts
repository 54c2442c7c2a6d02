/**
 * Many processes registering outputs into one run of a shared PostgreSQL registry at once, as
 * the Slurm jobs of one run do: WRITERS processes each register the run (concurrently: the
 * first ones race to create it) and the outputs of every WRITERS-th quantum in batches. Nothing
 * may be lost or registered twice, no writer may fail (lock errors, deadlocks: a transaction
 * that loses runs again), and the registry must agree with the files. Fresh runs each round,
 * so the racy start (collections, dataset types, summary rows created by whoever is first) is
 * exercised every time.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveGraph } from '../../planner/index.js';
import type { Repository } from '../../registry/index.js';
import { DIALECTS, makeRepo, tempDir } from '../support/test-repos.js';
import { ARITH_PIPELINE, buildArith, expectConsistentRun, fillArithRepo } from './engine-helpers.js';

const WRITERS = 10;
const DETECTORS = 150;
const WRITER = fileURLToPath(new URL('./fixtures/concurrent-writer.ts', import.meta.url));

interface WriterResult {
  readonly committed: number;
  readonly failed: number;
  readonly retried: number;
  readonly errors: string[];
}

describe.runIf(DIALECTS.includes('postgresql'))(`${WRITERS} concurrent writers into one PostgreSQL run`, () => {
  let repo: Repository;
  let root: string;
  let dispose: () => Promise<void>;
  const dir = tempDir('qg-concurrent-');

  beforeAll(async () => {
    ({ repo, root, dispose } = await makeRepo('postgresql'));
    await fillArithRepo(repo, DETECTORS);
  });
  afterAll(async () => {
    await dispose?.();
    dir.cleanup();
  });

  it.each([1, 16])('batches of %i quanta: nothing lost, nothing twice, no writer fails', async (batch) => {
    const graph = await buildArith(repo, ARITH_PIPELINE, `u/concurrent/b${batch}`);
    const file = join(dir.path, `b${batch}.qg`);
    await saveGraph(graph, file);
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: WRITERS }, (_, k) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', WRITER, root, file, String(k), String(WRITERS), String(batch)], { maxBuffer: 1 << 24 })
        .then(({ stdout }) => JSON.parse(stdout.trim().split('\n').at(-1)!) as WriterResult)));
    const seconds = (performance.now() - t0) / 1000;
    const retried = results.reduce((n, r) => n + r.retried, 0);
    console.log(`${WRITERS} writers, batches of ${batch}: ${graph.quantumCount} quanta in ${seconds.toFixed(1)} s, ${retried} transaction(s) retried after a deadlock or conflict`);
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    expect(results.reduce((n, r) => n + r.committed, 0)).toBe(graph.quantumCount);

    const datasets = await expectConsistentRun(repo, graph.header.outputRun); // no duplicates, every file matches its record
    const expected = new Set<string>();
    for (let d = 0; d < graph.datasetCount; d++) if (graph.datasetRuns[d] !== undefined && graph.runs[graph.datasetRuns[d]!] === graph.header.outputRun) expected.add(graph.datasetId(d));
    const configs = graph.tasks.length; // configs are written by the executor, not by these writers
    expect(datasets.length).toBe(expected.size - configs);
    for (const d of datasets) expect(expected.has(d.id), `${d.datasetType} ${d.id} is not one of the graph's`).toBe(true);
  });
});
