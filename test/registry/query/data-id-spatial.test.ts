/**
 * Spatial data-ID queries against brute force: random convex polygons for visits, their
 * detector regions and the patches of a tract; `--dimensions visit,detector,patch` must hold
 * exactly the triples whose polygons truly overlap (spatial-brute-force.ts, which shares no
 * code with registry/spatial), with and without key constraints that narrow the candidates;
 * `<element>.region OVERLAPS POINT/CIRCLE/BOX/POLYGON(...)` must equal the brute-force
 * matches. Pairs closer than 1e-9 to touching are too close to call and are skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DataIdQuery, EmptyQueryError, parseWhere, queryDataIds, type Repository } from '../../../registry/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { evaluate, resultIds, type Binds } from './data-id-oracle.js';
import { Rng } from '../../support/random.js';
import { boxCorners, circleGap, jitter, pointGap, polygonGap, randomPolygon, type Corner } from './spatial-brute-force.js';
import { BASES, Expectation, expectTriples, gapStatus, insertScene, randomScene, sceneContext, sceneRows, type Scene, type SceneRow, type Status } from './spatial-scene.js';

const NO_BINDS: Binds = new Map<string, number | number[]>([['k', 3], ['vs', [1, 2, 5]]]);

async function ids(repo: Repository, dimensions: string[], where = '', bind: Binds = NO_BINDS): Promise<Set<string>> {
  try {
    return resultIds(await queryDataIds(repo.registry, { dimensions, where, bind }));
  } catch (e) {
    if (e instanceof EmptyQueryError) return new Set();
    throw new Error(`${(e as Error).message}\n  dimensions: ${dimensions.join(',')}\n  where: ${where}`);
  }
}

function agree(expected: Expectation, actual: Set<string>, context: string): void {
  const diff = expected.differences(actual);
  if (diff.length) throw new Error(`${context}\n  ${diff.slice(0, 6).join('\n  ')}${diff.length > 6 ? `\n  ... ${diff.length} differences` : ''}`);
}

/** Key-only and field constraints on (visit, detector, patch), which the layer uses to narrow candidates. */
const keyConstraint: fc.Arbitrary<string> = (() => {
  const atom = fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 7 })).map(([a, b]) => `visit IN (${a}..${b})`),
    fc.integer({ min: 1, max: 6 }).map((v) => `visit = ${v}`),
    fc.integer({ min: 1, max: 6 }).map((v) => `visit != ${v}`),
    fc.integer({ min: 0, max: 3 }).map((d) => `detector = ${d}`),
    fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }).map((ds) => `detector IN (${ds.join(', ')})`),
    fc.integer({ min: 0, max: 19 }).map((p) => `patch = ${p}`),
    fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 19 }), fc.integer({ min: 1, max: 3 })).map(([a, b, s]) => `patch IN (${a}..${b}:${s})`),
    fc.integer({ min: 0, max: 19 }).map((p) => `patch < ${p}`),
    fc.constantFrom('tract = 0', "skymap = 'sky'", "instrument = 'Cam'", 'visit IN (vs)', 'patch != :k', 'visit = k'),
    fc.integer({ min: 0, max: 3 }).map((x) => `patch.cell_x = ${x}`),
    fc.constantFrom("detector.purpose = 'SCIENCE'", 'visit.exposure_time > 20', 'visit.seq_num = 1'),
    fc.integer({ min: 2, max: 20 }).map((n) => `visit + patch > ${n}`),
    fc.integer({ min: 0, max: 3 }).map((r) => `(visit * 3 + patch) % 4 = ${r}`),
  );
  const level1 = fc.oneof(
    atom,
    fc.tuple(atom, atom).map(([a, b]) => `${a} AND ${b}`),
    fc.tuple(atom, atom).map(([a, b]) => `(${a} OR ${b})`),
    atom.map((a) => `NOT (${a})`),
  );
  return fc.oneof(level1, fc.tuple(level1, level1).map(([a, b]) => `${a} AND ${b}`), fc.tuple(level1, level1).map(([a, b]) => `(${a}) OR (${b})`));
})();

type Shape = { text: string; gap: (polygon: readonly Corner[]) => number };

const num = (x: number) => String(x);

/** A random region literal near `base`, with its brute-force gap to a polygon. */
function randomShape(rng: Rng, base: Corner): Shape {
  const [ra, dec] = jitter(rng, base[0], base[1], 1.3);
  switch (rng.int(0, 3)) {
    case 0: {
      const r = 0.05 + rng.next() * 0.8;
      return { text: `CIRCLE(${num(ra)}, ${num(dec)}, ${num(r)})`, gap: (p) => circleGap(ra, dec, r, p) };
    }
    case 1:
      return { text: `POINT(${num(ra)}, ${num(dec)})`, gap: (p) => pointGap([ra, dec], p) };
    case 2: {
      const w = 0.1 + rng.next() * 1.4, h = 0.1 + rng.next() * 1.4;
      const corners = boxCorners(ra, dec, w, h);
      return { text: `${rng.pick(['BOX', 'box', 'Box'])}(${num(ra)}, ${num(dec)}, ${num(w)}, ${num(h)})`, gap: (p) => polygonGap(corners, p) };
    }
    default: {
      const corners = randomPolygon(rng, ra, dec, 0.2, 0.8);
      return { text: `POLYGON(${corners.flat().map(num).join(', ')})`, gap: (p) => polygonGap(corners, p) };
    }
  }
}

const flip = (s: Status): Status => (s === 'in' ? 'out' : s === 'out' ? 'in' : 'unknown');
const both = (a: Status, b: Status): Status => (a === 'out' || b === 'out' ? 'out' : a === 'in' && b === 'in' ? 'in' : 'unknown');

describe.each(DIALECTS)('spatial data-ID queries equal brute force (%s)', (dialect) => {
  const SCENES = BASES.map((base, i) => ({ seed: 101 + i, base }));
  let checked = 0;
  afterAll(() => console.log(`spatial (${dialect}): ${checked} queries compared with brute force`));

  describe.each(SCENES)('scene around ($base)', ({ seed, base }) => {
    let repo: Repository;
    let dispose: () => Promise<void>;
    const scene: Scene = randomScene(seed, 6, 20, base);
    const rows: SceneRow[] = sceneRows(scene);
    beforeAll(async () => {
      ({ repo, dispose } = await makeRepo(dialect));
      await insertScene(repo, scene);
    });
    afterAll(() => dispose());

    it('--dimensions visit,detector,patch holds exactly the truly overlapping triples', async () => {
      const expected = expectTriples(rows, null, NO_BINDS);
      // the scene must be interesting: some overlaps, many non-overlaps, nothing ambiguous
      expect(expected.counts.in).toBeGreaterThanOrEqual(3);
      expect(expected.counts.out).toBeGreaterThan(expected.counts.in);
      agree(expected, await ids(repo, ['visit', 'detector', 'patch']), 'no where');
      checked++;
    });

    it('with random key and field constraints (which narrow the candidate pairs)', async () => {
      await fc.assert(fc.asyncProperty(keyConstraint, async (where) => {
        checked++;
        agree(expectTriples(rows, parseWhere(where), NO_BINDS), await ids(repo, ['visit', 'detector', 'patch'], where), `where: ${where}`);
      }), { numRuns: 40, seed });
    });

    it('a dimension named only in the where is joined and projected away: visit,detector with patch = k', async () => {
      for (const patch of [0, 3, 7, 11]) {
        const expected = new Expectation();
        for (const row of rows) expected.add({ instrument: 'Cam', visit: row.visit.id, detector: row.detector.id }, row.patch.id === patch ? row.overlap : 'out');
        agree(expected, await ids(repo, ['visit', 'detector'], `patch = ${patch}`), `patch = ${patch}`);
        checked++;
      }
      const expected = new Expectation();
      for (const row of rows) expected.add({ skymap: 'sky', tract: 0, patch: row.patch.id }, row.visit.id === 2 ? row.overlap : 'out');
      agree(expected, await ids(repo, ['patch'], 'visit = 2 AND detector IN (0..3)'), 'patch with visit = 2 and detectors');
      checked++;
    });

    it('with implied values, the visit-level tables joined once per visit (a WITH each pair meets) give the same triples', async () => {
      const wheres = ['', 'visit.exposure_time > 20', "instrument = 'Cam' AND visit.exposure_time > 20 AND detector != 1", 'NOT (visit.exposure_time < 20) OR patch = 3'];
      for (const where of wheres) {
        const { columns, rows: found, sql } = await repo.registry.transaction(async (tx) => {
          const query = await DataIdQuery.prepare(repo.registry, tx, { dimensions: ['visit', 'detector', 'patch'], where, full: true });
          try {
            return { columns: query.columns, rows: await query.rows(), sql: query.sql };
          } finally {
            await query.dispose();
          }
        });
        expect(sql).toContain('MATERIALIZED'); // visit and physical_filter (for band) went into the WITH
        // every row carries its visit's implied values, as the scene has them
        const at = (row: unknown[], c: string) => row[columns.indexOf(c)];
        for (const row of found) {
          const visit = scene.visits.find((v) => v.id === at(row, 'visit'))!;
          expect([at(row, 'physical_filter'), at(row, 'band'), at(row, 'day_obs')]).toEqual([visit.physical_filter, 'g', visit.day_obs]);
        }
        const keys = ['instrument', 'visit', 'detector', 'skymap', 'tract', 'patch'];
        agree(expectTriples(rows, parseWhere(where), NO_BINDS), resultIds({ columns: keys, rows: found.map((r) => keys.map((k) => at(r, k))) }), `full, where: ${where}`);
        checked++;
      }
    });

    it('--dimensions visit,patch relates the visit regions themselves', async () => {
      const expected = new Expectation();
      for (const row of rows) expected.add({ instrument: 'Cam', visit: row.visit.id, skymap: 'sky', tract: 0, patch: row.patch.id }, row.visitOverlap);
      agree(expected, await ids(repo, ['visit', 'patch']), 'visit,patch');
      checked++;
    });

    it('<element>.region OVERLAPS POINT/CIRCLE/BOX/POLYGON equals brute force', async () => {
      const rng = new Rng(seed * 7919);
      for (let i = 0; i < 30; i++) {
        const shape = randomShape(rng, scene.base);
        const template = rng.int(0, 4);
        const target = rng.int(0, 2);
        const element = ['visit', 'visit_detector_region', 'patch'][target]!;
        const term = rng.bool(0.8) ? `${element}.region OVERLAPS ${shape.text}` : `${shape.text} OVERLAPS ${element}.region`;
        const where = [term, `NOT (${term})`, `${term} OR visit = 2`, `${term} AND detector != 1`, `(${term}) AND patch < 10`][template]!;
        const dimensions = target === 0 ? ['visit'] : target === 1 ? ['visit', 'detector'] : ['patch'];
        if (template >= 2) dimensions.push(template === 4 ? 'patch' : template === 3 ? 'detector' : 'visit');
        const expected = new Expectation();
        for (const row of rows) {
          const polygon = target === 0 ? row.visit.corners : target === 1 ? row.visit.detectors.get(row.detector.id) : row.patch.corners;
          let hit: Status = polygon ? gapStatus(shape.gap(polygon)) : 'out';
          // a (visit, detector) without a detector region overlaps nothing, but is still a data ID
          // ([visit, detector] is a product): NOT of the term holds for it
          if (template === 1) hit = flip(hit);
          if (template === 2 && row.visit.id === 2) hit = 'in';
          if (template === 3 && row.detector.id === 1) hit = 'out';
          if (template === 4 && row.patch.id >= 10) hit = 'out';
          // visit and patch together are related spatially too (by the detector region when detector is there)
          const dims = new Set(dimensions);
          const join: Status = dims.has('visit') && dims.has('patch') ? (dims.has('detector') ? row.overlap : row.visitOverlap) : 'in';
          const id: Record<string, unknown> = { instrument: 'Cam' };
          if (dims.has('detector')) id['detector'] = row.detector.id;
          if (dims.has('visit')) id['visit'] = row.visit.id;
          if (dims.has('patch')) Object.assign(id, { skymap: 'sky', tract: 0, patch: row.patch.id });
          if (!dims.has('visit') && !dims.has('detector')) delete id['instrument'];
          hit = both(join, hit);
          expected.add(id, hit);
        }
        agree(expected, await ids(repo, dimensions, where), `dimensions ${dimensions.join(',')} where: ${where}`);
        checked++;
      }
    });
  });

  it('the brute force agrees with itself on a hand-made case (two unit squares, one apart)', () => {
    const a: Corner[] = [[10, 0], [11, 0], [11, 1], [10, 1]];
    expect(polygonGap(a, [[10.5, 0.5], [12, 0.5], [12, 2], [10.5, 2]])).toBeLessThan(0);
    expect(polygonGap(a, [[12, 0], [13, 0], [13, 1], [12, 1]])).toBeGreaterThan(0.01);
    expect(pointGap([10.5, 0.5], a)).toBeLessThan(0);
    expect(circleGap(11.5, 0.5, 0.6, a)).toBeLessThan(0);
    expect(circleGap(11.5, 0.5, 0.4, a)).toBeGreaterThan(0);
    // evaluate() is only used for keys here; make sure a scene row resolves them
    const rows = sceneRows(randomScene(1, 1, 1));
    expect(evaluate(parseWhere('patch = 0 AND tract = 0 AND visit = 1')!, sceneContext(rows[0]!), NO_BINDS)).toBe(true);
  });
});
