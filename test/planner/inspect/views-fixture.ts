/**
 * The graph the view tests look at: drp.yaml over a tiny simulated repository (6 visits),
 * built on the first test dialect and saved to a .qg file.
 */
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { simulateRepository } from '../../../pipelines/simulate/index.js';
import { buildQuantumGraph, saveGraph, type QuantumGraph } from '../../../planner/index.js';
import type { Repository } from '../../../registry/index.js';
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
  /**
   * `id` with the values its exposure, visit and physical_filter imply, from the repository's
   * dimension records (not from the graph).
   */
  implied(id: Readonly<Record<string, string | number>>): Record<string, string | number>;
}

type Records = Map<string, Record<string, unknown>>;

/** The repository's records of `element` by key value (one instrument, one sky map here). */
async function recordsByKey(repo: Repository, element: string, key: string): Promise<Records> {
  return new Map((await repo.registry.dimensions.query(element, repo.registry.knex)).map((r) => [String(r[key]), r]));
}

/** `id` completed from the records: exposure or visit -> physical_filter, day_obs; physical_filter -> band. */
function completed(id: Readonly<Record<string, string | number>>, records: Record<'exposure' | 'visit' | 'physical_filter', Records>): Record<string, string | number> {
  const out = { ...id };
  for (const element of ['exposure', 'visit'] as const) {
    const r = out[element] === undefined ? undefined : records[element].get(String(out[element]));
    if (r) Object.assign(out, { physical_filter: out['physical_filter'] ?? r['physical_filter'], day_obs: out['day_obs'] ?? r['day_obs'] });
  }
  const filter = out['physical_filter'] === undefined ? undefined : records.physical_filter.get(String(out['physical_filter']));
  if (filter && out['band'] === undefined) out['band'] = filter['band'] as string;
  return out;
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
    const records = {
      exposure: await recordsByKey(made.repo, 'exposure', 'id'), visit: await recordsByKey(made.repo, 'visit', 'id'),
      physical_filter: await recordsByKey(made.repo, 'physical_filter', 'name'),
    };
    fixture.implied = (id) => completed(id, records);
    await saveGraph(fixture.g, fixture.file);
  }, 120_000);
  afterAll(async () => {
    await dispose?.();
    dir.cleanup();
  });
  return fixture;
}
