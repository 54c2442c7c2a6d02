/**
 * Dimension records on each dialect: insert/query round trips of every field type (int,
 * float, string, bool, binary, null), timespans exact to the nanosecond, htm7 overlap rows
 * equal to the envelope of each region (and holding every vertex's trixel, computed by an
 * independent HTM indexer), duplicate keys refused, and bad records named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConvexPolygon, HtmPixelization, TIME_MAX, TIME_MIN, type DimensionRecord, type Registry } from '../../../registry/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { hexOf, htmIndex, isoTaiToNs, rejection, unitFromRaDec } from '../registry-test-helpers.js';
import { Rng } from '../../support/random.js';

const HTM7 = new HtmPixelization(7);

/** A convex n-gon of angular radius `r` degrees around (ra, dec), vertices counter-clockwise. */
function polygonAround(ra: number, dec: number, r: number, n: number, phase = 0): ConvexPolygon {
  const c = unitFromRaDec(ra, dec);
  const a = (ra * Math.PI) / 180, d = (dec * Math.PI) / 180;
  const east = [-Math.sin(a), Math.cos(a), 0];
  const north = [-Math.sin(d) * Math.cos(a), -Math.sin(d) * Math.sin(a), Math.cos(d)];
  const t = Math.tan((r * Math.PI) / 180);
  const vertices = Array.from({ length: n }, (_, i) => {
    const th = phase + (2 * Math.PI * i) / n;
    const v = [0, 1, 2].map((k) => c[k]! + t * (Math.cos(th) * east[k]! + Math.sin(th) * north[k]!));
    const l = Math.hypot(v[0]!, v[1]!, v[2]!);
    return [v[0]! / l, v[1]! / l, v[2]! / l] as const;
  });
  return new ConvexPolygon(vertices);
}

describe('the independent HTM indexer used as an oracle', () => {
  it('puts (1,1,1) in trixel 63 at level 1 and agrees with the library on random points', () => {
    const s = 1 / Math.sqrt(3);
    expect(htmIndex([s, s, s], 1)).toBe(63);
    const rng = new Rng(99);
    for (let i = 0; i < 500; i++) {
      const v = unitFromRaDec(rng.next() * 360, Math.asin(2 * rng.next() - 1) * 180 / Math.PI);
      const id = htmIndex(v, 7);
      expect(id).toBeGreaterThanOrEqual(8 * 4 ** 7);
      expect(id).toBeLessThan(16 * 4 ** 7);
      expect(id).toBe(HTM7.index(v));
    }
  });
});

describe.each(DIALECTS)('%s: dimension records', (dialect) => {
  let ctx: Awaited<ReturnType<typeof makeRepo>>;
  let reg: Registry;
  beforeAll(async () => {
    ctx = await makeRepo(dialect);
    reg = ctx.repo.registry;
  });
  afterAll(async () => ctx.dispose());

  /** Overlap rows of a spatial element, as key JSON -> sorted trixel ids. */
  const overlapRows = async (element: string, keyColumns: string[]) => {
    const rows = await reg.db.arrays(reg.knex, reg.knex(`${element}_htm7_overlap`).select([...keyColumns, 'htm7']));
    const out = new Map<string, number[]>();
    for (const r of rows) {
      const k = JSON.stringify(r.slice(0, keyColumns.length).map((v) => (typeof v === 'string' ? v : Number(v))));
      out.set(k, [...(out.get(k) ?? []), Number(r[keyColumns.length])]);
    }
    for (const ids of out.values()) ids.sort((a, b) => a - b);
    return out;
  };
  const checkOverlaps = (region: ConvexPolygon, ids: number[] | undefined) => {
    const envelope = [...HTM7.envelopeIds(region)].sort((a, b) => a - b);
    expect(ids).toEqual(envelope);
    for (const v of region.vertices) expect(ids).toContain(htmIndex(v, 7));
    for (const id of ids!) {
      expect(id).toBeGreaterThanOrEqual(8 * 4 ** 7);
      expect(id).toBeLessThan(16 * 4 ** 7);
    }
  };

  describe('round trips of every field type', () => {
    it('int (up to 2^53-1), string (quotes, unicode), null', async () => {
      const records = [
        { name: 'CamA', visit_max: 2 ** 53 - 1, visit_system: 0, exposure_max: -5, detector_max: null, class_name: 'it\'s a "cam" ☃ \\ end' },
        { name: 'CamB', visit_max: null, visit_system: null, exposure_max: null, detector_max: 189, class_name: null },
      ];
      expect(await reg.dimensions.insert('instrument', records, reg.knex)).toBe(2);
      expect(await reg.dimensions.query('instrument', reg.knex)).toEqual(records);
    });

    it('binary (all byte values, empty, null)', async () => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await reg.dimensions.insert('skymap', [
        { name: 'sm_all', hash: all, tract_max: 1, patch_nx_max: 7, patch_ny_max: 7 },
        { name: 'sm_null', hash: null, tract_max: null, patch_nx_max: null, patch_ny_max: null },
      ], reg.knex);
      const got = await reg.dimensions.query('skymap', reg.knex);
      expect(got.map((r) => r['name'])).toEqual(['sm_all', 'sm_null']);
      expect(got[0]!['hash']).toBeInstanceOf(Uint8Array);
      expect(hexOf(got[0]!['hash'] as Uint8Array)).toBe(hexOf(all));
      expect(got[1]!['hash']).toBeNull();
      expect(got[0]!['tract_max']).toBe(1);
    });

    it('float (exact doubles), bool (true/false/null), implied dimensions and ns-exact timespans', async () => {
      const ts1 = { begin: isoTaiToNs('2024-01-01 00:00:00.123456789'), end: isoTaiToNs('2024-01-01 00:00:30.987654321') };
      const ts2 = { begin: TIME_MIN, end: isoTaiToNs('2024-01-02 00:00:00.000000001') };
      const base = {
        instrument: 'CamA', physical_filter: 'CamA-g', day_obs: 20240101, obs_id: 'o', dark_time: 1e-300, observation_type: 'science',
        observation_reason: null, seq_num: 0, seq_start: null, seq_end: null, group_name: null, group_id: null, target_name: null,
        science_program: null, tracking_ra: 359.99999999999994, tracking_dec: -89.5, sky_angle: Math.PI, azimuth: null, zenith_angle: 1 / 3,
      };
      const records: DimensionRecord[] = [
        { ...base, id: 1, exposure_time: 0.1 + 0.2, has_simulated: true, timespan: ts1 },
        { ...base, id: 2, exposure_time: 2.5e-8, has_simulated: false, timespan: ts2 },
        { ...base, id: 3, exposure_time: -0.5, has_simulated: null, timespan: null, physical_filter: null, day_obs: null },
      ];
      await reg.dimensions.insert('exposure', records, reg.knex);
      const got = await reg.dimensions.query('exposure', reg.knex);
      expect(got).toEqual(records);
      expect(got[0]!.timespan!.begin).toBe(1704067200123456789n);
      expect(got[0]!.timespan!.end).toBe(1704067230987654321n);
      expect(got[0]!['exposure_time']).toBe(0.30000000000000004);
      expect(got[1]!['has_simulated']).toBe(false);
      expect(got[1]!.timespan).toEqual({ begin: TIME_MIN, end: 1704153600000000001n });
      // filters and limits
      expect((await reg.dimensions.query('exposure', reg.knex, { has_simulated: true })).map((r) => r['id'])).toEqual([1]);
      expect((await reg.dimensions.query('exposure', reg.knex, { physical_filter: 'CamA-g' })).map((r) => r['id'])).toEqual([1, 2]);
      expect((await reg.dimensions.query('exposure', reg.knex, {}, 2)).map((r) => r['id'])).toEqual([1, 2]);
      const e = await rejection(reg.dimensions.query('exposure', reg.knex, { colour: 'red' }));
      expect(e.message).toContain("no column 'colour'");
    });

    it('an unbounded-on-both-ends timespan reads back as null, one end unbounded stays', async () => {
      await reg.dimensions.insert('day_obs', [
        { instrument: 'CamA', id: 20240101, timespan: { begin: TIME_MIN, end: TIME_MAX } },
        { instrument: 'CamA', id: 20240102, timespan: { begin: isoTaiToNs('2024-01-02 12:00:00'), end: TIME_MAX } },
      ], reg.knex);
      const got = await reg.dimensions.query('day_obs', reg.knex);
      expect(got.map((r) => r.timespan)).toEqual([null, { begin: isoTaiToNs('2024-01-02 12:00:00'), end: TIME_MAX }]);
    });
  });

  describe('bad records are refused, naming the element, record and field', () => {
    it.each([
      ['detector', [{ instrument: 'CamA', id: 1 }, { instrument: 'CamA' }], /detector record #2 lacks 'id'/],
      ['detector', [{ id: 1 }], /detector record #1 lacks 'instrument'/],
      ['instrument', [{ name: 'X', visit_max: 1.5 }], /instrument record #1 field 'visit_max' must be an integer/],
      ['exposure', [{ instrument: 'CamA', id: 9, has_simulated: 1 }], /exposure record #1 field 'has_simulated' must be true or false/],
      ['exposure', [{ instrument: 'CamA', id: 9, exposure_time: '30' }], /exposure record #1 field 'exposure_time' must be a number/],
      ['skymap', [{ name: 'x', hash: 'abc' }], /skymap record #1 field 'hash' must be binary data/],
      ['patch', [{ skymap: 's', tract: 0, id: 1, region: { encoded: '70' } }], /patch record #1: region must be a ConvexPolygon/],
      ['detector', [{ instrument: 'CamA', id: 'seven' }], /'detector' must be an integer/],
      ['exposure', [{ instrument: 'CamA', id: 9, day_obs: 'not-a-day' }], /exposure record #1 implied: 'day_obs' must be an integer/],
      ['htm7', [{ id: 1 }], /skypix/],
      ['detecter', [{ id: 1 }], /did you mean 'detector'/],
    ] as [string, DimensionRecord[], RegExp][])('%s %j', async (element, records, message) => {
      const before = await reg.dimensions.counts(reg.knex);
      const e = await rejection(reg.dimensions.insert(element, records, reg.knex));
      expect(e.message).toMatch(message);
      expect(await reg.dimensions.counts(reg.knex)).toEqual(before);
    });
  });

  it('implied values are coerced like keys (a numeric physical_filter is stored as its text)', async () => {
    await reg.dimensions.insert('exposure', [{ instrument: 'CamI', id: 1, physical_filter: 7, day_obs: '20240101' }], reg.knex);
    const [rec] = await reg.dimensions.query('exposure', reg.knex, { instrument: 'CamI' });
    expect([rec!['physical_filter'], rec!['day_obs']]).toEqual(['7', 20240101]);
  });

  describe('duplicate keys', () => {
    it('are refused across calls and within one call, naming the element and its key', async () => {
      await reg.dimensions.insert('detector', [{ instrument: 'CamD', id: 1, full_name: 'first' }], reg.knex);
      const across = await rejection(reg.transaction((tx) => reg.dimensions.insert('detector', [{ instrument: 'CamD', id: 2 }, { instrument: 'CamD', id: 1, full_name: 'second' }], tx)));
      expect(across.code).toBe('DIMENSION_RECORD');
      expect(across.message).toMatch(/^detector: a record with the same key \(instrument, id\) already exists or appears twice/);
      const within = await rejection(reg.transaction((tx) => reg.dimensions.insert('detector', [{ instrument: 'CamD', id: 5 }, { instrument: 'CamD', id: 5 }], tx)));
      expect(within.code).toBe('DIMENSION_RECORD');
      expect((await reg.dimensions.query('detector', reg.knex, { instrument: 'CamD' })).map((r) => [r['id'], r['full_name']])).toEqual([[1, 'first']]);
    });

    it('skipExisting leaves existing records alone and counts only the new ones', async () => {
      const n = await reg.dimensions.insert('detector', [{ instrument: 'CamD', id: 1, full_name: 'third' }, { instrument: 'CamD', id: 3 }], reg.knex, { skipExisting: true });
      expect(n).toBe(1);
      expect((await reg.dimensions.query('detector', reg.knex, { instrument: 'CamD' })).map((r) => [r['id'], r['full_name']])).toEqual([[1, 'first'], [3, null]]);
    });
  });

  describe('htm7 overlap rows', () => {
    it('equal the envelope of each region (random polygons, including root-triangle edges and the poles)', async () => {
      const rng = new Rng(7);
      const centers: [number, number][] = [[0, 0], [90, 0], [180, 0], [270, 0], [45, 89.9], [10, -90], [150, 2], [359.99, -0.01]];
      for (let i = 0; i < 24; i++) centers.push([rng.next() * 360, Math.asin(2 * rng.next() - 1) * 180 / Math.PI]);
      const records: { skymap: string; tract: number; id: number; cell_x: number | null; cell_y: null; region: ConvexPolygon | null }[] = centers.map(([ra, dec], i) => ({
        skymap: 'sm_all', tract: 0, id: i, cell_x: i, cell_y: null,
        region: polygonAround(ra, dec, 0.05 + rng.next() * 1.5, rng.int(3, 8), rng.next()),
      }));
      records.push({ skymap: 'sm_all', tract: 0, id: 999, cell_x: null, cell_y: null, region: null });
      await reg.dimensions.insert('patch', records, reg.knex);
      const rows = await overlapRows('patch', ['skymap', 'tract', 'patch']);
      expect(rows.has(JSON.stringify(['sm_all', 0, 999]))).toBe(false);
      for (const r of records) if (r.region) checkOverlaps(r.region, rows.get(JSON.stringify(['sm_all', 0, r.id])));
      // regions read back bit for bit
      const back = await reg.dimensions.query('patch', reg.knex, { skymap: 'sm_all' });
      for (const r of records) {
        const got = back.find((b) => b['id'] === r.id)!;
        expect(got.region ? hexOf(got.region.encode()) : null).toBe(r.region ? hexOf(r.region.encode()) : null);
      }
    });

    it('join elements (visit_detector_region) get rows keyed by all their dimensions', async () => {
      const rng = new Rng(8);
      const records = [];
      for (const visit of [10, 11]) for (const detector of [0, 1, 2]) {
        records.push({ instrument: 'CamA', visit, detector, region: polygonAround(150 + rng.next(), 2 + rng.next(), 0.1, 4, rng.next()) });
      }
      await reg.dimensions.insert('visit_detector_region', records, reg.knex);
      const rows = await overlapRows('visit_detector_region', ['instrument', 'visit', 'detector']);
      for (const r of records) checkOverlaps(r.region, rows.get(JSON.stringify(['CamA', r.visit, r.detector])));
      expect(rows.size).toBe(6);
    });

    it('skipExisting adds overlap rows for the new records only', async () => {
      const first = [0, 1].map((id) => ({ skymap: 'sm_null', tract: 1, id, region: polygonAround(20 + id, 20, 0.3, 4) }));
      await reg.dimensions.insert('patch', first, reg.knex);
      const second = [1, 2].map((id) => ({ skymap: 'sm_null', tract: 1, id, region: polygonAround(40 + id, -20, 0.3, 5) }));
      expect(await reg.dimensions.insert('patch', second, reg.knex, { skipExisting: true })).toBe(1);
      const rows = await overlapRows('patch', ['skymap', 'tract', 'patch']);
      checkOverlaps(first[0]!.region, rows.get(JSON.stringify(['sm_null', 1, 0])));
      checkOverlaps(first[1]!.region, rows.get(JSON.stringify(['sm_null', 1, 1])));
      checkOverlaps(second[1]!.region, rows.get(JSON.stringify(['sm_null', 1, 2])));
    });

    // regression: "new" records used to be guessed as keys without overlap rows, so an existing
    // region-less record got the overlap rows of the ignored record's region
    it('skipExisting gives no overlap rows to an existing record that has no region', async () => {
      await reg.dimensions.insert('patch', [{ skymap: 'sm_null', tract: 2, id: 0, region: null }], reg.knex);
      await reg.dimensions.insert('patch', [{ skymap: 'sm_null', tract: 2, id: 0, region: polygonAround(60, 10, 0.3, 4) }], reg.knex, { skipExisting: true });
      const [stored] = await reg.dimensions.query('patch', reg.knex, { skymap: 'sm_null', tract: 2 });
      expect(stored!.region).toBeNull();
      expect((await overlapRows('patch', ['skymap', 'tract', 'patch'])).get(JSON.stringify(['sm_null', 2, 0]))).toBeUndefined();
    });

    it('a failed spatial insert leaves no overlap rows behind', async () => {
      const before = (await overlapRows('patch', ['skymap', 'tract', 'patch'])).size;
      await rejection(reg.transaction((tx) => reg.dimensions.insert('patch', [
        { skymap: 'sm_all', tract: 5, id: 1, region: polygonAround(5, 5, 0.2, 4) },
        { skymap: 'sm_all', tract: 5, id: 1, region: polygonAround(6, 5, 0.2, 4) },
      ], tx)));
      expect((await overlapRows('patch', ['skymap', 'tract', 'patch'])).size).toBe(before);
    });
  });
});
