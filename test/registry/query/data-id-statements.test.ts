/**
 * A spatial data-ID query runs a fixed number of SQL statements whatever the size of the
 * repository: the same queries on a repository and on one with ten times the visits (a
 * superset of the first) must cost exactly as many statements
 * (`registry.db.statements.total`), and still be right. Every query's spatial pre-filters are
 * non-empty in both (an empty one skips its INSERT, one statement less).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataIdQuery, queryDataIds, type DataIdQuerySpec, type Repository } from '../../../registry/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { resultIds } from './data-id-oracle.js';
import { expectTriples, insertScene, randomScene, sceneRows, type Scene } from './spatial-scene.js';

const large: Scene = randomScene(502, 50, 20, [10, 0]);
const small: Scene = { ...large, visits: large.visits.slice(0, 5) };
// a patch and a point that the small scene's detector regions do reach
const hit = sceneRows(small).find((r) => r.overlap === 'in')!;
const corners = hit.visit.detectors.get(hit.detector.id)!;
const inside = [corners.reduce((s, c) => s + c[0], 0) / corners.length, corners.reduce((s, c) => s + c[1], 0) / corners.length];

const SPECS: DataIdQuerySpec[] = [
  { dimensions: ['visit', 'detector', 'patch'] },
  { dimensions: ['visit', 'detector', 'patch'], where: `visit >= ${hit.visit.id} AND patch IN (${hit.patch.id}, 0..15) AND detector.purpose != 'GUIDER'` },
  { dimensions: ['visit', 'detector'], where: `patch = ${hit.patch.id}` },
  { dimensions: ['visit', 'patch'], where: 'visit.region OVERLAPS CIRCLE(10, 0, 1.2) AND patch.region OVERLAPS BOX(10, 0, 2, 2)' },
  { dimensions: ['visit', 'detector', 'patch'], where: `visit_detector_region.region OVERLAPS POINT(${inside[0]}, ${inside[1]}) OR visit = 1` },
];

/** Statements each spec costs, and the triples of the first. */
async function measure(repo: Repository): Promise<number[]> {
  const out: number[] = [];
  for (const spec of SPECS) {
    const before = repo.registry.db.statements.total;
    await queryDataIds(repo.registry, spec);
    out.push(repo.registry.db.statements.total - before);
  }
  // the streaming path too
  const before = repo.registry.db.statements.total;
  await repo.registry.transaction(async (tx) => {
    const query = await DataIdQuery.prepare(repo.registry, tx, SPECS[0]!);
    try {
      for await (const batch of query.stream(7)) expect(batch.length).toBeGreaterThan(0);
    } finally {
      await query.dispose();
    }
  });
  out.push(repo.registry.db.statements.total - before);
  return out;
}

describe.each(DIALECTS)('statement counts of spatial data-ID queries (%s)', (dialect) => {
  const repos: { repo: Repository; dispose: () => Promise<void> }[] = [];
  beforeAll(async () => {
    for (const scene of [small, large]) {
      const r = await makeRepo(dialect);
      await insertScene(r.repo, scene);
      repos.push(r);
    }
  });
  afterAll(async () => {
    for (const r of repos) await r.dispose();
  });

  it('ten times the visits costs exactly as many statements', async () => {
    const a = await measure(repos[0]!.repo);
    const b = await measure(repos[1]!.repo);
    expect(b).toEqual(a);
    expect(Math.max(...a)).toBeLessThan(40);
  });

  it('the larger repository still gives the brute-force triples', async () => {
    const expected = expectTriples(sceneRows(large), null, new Map());
    const actual = resultIds(await queryDataIds(repos[1]!.repo.registry, SPECS[0]!));
    expect(expected.counts.in).toBeGreaterThan(50);
    expect(expected.differences(actual)).toEqual([]);
  });
});
