/**
 * The LSST synthetic-camera fixture (../shared/fixtures/lsst-synthcam): after importing LSST's
 * own butler export, `--dimensions visit,detector,patch` must hold exactly the triples whose
 * corners (problem.json, plain numbers) overlap by brute force, and its projections must match
 * what LSST's quantum-graph builder planned (quanta.json): every isr quantum's (exposure =
 * visit, detector) and every makeWarp quantum's (patch, visit).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDataIds, type Repository } from '../../../registry/index.js';
import { importButlerExport } from '../../../registry/butler-export/butler-import.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { AMBIGUOUS, polygonGap, type Corner } from './spatial-brute-force.js';
import { LSST_FIXTURE } from '../../support/fixtures.js';

const FIXTURE = LSST_FIXTURE;

interface Problem {
  instrument: string;
  skymap: string;
  tract: { id: number };
  patches: { id: number; corners: Corner[] }[];
  visits: { id: number; exposure: number; band: string; detectors: Record<string, Corner[]> }[];
}
type Quantum = { data_id: Record<string, string | number> };

const problem = JSON.parse(readFileSync(`${FIXTURE}/problem.json`, 'utf8')) as Problem;
const quanta = JSON.parse(readFileSync(`${FIXTURE}/quanta.json`, 'utf8')) as Record<string, Quantum[]>;

/** Brute-force (visit, detector, patch) overlaps from the corners; throws on a too-close call. */
function bruteForceTriples(): Set<string> {
  const out = new Set<string>();
  for (const v of problem.visits) {
    for (const [detector, corners] of Object.entries(v.detectors)) {
      for (const p of problem.patches) {
        const gap = polygonGap(corners, p.corners);
        if (Math.abs(gap) <= AMBIGUOUS) throw new Error(`visit ${v.id} detector ${detector} patch ${p.id}: too close to call`);
        if (gap < 0) out.add(`${v.id}/${detector}/${p.id}`);
      }
    }
  }
  return out;
}

describe.each(DIALECTS)('LSST synthcam fixture (%s)', (dialect) => {
  let repo: Repository;
  let dispose: () => Promise<void>;
  let triples: Set<string>;
  const expected = bruteForceTriples();

  beforeAll(async () => {
    ({ repo, dispose } = await makeRepo(dialect));
    await importButlerExport(repo, `${FIXTURE}/export.yaml`);
    const result = await queryDataIds(repo.registry, {
      dimensions: ['visit', 'detector', 'patch'],
      where: `instrument = '${problem.instrument}' AND skymap = '${problem.skymap}'`,
    });
    const col = (name: string) => result.columns.indexOf(name);
    expect(result.columns).toEqual(expect.arrayContaining(['instrument', 'detector', 'visit', 'skymap', 'tract', 'patch']));
    triples = new Set(result.rows.map((r) => `${r[col('visit')]}/${r[col('detector')]}/${r[col('patch')]}`));
  }, 120_000);
  afterAll(() => dispose());

  it('visit,detector,patch equals the brute-force overlaps of problem.json', () => {
    expect(expected.size).toBeGreaterThan(100);
    expect([...triples].filter((t) => !expected.has(t))).toEqual([]);
    expect([...expected].filter((t) => !triples.has(t))).toEqual([]);
  });

  it('(visit, detector) pairs overlapping any patch are the isr quanta (exposure = visit)', () => {
    const exposureOf = new Map(problem.visits.map((v) => [v.id, v.exposure]));
    const pairs = new Set([...triples].map((t) => {
      const [visit, detector] = t.split('/');
      return `${exposureOf.get(Number(visit))}/${detector}`;
    }));
    const isr = new Set(quanta['isr']!.map((q) => `${q.data_id['exposure']}/${q.data_id['detector']}`));
    expect(isr.size).toBe(240);
    expect([...pairs].sort()).toEqual([...isr].sort());
  });

  it('(patch, visit) pairs are the makeWarp quanta', () => {
    const pairs = new Set([...triples].map((t) => {
      const [visit, , patch] = t.split('/');
      return `${patch}/${visit}`;
    }));
    const warps = new Set(quanta['makeWarp']!.map((q) => `${q.data_id['patch']}/${q.data_id['visit']}`));
    expect(warps.size).toBe(188);
    expect([...pairs].sort()).toEqual([...warps].sort());
  });

  it('a where-only patch constraint projects to the visit-detector pairs overlapping it', async () => {
    for (const patch of [0, 24, 48]) {
      const result = await queryDataIds(repo.registry, { dimensions: ['visit', 'detector'], where: `patch = ${patch} AND skymap = 'synthSkyMap'` });
      const got = new Set(result.rows.map((r) => `${r[result.columns.indexOf('visit')]}/${r[result.columns.indexOf('detector')]}`));
      const want = new Set([...expected].filter((t) => t.endsWith(`/${patch}`)).map((t) => t.split('/').slice(0, 2).join('/')));
      expect([...got].sort()).toEqual([...want].sort());
    }
  });
});
