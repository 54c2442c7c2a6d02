/**
 * The planner's SQL statement count does not grow with the repository: the simulator's tiny
 * profile and the same with 10x the visits (registry only) cost exactly the same statements,
 * phase by phase, for drp.yaml and drp-refcat.yaml, while the graph grows about 10x. The
 * quanta also match the simulator's own expectation (exact region overlaps).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repository } from '../../registry/index.js';
import { simulateRepository, type SimulationSummary } from '../../pipelines/simulate/index.js';
import { buildQuantumGraph, type BuildResult } from '../../planner/index.js';
import { DIALECTS, makeRepo } from '../support/test-repos.js';

const WHERE = "instrument='SimCam' AND skymap='simSkyMap'";

describe.each(DIALECTS)('statement count is independent of repository size (%s)', (dialect) => {
  const repos: { repo: Repository; dispose: () => Promise<void>; summary: SimulationSummary }[] = [];

  beforeAll(async () => {
    for (const visits of [4, 40]) {
      const { repo, dispose } = await makeRepo(dialect);
      repos.push({ repo, dispose, summary: await simulateRepository(repo, { profile: 'tiny', pixels: false, visits }) });
    }
  }, 120_000);
  afterAll(async () => {
    for (const r of repos) await r.dispose();
  });

  it.each(['drp.yaml', 'drp-refcat.yaml'])('%s: same statements (in total and per phase) for 10x the visits', async (pipeline) => {
    const results: BuildResult[] = [];
    for (const { repo, summary } of repos) {
      const r = await buildQuantumGraph(repo, { pipeline, inputs: [summary.collections.defaults], outputRun: 'u/test/run', where: WHERE });
      const e = summary.expectedQuanta;
      expect(r.graph.tasks.map((t) => [t.label, t.quantumCount])).toEqual([['isr', e.isr], ['calibrate', e.calibrate], ['makeWarp', e.makeWarp], ['assembleCoadd', e.assembleCoadd]]);
      results.push(r);
    }
    const [small, large] = results as [BuildResult, BuildResult];
    expect(large.graph.quantumCount).toBeGreaterThan(5 * small.graph.quantumCount);
    expect(large.graph.edgeCount).toBeGreaterThan(5 * small.graph.edgeCount);
    expect(large.statements).toBe(small.statements);
    const perPhase = (r: BuildResult) => Object.fromEntries(Object.entries(r.graph.header.phases).map(([k, v]) => [k, v.statements]));
    expect(perPhase(large)).toEqual(perPhase(small));
    // the phases account for the statements the build made (no statements outside a phase beyond a fixed few)
    const inPhases = Object.values(small.graph.header.phases).reduce((n, p) => n + p.statements, 0);
    expect(inPhases).toBeLessThanOrEqual(small.statements);
  });
});
