/**
 * `runGraph` on both dialects with the arithmetic task library (test/engine/fixtures): the
 * outputs match a hand computation; metadata, log and config datasets are registered; one
 * throwing quantum blocks only its downstream; retries; a timeout and heap exhaustion fail
 * only their quantum; corrupt, truncated and missing inputs fail only their quantum with a
 * message naming the dataset, its path and what is wrong; a second run resumes (and cleans
 * what a killed quantum left: unregistered files, temporary files, outputs registered
 * without metadata, and, when asked to clobber, an older graph's outputs in the way); --fail-fast; an interrupt. After
 * every run the registry and the files agree (expectConsistentRun).
 */
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repository } from '../../registry/index.js';
import type { QuantumGraph } from '../../planner/index.js';
import { GraphJobs, WorkerPool, readEventLog, runGraph, type RunOptions, type RunSummary } from '../../engine/index.js';
import { DIALECTS, makeRepo, tempDir } from '../support/test-repos.js';
import { numberOf } from './fixtures/arith-tasks.js';
import {
  ARITH_PIPELINE, INPUT_RUN, buildArith, startArithPool, expectConsistentRun, expectedCombined, expectedTotal, fillArithRepo, pipelineWith, registeredDatasets,
  type RegisteredDataset,
} from './engine-helpers.js';

const DETECTORS = 6;
const ALL = Array.from({ length: DETECTORS }, (_, d) => d);
const QUANTA = 2 * DETECTORS + 1;

/** Value of the JSON file of a registered dataset. */
function valueOf(repo: Repository, d: RegisteredDataset): unknown {
  return JSON.parse(readFileSync(join(repo.root, d.path!), 'utf8'));
}

/** Registered datasets of a type, by detector (or 'all' for per-instrument ones). */
function byDetector(datasets: readonly RegisteredDataset[], type: string): Map<number | 'all', RegisteredDataset> {
  return new Map(datasets.filter((d) => d.datasetType === type).map((d) => [d.dataId['detector'] === undefined ? 'all' : Number(d.dataId['detector']), d]));
}

describe.each(DIALECTS)('runGraph (%s)', (dialect) => {
  let repo: Repository;
  let dispose: () => Promise<void>;
  let pool: WorkerPool;
  const dir = tempDir('qg-engine-');
  let chains = 0;

  /** Builds the arithmetic pipeline with config overrides into a new output chain. */
  async function graphWith(overrides: Record<string, Record<string, unknown>> = {}, pipeline = ARITH_PIPELINE): Promise<QuantumGraph> {
    const name = `p${++chains}.yaml`;
    return buildArith(repo, pipelineWith(dir.path, pipeline, overrides, name), `u/test/c${chains}`);
  }

  const run = (g: QuantumGraph, options: RunOptions = {}): Promise<RunSummary> => runGraph(repo, g, { pool, ...options });

  beforeAll(async () => {
    ({ repo, dispose } = await makeRepo(dialect));
    await fillArithRepo(repo, DETECTORS);
    pool = await startArithPool(repo);
  });
  afterAll(async () => {
    await pool?.close();
    await dispose?.();
    dir.cleanup();
  });

  it('runs the pipeline: outputs match a hand computation; metadata, logs, configs and the chain are registered', async () => {
    const g = await graphWith();
    const summary = await run(g);
    expect(summary.counts).toEqual({ alreadyDone: 0, succeeded: QUANTA, failed: 0, blocked: 0, cancelled: 0 });
    expect(summary.complete).toBe(true);
    const datasets = await expectConsistentRun(repo, g.header.outputRun);
    const squared = byDetector(datasets, 'squared');
    const combined = byDetector(datasets, 'combined');
    for (const d of ALL) {
      expect(valueOf(repo, squared.get(d)!)).toEqual({ value: numberOf(d) ** 2 });
      expect(valueOf(repo, combined.get(d)!)).toEqual({ value: expectedCombined(d) });
    }
    expect(valueOf(repo, byDetector(datasets, 'total').get('all')!)).toEqual({ value: expectedTotal(ALL), detectors: ALL });
    // per quantum: metadata and log; per task: config
    for (const label of ['square', 'combine']) {
      expect(byDetector(datasets, `${label}_metadata`).size).toBe(DETECTORS);
      expect(byDetector(datasets, `${label}_log`).size).toBe(DETECTORS);
    }
    const meta = valueOf(repo, byDetector(datasets, 'square_metadata').get(3)!) as Record<string, { total?: number; peakMalloced?: number }>;
    expect(meta).toMatchObject({ label: 'square', taskClass: 'ArithSquareTask', dataId: { instrument: 'Arith', detector: 3 }, attempt: 1, task: { n: numberOf(3) } });
    expect(meta['seconds'].total).toBeGreaterThan(0);
    expect(meta['memory'].peakMalloced).toBeGreaterThan(0);
    expect(meta['inputs']).toMatchObject({ count: 1 });
    const log = valueOf(repo, byDetector(datasets, 'square_log').get(3)!) as { message: string; level: string }[];
    expect(log.map((r) => r.message)).toContain(`squaring ${numberOf(3)}`);
    expect((valueOf(repo, byDetector(datasets, 'sum_metadata').get('all')!) as { task: unknown }).task).toEqual({ count: DETECTORS });
    for (const label of ['square', 'combine', 'sum']) {
      const config = datasets.filter((d) => d.datasetType === `${label}_config`);
      expect(config).toHaveLength(1);
      expect(readFileSync(join(repo.root, config[0]!.path!), 'utf8')).toContain('failOn');
    }
    // graph UUIDs are the registered ids
    const ids = new Set(datasets.map((d) => d.id));
    const gj = new GraphJobs(g, repo.datastore.template);
    for (let q = 0; q < g.quantumCount; q++) for (const o of gj.outputs(q)) expect(ids.has(g.datasetId(o.dataset))).toBe(true);
    expect(await repo.registry.collections.getChain(g.header.outputChain!)).toEqual([g.header.outputRun, INPUT_RUN]);
    // the event log
    const events = readEventLog(summary.eventLog!);
    expect(events[0]).toMatchObject({ event: 'run-started', quanta: QUANTA, toRun: QUANTA, jobs: 2 });
    expect(events.filter((e) => e.event === 'quantum-started')).toHaveLength(QUANTA);
    expect(events.filter((e) => e.event === 'quantum-finished' && e.status === 'succeeded')).toHaveLength(QUANTA);
    expect(events.at(-1)).toMatchObject({ event: 'run-finished', counts: summary.counts });
    const registered = events.filter((e) => e.event === 'batch-registered').reduce((n, e) => n + (e.event === 'batch-registered' ? e.quanta : 0), 0);
    expect(registered).toBe(QUANTA);
    // consumers start only after their producers' outputs are registered
    const finishedAt = new Map<number, number>();
    for (const e of events) if (e.event === 'quantum-finished') finishedAt.set(e.quantum, e.t);
    const sum = events.find((e) => e.event === 'quantum-started' && e.task === 'sum')!;
    for (const e of events) if (e.event === 'quantum-finished' && e.task === 'combine') expect(e.t).toBeLessThanOrEqual(sum.t);
    // running again does nothing
    const again = await run(g);
    expect(again.counts).toEqual({ alreadyDone: QUANTA, succeeded: 0, failed: 0, blocked: 0, cancelled: 0 });
    expect(await registeredDatasets(repo, g.header.outputRun)).toHaveLength(datasets.length);
  });

  it('a throwing quantum fails alone: its downstream is blocked, everything else finishes, its log is registered', async () => {
    const g = await graphWith({ square: { failOn: [2] } });
    const summary = await run(g);
    expect(summary.counts).toEqual({ alreadyDone: 0, succeeded: QUANTA - 3, failed: 1, blocked: 2, cancelled: 0 });
    expect(summary.complete).toBe(false);
    expect(summary.blocked).toEqual({ combine: 1, sum: 1 });
    expect(summary.failures).toHaveLength(1);
    const f = summary.failures[0]!;
    expect(f).toMatchObject({ task: 'square', dataId: { instrument: 'Arith', detector: 2 }, code: 'TASK_FAILED', attempts: 1 });
    expect(f.message).toContain('injected failure for detector 2');
    expect(existsSync(f.log!)).toBe(true);
    expect(readFileSync(f.log!, 'utf8')).toContain('injected failure for detector 2');
    const datasets = await expectConsistentRun(repo, g.header.outputRun);
    expect(byDetector(datasets, 'square_log').has(2)).toBe(true);
    expect(byDetector(datasets, 'square_metadata').has(2)).toBe(false);
    expect(byDetector(datasets, 'squared').has(2)).toBe(false);
    expect([...byDetector(datasets, 'combined').keys()].sort()).toEqual([0, 1, 3, 4, 5]);
    for (const d of [0, 1, 3, 4, 5]) expect(valueOf(repo, byDetector(datasets, 'combined').get(d)!)).toEqual({ value: expectedCombined(d) });
    expect(byDetector(datasets, 'total').size).toBe(0);
    const events = readEventLog(summary.eventLog!);
    expect(events.find((e) => e.event === 'quanta-blocked')).toMatchObject({ tasks: { combine: [expect.any(Number)], sum: [expect.any(Number)] } });
  });

  it('--retries re-runs a failed quantum; without enough retries it fails', async () => {
    const flaky = join(dir.path, `flaky-${randomUUID()}`);
    const g = await graphWith({ square: { flakyOn: [1], flakyTimes: 2, flakyDir: flaky } });
    const summary = await run(g, { retries: 2 });
    expect(summary.counts.succeeded).toBe(QUANTA);
    const events = readEventLog(summary.eventLog!);
    expect(events.filter((e) => e.event === 'quantum-finished' && e.status === 'retrying')).toHaveLength(2);
    const datasets = await expectConsistentRun(repo, g.header.outputRun);
    expect((valueOf(repo, byDetector(datasets, 'square_metadata').get(1)!) as { attempt: number }).attempt).toBe(3);

    const flaky2 = join(dir.path, `flaky-${randomUUID()}`);
    const g2 = await graphWith({ square: { flakyOn: [1], flakyTimes: 2, flakyDir: flaky2 } });
    const failed = await run(g2, { retries: 1 });
    expect(failed.failures).toMatchObject([{ task: 'square', code: 'TASK_FAILED', attempts: 2 }]);
    const log = readFileSync(failed.failures[0]!.log!, 'utf8');
    expect(log).toContain('flaky failure 1');
    expect(log).toContain('flaky failure 2'); // every attempt's log
    await expectConsistentRun(repo, g2.header.outputRun);
  });

  it('--timeout terminates a hanging quantum only; the pool keeps working', async () => {
    const g = await graphWith({ square: { hangOn: [3] } });
    const summary = await run(g, { timeoutSeconds: 1 });
    expect(summary.failures).toMatchObject([{ task: 'square', dataId: { detector: 3 }, code: 'QUANTUM_TIMEOUT' }]);
    expect(summary.failures[0]!.message).toMatch(/timeout of 1 s/);
    expect(summary.counts).toMatchObject({ succeeded: QUANTA - 3, failed: 1, blocked: 2 });
    await expectConsistentRun(repo, g.header.outputRun);
    const next = await run(await graphWith());
    expect(next.counts.succeeded).toBe(QUANTA);
  });

  it('a task that exhausts its heap fails only its quantum', async () => {
    const small = await startArithPool(repo, { memoryMb: 96 });
    try {
      const g = await graphWith({ square: { oomOn: [1] } });
      const summary = await run(g, { pool: small });
      expect(summary.failures).toMatchObject([{ task: 'square', dataId: { detector: 1 }, code: 'QUANTUM_MEMORY' }]);
      expect(summary.failures[0]!.message).toMatch(/memory.*96 MB/);
      expect(summary.counts).toMatchObject({ succeeded: QUANTA - 3, failed: 1, blocked: 2 });
      await expectConsistentRun(repo, g.header.outputRun);
    } finally {
      await small.close();
    }
  });

  it('a corrupt, truncated or missing input fails only its quantum, naming the dataset, its path and the problem', async () => {
    const other = await makeRepo(dialect);
    const otherPool = await startArithPool(other.repo);
    try {
      await fillArithRepo(other.repo, DETECTORS);
      const inputs = byDetector(await registeredDatasets(other.repo, INPUT_RUN), 'numbers');
      const path = (d: number) => join(other.root, inputs.get(d)!.path!);
      const original = readFileSync(path(1), 'utf8');
      writeFileSync(path(1), original.replace(/1/, '7')); // same size, other bytes
      writeFileSync(path(2), readFileSync(path(2)).subarray(0, 5)); // truncated
      rmSync(path(3)); // missing
      const g = await buildArith(other.repo, ARITH_PIPELINE, 'u/corrupt');
      const summary = await runGraph(other.repo, g, { pool: otherPool });
      const byDet = new Map(summary.failures.map((f) => [Number(f.dataId['detector']), f]));
      expect([...byDet.keys()].sort()).toEqual([1, 2, 3]);
      for (const [d, f] of byDet) {
        expect(f.task).toBe('square');
        expect(f.message).toContain('numbers');
        expect(f.message).toContain(`"detector":${d}`);
        expect(f.message).toContain(path(d));
      }
      expect(byDet.get(1)).toMatchObject({ code: 'INPUT_CORRUPT', attempts: 1 });
      expect(byDet.get(1)!.message).toMatch(/checksum/);
      expect(byDet.get(2)).toMatchObject({ code: 'INPUT_CORRUPT' });
      expect(byDet.get(2)!.message).toMatch(/5 bytes, expected \d+ \(truncated/);
      expect(byDet.get(3)).toMatchObject({ code: 'INPUT_MISSING' });
      expect(byDet.get(3)!.message).toMatch(/missing/);
      expect(summary.counts).toMatchObject({ succeeded: 6, failed: 3, blocked: 4 });
      // unparsable content (checksums not verified): the formatter's error, with the same naming
      writeFileSync(path(4), '{"value": ');
      const g2 = await buildArith(other.repo, ARITH_PIPELINE, 'u/corrupt2');
      const s2 = await runGraph(other.repo, g2, { pool: otherPool, verifyChecksums: false });
      const f4 = s2.failures.find((f) => f.dataId['detector'] === 4)!;
      expect(f4.code).toBe('INPUT_CORRUPT');
      expect(f4.message).toContain(path(4));
      expect(f4.message).toMatch(/numbers .*"detector":4.*(truncated|expected)/);
      await expectConsistentRun(other.repo, g.header.outputRun);
      await expectConsistentRun(other.repo, g2.header.outputRun);
    } finally {
      await otherPool.close();
      await other.dispose();
    }
  });

  it('running the same graph again resumes after a failure: only what did not finish runs, nothing is registered twice', async () => {
    const flaky = join(dir.path, `flaky-${randomUUID()}`);
    const g = await graphWith({ square: { flakyOn: [2], flakyTimes: 1, flakyDir: flaky } });
    const first = await run(g);
    expect(first.counts).toMatchObject({ succeeded: QUANTA - 3, failed: 1, blocked: 2 });
    await expectConsistentRun(repo, g.header.outputRun);
    const second = await run(g);
    expect(second.counts).toEqual({ alreadyDone: QUANTA - 3, succeeded: 3, failed: 0, blocked: 0, cancelled: 0 });
    expect(second.cleaned.datasets).toBe(1); // the failed quantum's log
    const datasets = await expectConsistentRun(repo, g.header.outputRun);
    expect(valueOf(repo, byDetector(datasets, 'total').get('all')!)).toEqual({ value: expectedTotal(ALL), detectors: ALL });
    expect(datasets.filter((d) => d.datasetType === 'square_log')).toHaveLength(DETECTORS);
    const events = readEventLog(second.eventLog!);
    expect(events.filter((e) => e.event === 'run-started')).toHaveLength(2);
    const started = events.filter((e) => e.event === 'quantum-started' && events.indexOf(e) > events.findLastIndex((x) => x.event === 'run-started'));
    expect(started.map((e) => (e as { task: string }).task).sort()).toEqual(['combine', 'square', 'sum']);
  });

  it('cleans what a killed quantum left: unregistered and temporary files, outputs without metadata, an older graph\'s outputs', async () => {
    const g = await graphWith();
    const gj = new GraphJobs(g, repo.datastore.template);
    const run0 = g.header.outputRun;
    const quantumOf = (label: string, detector: number) => {
      const t = g.tasks.find((x) => x.label === label)!;
      for (let q = t.quantumOffset; q < t.quantumOffset + t.quantumCount; q++) if (g.quantumDataId(q)['detector'] === detector) return q;
      throw new Error('no such quantum');
    };
    const output = (label: string, detector: number, role: 'output' | 'metadata' | 'log') => gj.outputs(quantumOf(label, detector)).find((o) => o.role === role)!.dataset;
    // register the run as the engine would, then fake the leftovers
    const { registerRunCollections } = await import('../../engine/index.js');
    await registerRunCollections(repo, g);
    // (a) square d0 wrote its output file but was killed before registering
    const a = gj.ref(output('square', 0, 'output'));
    repo.datastore.write(a, 'StructuredDataDict', { value: -1 });
    // (b) a temporary file of an interrupted atomic write
    writeFileSync(join(repo.root, `${gj.predictedPath(output('square', 1, 'output'))}.tmp-${randomUUID()}`), 'partial');
    // (c) square d4: output and log registered, metadata not
    const c = [output('square', 4, 'output'), output('square', 4, 'log')].map((d) => gj.ref(d));
    await repo.putMany([{ value: { value: -4 }, dataId: c[0]!.dataId, id: c[0]!.id }], 'squared', run0);
    await repo.putMany([{ value: [], dataId: c[1]!.dataId, id: c[1]!.id }], 'square_log', run0);
    // (d) combine d5's output from an older graph (another UUID) in the way
    await repo.putMany([{ value: { value: -5 }, dataId: { instrument: 'Arith', detector: 5 } }], 'combined', run0);
    // another graph's output is never cleaned away silently: nothing is touched ...
    await expect(run(g)).rejects.toMatchObject({ code: 'RUN_OUTPUTS_CONFLICT', message: expect.stringContaining('combined {instrument: Arith, detector: 5}') });
    expect(await registeredDatasets(repo, run0)).toHaveLength(3);
    expect(existsSync(join(repo.root, gj.predictedPath(output('square', 0, 'output'))))).toBe(true);
    // ... unless clobbering is asked for
    const summary = await run(g, { clobberOutputs: true });
    expect(summary.counts).toMatchObject({ alreadyDone: 0, succeeded: QUANTA, failed: 0 });
    expect(summary.cleaned.datasets).toBe(3);
    expect(summary.cleaned.files).toBeGreaterThanOrEqual(5);
    const datasets = await expectConsistentRun(repo, run0);
    expect(valueOf(repo, byDetector(datasets, 'squared').get(0)!)).toEqual({ value: numberOf(0) ** 2 });
    expect(valueOf(repo, byDetector(datasets, 'squared').get(4)!)).toEqual({ value: numberOf(4) ** 2 });
    expect(valueOf(repo, byDetector(datasets, 'combined').get(5)!)).toEqual({ value: expectedCombined(5) });
    expect(byDetector(datasets, 'combined').get(5)!.id).toBe(g.datasetId(output('combine', 5, 'output')));
  });

  it('--fail-fast starts nothing after the first failure', async () => {
    const g = await graphWith({ square: { failOn: [0], sleepMs: 150 } });
    const summary = await run(g, { failFast: true });
    expect(summary.stoppedEarly).toBe(true);
    expect(summary.failures).toHaveLength(1);
    const c = summary.counts;
    expect(c.cancelled).toBeGreaterThan(0);
    expect(c.succeeded + c.failed + c.blocked + c.cancelled).toBe(QUANTA);
    await expectConsistentRun(repo, g.header.outputRun);
  });

  it('refuses, before touching the registry, a graph whose task classes the workers do not know', async () => {
    const bare = await WorkerPool.start({ size: 1, root: repo.root, template: repo.datastore.template });
    try {
      const g = await graphWith();
      await expect(run(g, { pool: bare })).rejects.toMatchObject({ code: 'TASK_UNKNOWN', message: expect.stringContaining("class 'ArithSquareTask' is not in the task library") });
      repo.registry.collections.invalidate();
      expect(await repo.registry.collections.has(g.header.outputRun)).toBe(false);
      expect((await run(g)).complete).toBe(true); // the lock was released
    } finally {
      await bare.close();
    }
  });

  it('an interrupt stops the workers, registers what finished, and a rerun completes the graph', async () => {
    const g = await graphWith({ square: { sleepMs: 400 }, combine: { sleepMs: 400 } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1000);
    const summary = await run(g, { signal: controller.signal });
    expect(summary.interrupted).toBe(true);
    expect(summary.counts.succeeded).toBeGreaterThan(0);
    expect(summary.counts.succeeded).toBeLessThan(QUANTA);
    expect(summary.failures).toEqual([]);
    await expectConsistentRun(repo, g.header.outputRun);
    const rest = await run(g);
    expect(rest.counts.alreadyDone + rest.counts.succeeded).toBe(QUANTA);
    const datasets = await expectConsistentRun(repo, g.header.outputRun);
    expect(valueOf(repo, byDetector(datasets, 'total').get('all')!)).toEqual({ value: expectedTotal(ALL), detectors: ALL });
  });
});
