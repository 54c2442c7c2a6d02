/**
 * The graph the view tests look at: drp.yaml over a tiny simulated repository (6 visits),
 * built on the first test dialect and saved to a .qg file.
 */
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { simulateRepository } from '../../../pipelines/simulate/index.js';
import { buildQuantumGraph, saveGraph, type QuantumGraph } from '../../../planner/index.js';
import { DIALECTS, makeRepo, tempDir } from '../../support/test-repos.js';

/** The `where` the graph is built with. */
export const FIXTURE_WHERE = "instrument='SimCam' AND skymap='simSkyMap'";

/** What the fixture holds once its beforeAll has run. */
export interface ViewsFixture {
  g: QuantumGraph;
  /** The repository root. */
  root: string;
  /** The saved graph. */
  file: string;
  /** A scratch folder, removed after the tests. */
  dir: string;
}

/** Builds the graph before the enclosing describe block's tests and cleans up after them. */
export function viewsFixture(): ViewsFixture {
  const fixture = {} as ViewsFixture;
  const dir = tempDir('qg-views-');
  let dispose: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const made = await makeRepo(DIALECTS[0]!);
    dispose = made.dispose;
    await simulateRepository(made.repo, { profile: 'tiny', pixels: false, visits: 6 });
    fixture.g = (await buildQuantumGraph(made.repo, { pipeline: 'drp.yaml', inputs: ['SimCam/defaults'], outputRun: 'u/views/run', where: FIXTURE_WHERE })).graph;
    fixture.root = made.root;
    fixture.dir = dir.path;
    fixture.file = join(dir.path, 'g.qg');
    await saveGraph(fixture.g, fixture.file);
  }, 120_000);
  afterAll(async () => {
    await dispose?.();
    dir.cleanup();
  });
  return fixture;
}
