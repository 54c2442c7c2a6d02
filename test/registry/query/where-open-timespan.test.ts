/**
 * NULL as a bound of a timespan pair is an open end, as LSST reads it
 * (`exposure.timespan OVERLAPS (T'mjd/60310.004/tai', NULL)`: everything that ends after that
 * instant). Before, NULL was looked up as a dimension: "unknown dimension 'NULL'". Checked on
 * every dialect against plain-JS filters of the records: the LSST synthcam fixture's
 * timespans from problem.json (plain MJD numbers), and a small repository with unbounded
 * timespans (a NULL timespan is stored as unbounded, so it overlaps everything).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError, queryDataIds, type Repository } from '../../../registry/index.js';
import { importButlerExport } from '../../../registry/butler-export/butler-import.js';
import { LSST_FIXTURE } from '../../support/fixtures.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { GRID_NS, T0, UNBOUNDED, gridMjdText, insertObsRepo, type ExposureRec, type ObsRepo } from './data-id-oracle.js';

interface Visit { id: number; exposure: number; begin_mjd_tai: number; end_mjd_tai: number }
const problem = JSON.parse(readFileSync(`${LSST_FIXTURE}/problem.json`, 'utf8')) as { instrument: string; visits: Visit[] };

/** Exposure ids of the fixture whose [begin, end) MJD interval overlaps [from, to) (null: open). */
function fixtureOverlaps(from: number | null, to: number | null): number[] {
  return problem.visits.filter((v) => (to === null || v.begin_mjd_tai < to) && (from === null || v.end_mjd_tai > from))
    .map((v) => v.exposure).sort((a, b) => a - b);
}

/** Six exposures: five on the grid (exposure k spans grid steps k to k + 2), one unbounded. */
const EXPOSURES: ExposureRec[] = [1, 2, 3, 4, 5, 6].map((id) => ({
  instrument: 'Cam', id, physical_filter: 'g_01', day_obs: 20240101, exposure_time: 30, dark_time: null,
  observation_type: 'science', seq_num: id, target_name: null,
  timespan: id === 6 ? null : { begin: T0 + BigInt(id) * GRID_NS, end: T0 + BigInt(id + 2) * GRID_NS },
}));

const DATA: ObsRepo = {
  instruments: ['Cam'], bands: ['g'], physicalFilters: [{ instrument: 'Cam', name: 'g_01', band: 'g' }],
  dayObs: [{ instrument: 'Cam', id: 20240101, timespan: null }], detectors: [],
  exposures: EXPOSURES, visits: [], visitDefinitions: [],
};

/** Exposure ids of DATA whose timespan overlaps the grid steps [from, to) (null: open; a
 * reversed pair holds no instant and overlaps nothing). */
function smallOverlaps(from: number | null, to: number | null): number[] {
  if (from !== null && to !== null && from >= to) return [];
  return EXPOSURES.filter((e) => {
    const ts = e.timespan ?? UNBOUNDED;
    return (to === null || ts.begin < T0 + BigInt(to) * GRID_NS) && (from === null || ts.end > T0 + BigInt(from) * GRID_NS);
  }).map((e) => e.id);
}

/** The exposure ids a query over `exposure` returns. */
async function exposures(repo: Repository, where: string): Promise<number[]> {
  const r = await queryDataIds(repo.registry, { dimensions: ['exposure'], where });
  return r.rows.map((row) => Number(row[r.columns.indexOf('exposure')])).sort((a, b) => a - b);
}

describe.each(DIALECTS)('NULL bounds of timespan pairs (%s)', (dialect) => {
  describe('on the LSST synthcam fixture', () => {
    let repo: Repository;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ repo, dispose } = await makeRepo(dialect));
      await importButlerExport(repo, `${LSST_FIXTURE}/export.yaml`);
    }, 120_000);
    afterAll(() => dispose());

    const only = `instrument = '${problem.instrument}' AND `;
    it.each([60310.004, 60310.0001, 60310.0025, 60310.0052, 60310.01])('(T\'mjd/%s/tai\', NULL) is every exposure that ends after it', async (t) => {
      const want = fixtureOverlaps(t, null);
      expect(await exposures(repo, `${only}exposure.timespan OVERLAPS (T'mjd/${t}/tai', NULL)`)).toEqual(want);
      expect(await exposures(repo, `${only}visit.timespan OVERLAPS (T'mjd/${t}/tai', null)`)).toEqual(want);
    });

    it.each([60310.004, 60310.0001, 60310.0052])('(NULL, T\'mjd/%s/tai\') is every exposure that begins before it', async (t) => {
      expect(await exposures(repo, `${only}exposure.timespan OVERLAPS (NULL, T'mjd/${t}/tai')`)).toEqual(fixtureOverlaps(null, t));
    });

    it('(NULL, NULL) is every exposure', async () => {
      const all = fixtureOverlaps(null, null);
      expect(all.length).toBe(problem.visits.length);
      expect(await exposures(repo, `${only}exposure.timespan OVERLAPS (NULL, NULL)`)).toEqual(all);
    });

    it('the issue\'s query: 60310.004 falls in the ninth exposure, so it and the three after overlap', async () => {
      expect(await exposures(repo, `exposure.timespan OVERLAPS (T'mjd/60310.004/tai', NULL)`)).toEqual([1008, 1009, 1010, 1011]);
    });
  });

  describe('beside unbounded timespans', () => {
    let repo: Repository;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ repo, dispose } = await makeRepo(dialect));
      await insertObsRepo(repo, DATA);
    });
    afterAll(() => dispose());

    const t = (j: number) => `T'mjd/${gridMjdText(j)}/tai'`;
    it.each([
      [3, null], [null, 3], [null, null], [5, null], [null, 1], [8, null], [4, 5], [5, 4],
    ] as const)('OVERLAPS (%s, %s) in grid steps', async (from, to) => {
      const where = `exposure.timespan OVERLAPS (${from === null ? 'NULL' : t(from)}, ${to === null ? 'Null' : t(to)})`;
      expect(await exposures(repo, where)).toEqual(smallOverlaps(from, to));
    });

    it.each([
      ['exposure.timespan OVERLAPS NULL', 'NULL'],
      ['exposure.exposure_time = NULL', 'exposure.exposure_time = NULL'],
      ['exposure IN (1, NULL)', 'exposure IN (1, NULL)'],
      ['exposure.timespan OVERLAPS (NULL, 5)', '(NULL, 5)'],
      ['NULL', 'NULL'],
    ])('NULL anywhere else is a type error naming it: %s', async (where, at) => {
      try {
        await exposures(repo, where);
      } catch (e) {
        expect(e).toBeInstanceOf(RegistryError);
        expect((e as RegistryError).code).toBe('WHERE_TYPE');
        expect((e as { position?: number }).position).toBe(where.indexOf(at));
        expect((e as Error).message).toMatch(/NULL|open end/);
        return;
      }
      throw new Error(`expected '${where}' to fail`);
    });
  });
});
