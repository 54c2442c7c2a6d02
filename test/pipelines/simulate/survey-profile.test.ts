/**
 * The survey profile (about 1M quanta at full size, issue 11 item 4), scaled down: the
 * quanta the simulator expects from its own geometry (exact region overlaps, computed without
 * the registry) are what `buildQuantumGraph` plans with drp.yaml, task by task.
 */
import { describe, expect, it } from 'vitest';
import { SIMULATION_PROFILES, simulateRepository } from '../../../pipelines/simulate/index.js';
import { buildQuantumGraph } from '../../../planner/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';

describe('the survey profile', () => {
  it('is the tract camera and patches over 14x14 patches, registry only', () => {
    const survey = SIMULATION_PROFILES.survey, tract = SIMULATION_PROFILES.tract;
    expect(survey).toMatchObject({ detectors: tract.detectors, detectorWidth: tract.detectorWidth, pixelScaleArcsec: tract.pixelScaleArcsec, patchInnerPixels: tract.patchInnerPixels, patchesPerSide: 14, pixels: false });
    expect(survey.visits).toBe(21900);
  });

  it.each(DIALECTS)('scaled down to 120 visits on %s: the build plans the simulator\'s expected quanta', async (dialect) => {
    const { repo, dispose } = await makeRepo(dialect);
    try {
      const summary = await simulateRepository(repo, { profile: 'survey', visits: 120 });
      expect(summary.counts).toMatchObject({ visits: 120, detectors: 20, patches: 196, raws: 2400, files: 0 });
      const { graph } = await buildQuantumGraph(repo, {
        pipeline: 'drp.yaml', inputs: ['SimCam/defaults'], outputRun: 'u/survey/run', where: "instrument = 'SimCam' AND skymap = 'simSkyMap'",
      });
      const e = summary.expectedQuanta;
      expect(Object.fromEntries(graph.tasks.map((t) => [t.label, t.quantumCount]))).toEqual({ isr: e.isr, calibrate: e.calibrate, makeWarp: e.makeWarp, assembleCoadd: e.assembleCoadd });
      expect(graph.quantumCount).toBe(e.total);
      // The visits spread over the wider area: most detectors still land on a patch, and coadds cover many patches.
      expect(e.isr / 2400).toBeGreaterThan(0.9);
      expect(e.assembleCoadd).toBeGreaterThan(100);
    } finally {
      await dispose();
    }
  }, 120_000);
});
