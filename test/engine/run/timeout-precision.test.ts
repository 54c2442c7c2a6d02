/**
 * `--timeout S` is enforced within 0.2 s of S, for every attempt: two command quanta that
 * would sleep 7 s, run on one worker with a 1 s timeout, each fail with QUANTUM_TIMEOUT after
 * 1 to 1.2 s of running, the second one on the worker that replaced the first one's (whose
 * boot counts neither in its time nor against its timeout), and nothing of the sleeps is left.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Repository } from '../../../registry/index.js';
import { WorkerPool, runGraph } from '../../../engine/index.js';
import { tempDir } from '../../support/test-repos.js';
import { buildArith, fillArithRepo } from '../engine-helpers.js';
import { processesWith } from '../kill-helpers.js';

const SLEEP = 'sleep 7';
const SLEEPER = [
  'tasks:', '  sleeper:', '    class: SleeperTask', '    dimensions: [instrument, detector]',
  '    inputs: {number: {datasetType: numbers, dimensions: [instrument, detector], storageClass: StructuredDataDict}}',
  '    outputs: {slept: {datasetType: slept, dimensions: [instrument, detector], storageClass: StructuredDataDict}}',
  `    run: {command: "${SLEEP}; echo {} > {outputs.slept}"}`, '',
].join('\n');
const TIMEOUT_S = 1;
/** How late the timeout may end an attempt. */
const SLACK_S = 0.2;

describe('--timeout precision', () => {
  const dir = tempDir('qg-timeout-');
  let repo: Repository;
  let pool: WorkerPool;
  /** Seconds one worker takes to start (the replacement's boot is part of the run's time). */
  let bootSeconds: number;

  beforeAll(async () => {
    const root = join(dir.path, 'repo');
    mkdirSync(root);
    repo = await Repository.create(root);
    await fillArithRepo(repo, 2);
    const t0 = performance.now();
    pool = await WorkerPool.start({ size: 1, root: repo.root, template: repo.datastore.template });
    bootSeconds = (performance.now() - t0) / 1000;
  });
  afterAll(async () => {
    await pool?.close();
    await repo?.close();
    dir.cleanup();
  });

  it(`each attempt of a ${SLEEP} command ends with QUANTUM_TIMEOUT within ${SLACK_S} s of a ${TIMEOUT_S} s timeout`, async () => {
    const pipeline = join(dir.path, 'sleeper.yaml');
    writeFileSync(pipeline, SLEEPER);
    const graph = await buildArith(repo, pipeline, 'u/timeout');
    const t0 = performance.now();
    const summary = await runGraph(repo, graph, { pool, timeoutSeconds: TIMEOUT_S });
    const elapsed = (performance.now() - t0) / 1000;

    expect(summary.failures.map((f) => [f.task, f.dataId['detector'], f.code])).toEqual([['sleeper', 0, 'QUANTUM_TIMEOUT'], ['sleeper', 1, 'QUANTUM_TIMEOUT']]);
    const finished = readFileSync(summary.eventLog!, 'utf8').split('\n').filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; start: number; end: number })
      .filter((e) => e.event === 'quantum-finished');
    expect(finished).toHaveLength(2);
    for (const e of finished) {
      expect((e.end - e.start) / 1000).toBeGreaterThanOrEqual(TIMEOUT_S);
      expect((e.end - e.start) / 1000).toBeLessThan(TIMEOUT_S + SLACK_S);
    }
    // Two attempts one after the other, the replacement worker's boot between them, and
    // registering two logs: far below one sleep.
    expect(elapsed).toBeLessThan(2 * (TIMEOUT_S + SLACK_S) + bootSeconds + 0.5);
    expect(processesWith(SLEEP)).toEqual([]);
  });
});
