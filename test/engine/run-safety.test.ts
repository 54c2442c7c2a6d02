/**
 * Attacks on `qg run` that used to destroy data, each reproduced: a graph run against another
 * repository, two graphs writing into one output run, a registered dataset whose file is one
 * of qg's own (or another run's) files, and two runs whose names a replacing sanitiser merged
 * into one folder. After each, the registry and the files of every run involved agree.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolder, type Repository, type StoredFile } from '../../registry/index.js';
import { GraphJobs, runGraph, type WorkerPool } from '../../engine/index.js';
import { DIALECTS, makeRepo } from '../support/test-repos.js';
import { ARITH_PIPELINE, INPUT_RUN, buildArith, expectConsistentRun, fillArithRepo, registeredDatasets, startArithPool } from './engine-helpers.js';

const DETECTORS = 3;
const QUANTA = 2 * DETECTORS + 1;

describe.each(DIALECTS)('run safety (%s)', (dialect) => {
  let repo: Repository;
  let dispose: () => Promise<void>;
  let pool: WorkerPool;

  beforeAll(async () => {
    ({ repo, dispose } = await makeRepo(dialect));
    await fillArithRepo(repo, DETECTORS);
    pool = await startArithPool(repo);
  });
  afterAll(async () => {
    await pool?.close();
    await dispose?.();
  });

  it('refuses a graph built against another repository, naming both, before touching either', async () => {
    const other = await makeRepo(dialect);
    try {
      await fillArithRepo(other.repo, DETECTORS);
      const foreign = await buildArith(other.repo, ARITH_PIPELINE, 'u/foreign');
      expect(foreign.header.repositoryId).toBe(other.repo.registry.id);
      expect(other.repo.registry.id).not.toBe(repo.registry.id);
      await expect(runGraph(repo, foreign, { pool })).rejects.toMatchObject({
        code: 'GRAPH_FOREIGN', message: expect.stringMatching(new RegExp(`${other.repo.registry.id}.*${repo.registry.id}`)),
      });
      repo.registry.collections.invalidate();
      expect(await repo.registry.collections.has(foreign.header.outputRun)).toBe(false);
      expect(existsSync(join(repo.root, runFolder(foreign.header.outputRun)))).toBe(false);
    } finally {
      await other.dispose();
    }
  });

  it('a second graph into the same output run refuses to delete the first one\'s outputs unless told to clobber', async () => {
    const outputRun = 'u/same/run';
    const first = await buildArith(repo, ARITH_PIPELINE, 'u/same', { outputRun });
    const second = await buildArith(repo, ARITH_PIPELINE, 'u/same', { outputRun });
    expect(second.header.buildId).not.toBe(first.header.buildId);
    expect((await runGraph(repo, first, { pool })).counts.succeeded).toBe(QUANTA);
    const before = await expectConsistentRun(repo, outputRun);
    await expect(runGraph(repo, second, { pool })).rejects.toMatchObject({ code: 'RUN_OUTPUTS_CONFLICT' });
    const after = await expectConsistentRun(repo, outputRun);
    expect(after.map((d) => d.id).sort()).toEqual(before.map((d) => d.id).sort());
    // rerunning the first graph still finds everything done
    expect((await runGraph(repo, first, { pool })).counts.alreadyDone).toBe(QUANTA);
    const clobbered = await runGraph(repo, second, { pool, clobberOutputs: true });
    expect(clobbered.counts.succeeded).toBe(QUANTA);
    const ids = new Set((await expectConsistentRun(repo, outputRun)).map((d) => d.id));
    // every quantum output is now the second graph's (the config, equal in both, stays the first's)
    const gj = new GraphJobs(second, repo.datastore.template);
    for (let q = 0; q < second.quantumCount; q++) for (const o of gj.outputs(q)) expect(ids.has(second.datasetId(o.dataset))).toBe(true);
  });

  it('a stale registration naming qg\'s own file or another run\'s file loses its row, never the file', async () => {
    const g = await buildArith(repo, ARITH_PIPELINE, 'u/hostile');
    const gj = new GraphJobs(g, repo.datastore.template);
    const { registerRunCollections } = await import('../../engine/index.js');
    await registerRunCollections(repo, g);
    const raw = (await registeredDatasets(repo, INPUT_RUN)).find((d) => d.datasetType === 'numbers')!;
    const victims = [raw.path!, ...(dialect === 'sqlite' ? ['registry.sqlite3'] : [])];
    expect(existsSync(join(repo.root, victims[victims.length - 1]!))).toBe(true);
    const bytesBefore = victims.map((v) => readFileSync(join(repo.root, v)));
    // Outputs of incomplete quanta registered by hand, their file records naming the victims.
    const outputs = gj.outputs(g.tasks[1]!.quantumOffset).concat(gj.outputs(g.tasks[1]!.quantumOffset + 1)).filter((o) => o.role === 'output').slice(0, victims.length);
    await repo.registry.transaction(async (tx) => {
      const files: StoredFile[] = [];
      for (const [i, o] of outputs.entries()) {
        const ref = gj.ref(o.dataset);
        const [inserted] = await repo.registry.datasets.insert(ref.datasetType, g.header.outputRun, [ref.dataId], tx);
        files.push({ datasetId: inserted!.id, path: victims[i]!, formatter: 'json', storageClass: 'StructuredDataDict', checksum: 'x', size: 1 });
      }
      await repo.insertFileRecords(files, tx);
    });
    const summary = await runGraph(repo, g, { pool, clobberOutputs: true });
    expect(summary.counts.succeeded).toBe(QUANTA);
    expect(summary.cleaned.datasets).toBe(victims.length);
    victims.forEach((v, i) => expect(readFileSync(join(repo.root, v)).equals(bytesBefore[i]!)).toBe(true));
    await expectConsistentRun(repo, g.header.outputRun);
    await expectConsistentRun(repo, INPUT_RUN);
  });

  it('runs whose names differ only in characters a sanitiser would replace keep apart', async () => {
    const a = await buildArith(repo, ARITH_PIPELINE, 'u/col', { outputRun: 'u/col:a' });
    const b = await buildArith(repo, ARITH_PIPELINE, 'u/col', { outputRun: 'u/col-a' });
    expect(runFolder('u/col:a')).not.toBe(runFolder('u/col-a'));
    expect((await runGraph(repo, a, { pool })).counts.succeeded).toBe(QUANTA);
    expect((await runGraph(repo, b, { pool })).counts.succeeded).toBe(QUANTA);
    expect((await runGraph(repo, a, { pool })).counts.alreadyDone).toBe(QUANTA);
    for (const run of ['u/col:a', 'u/col-a']) {
      const datasets = await expectConsistentRun(repo, run);
      for (const d of datasets) if (d.path) expect(d.path.startsWith(`${runFolder(run)}/`)).toBe(true);
    }
  });
});
