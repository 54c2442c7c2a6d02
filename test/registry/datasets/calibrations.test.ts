/**
 * CALIBRATION collections on each dialect: certify with half-open [begin, end) ranges
 * (adjacent ranges fine, overlapping ones a clear error, also within one call), decertify
 * trimming and splitting, and find-first by time checked against a brute-force interval
 * model on seeded random certify/decertify sequences.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIME_MAX, TIME_MIN, type DataId, type DatasetRef, type Registry } from '../../../registry/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { isoTaiToNs, rejection } from '../registry-test-helpers.js';
import { Rng } from '../../support/random.js';

/** 2024-01-01 00:00:00 TAI in ns: far beyond 2^53, so any rounding through doubles would show. */
const T0 = isoTaiToNs('2024-01-01 00:00:00');
const at = (offset: number | bigint) => T0 + BigInt(offset);
const span = (b: number, e: number) => ({ begin: at(b), end: at(e) });

describe.each(DIALECTS)('%s: calibrations', (dialect) => {
  let ctx: Awaited<ReturnType<typeof makeRepo>>;
  let reg: Registry;
  const calibRows = async (type: string, collection: string) => {
    const t = await reg.datasetTypes.get(type);
    const c = await reg.collections.get(collection);
    const rows = await reg.db.arrays(reg.knex, reg.knex(t.calibTable).select('dataset_id', ...t.dimensions.required)
      .select(reg.db.exactInt('timespan_begin'), reg.db.exactInt('timespan_end')).where({ dataset_type_id: t.id, collection_id: c.id }));
    return rows.map((r) => r.map(String).join(' ')).sort();
  };
  beforeAll(async () => {
    ctx = await makeRepo(dialect);
    reg = ctx.repo.registry;
    await reg.datasetTypes.register({ name: 'bias', dimensions: ['instrument', 'detector'], storageClass: 'ExposureF', isCalibration: true });
    await reg.datasetTypes.register({ name: 'flat', dimensions: ['instrument', 'detector', 'physical_filter'], storageClass: 'ExposureF', isCalibration: true });
    await reg.datasetTypes.register({ name: 'notcalib', dimensions: ['instrument', 'detector'], storageClass: 'ExposureF' });
  });
  afterAll(async () => ctx.dispose());

  const biases = async (run: string, detectors: number[]): Promise<DatasetRef[]> => {
    if (!(await reg.collections.has(run))) await reg.collections.register(run, 'RUN');
    return reg.datasets.insert('bias', run, detectors.map((detector) => ({ instrument: 'Cam', detector })), reg.knex);
  };

  describe('certify', () => {
    let b1: DatasetRef, b2: DatasetRef, b3: DatasetRef, b4: DatasetRef, other: DatasetRef;
    beforeAll(async () => {
      [b1] = await biases('c/r1', [1]) as [DatasetRef];
      [b2] = await biases('c/r2', [1]) as [DatasetRef];
      [b3] = await biases('c/r3', [1]) as [DatasetRef];
      [b4, other] = await biases('c/r4', [1, 2]) as [DatasetRef, DatasetRef];
      await reg.collections.register('c/calib', 'CALIBRATION');
      await reg.datasets.certify('c/calib', [b1], span(10, 20), reg.knex);
    });

    it('adjacent ranges are fine on both sides, and find-first honours half-openness', async () => {
      await reg.datasets.certify('c/calib', [b2], span(20, 30), reg.knex);
      await reg.datasets.certify('c/calib', [b3], span(0, 10), reg.knex);
      const find = async (t: number) => (await reg.datasets.findFirst('bias', ['c/calib'], [{ instrument: 'Cam', detector: 1 }], reg.knex, at(t)))[0]?.id;
      expect(await find(-1)).toBeUndefined();
      expect(await find(0)).toBe(b3.id);
      expect(await find(9)).toBe(b3.id);
      expect(await find(10)).toBe(b1.id);
      expect(await find(19)).toBe(b1.id);
      expect(await find(20)).toBe(b2.id);
      expect(await find(29)).toBe(b2.id);
      expect(await find(30)).toBeUndefined();
      const [ref] = await reg.datasets.findFirst('bias', ['c/calib'], [{ instrument: 'Cam', detector: 1 }], reg.knex, at(25));
      expect(ref).toEqual({ id: b2.id, datasetType: 'bias', run: 'c/r2', dataId: { instrument: 'Cam', detector: 1 } });
    });

    it.each([[25, 35], [29, 30], [5, 15], [-5, 1], [-100, 100], [12, 13]])('[%i, %i) overlapping an existing range is a clear error', async (b, e) => {
      const before = await calibRows('bias', 'c/calib');
      const err = await rejection(reg.datasets.certify('c/calib', [b4], span(b, e), reg.knex));
      expect(err.code).toBe('CALIB_OVERLAP');
      expect(err.message).toContain('bias');
      expect(err.message).toContain('detector: 1');
      expect(err.message).toContain('c/calib');
      expect(err.message).toMatch(/already certified/);
      expect(err.message).toMatch(/2024-01-01 00:00:00\.0000000\d\d TAI/);
      expect(await calibRows('bias', 'c/calib')).toEqual(before);
    });

    it('the clash message names the dataset already certified there', async () => {
      const err = await rejection(reg.datasets.certify('c/calib', [b4], span(15, 16), reg.knex));
      expect(err.message).toContain(b1.id);
    });

    it('other data IDs, other collections and ranges after the last are independent', async () => {
      await reg.datasets.certify('c/calib', [other], span(15, 25), reg.knex);
      await reg.collections.register('c/calib2', 'CALIBRATION');
      await reg.datasets.certify('c/calib2', [b4], span(15, 25), reg.knex);
      await reg.datasets.certify('c/calib', [b4], span(30, 40), reg.knex);
      // the same dataset may be valid over several disjoint ranges
      await reg.datasets.certify('c/calib', [b4], span(50, 60), reg.knex);
      const [a, b] = await reg.datasets.findFirst('bias', ['c/calib'], [{ instrument: 'Cam', detector: 1 }, { instrument: 'Cam', detector: 2 }], reg.knex, at(55));
      expect([a?.id, b]).toEqual([b4.id, undefined]);
    });

    it('two datasets with one data ID in one call are refused, naming both', async () => {
      const [x, y] = [...await biases('c/r5', [7]), ...await biases('c/r6', [7])];
      const err = await rejection(reg.datasets.certify('c/calib', [x!, y!], span(100, 200), reg.knex));
      expect(err.code).toBe('CALIB_OVERLAP');
      expect(err.message).toContain(x!.id);
      expect(err.message).toContain(y!.id);
      expect(err.message).toContain('detector: 7');
      expect((await reg.datasets.findFirst('bias', ['c/calib'], [{ instrument: 'Cam', detector: 7 }], reg.knex, at(150)))[0]).toBeUndefined();
    });

    it('empty or reversed ranges, non-calibration types and non-CALIBRATION collections are refused', async () => {
      expect((await rejection(reg.datasets.certify('c/calib', [b4], span(70, 70), reg.knex))).code).toBe('CALIB_RANGE');
      expect((await rejection(reg.datasets.certify('c/calib', [b4], span(80, 70), reg.knex))).code).toBe('CALIB_RANGE');
      const [nc] = await reg.datasets.insert('notcalib', 'c/r1', [{ instrument: 'Cam', detector: 1 }], reg.knex);
      const typeErr = await rejection(reg.datasets.certify('c/calib', [nc!], span(70, 80), reg.knex));
      expect(typeErr.code).toBe('CALIB_TYPE');
      expect(typeErr.message).toContain('notcalib');
      expect((await rejection(reg.datasets.certify('c/r1', [b4], span(70, 80), reg.knex))).code).toBe('COLLECTION_TYPE');
    });

    it('unbounded ranges: [-inf, t) and [t, +inf) meet without overlap', async () => {
      const [u1] = await biases('c/r7', [3]);
      const [u2] = await biases('c/r8', [3]);
      await reg.collections.register('c/open', 'CALIBRATION');
      await reg.datasets.certify('c/open', [u1!], { begin: TIME_MIN, end: at(0) }, reg.knex);
      await reg.datasets.certify('c/open', [u2!], { begin: at(0), end: TIME_MAX }, reg.knex);
      const err = await rejection(reg.datasets.certify('c/open', [u1!], { begin: TIME_MIN, end: TIME_MAX }, reg.knex));
      expect(err.code).toBe('CALIB_OVERLAP');
      expect(err.message).toMatch(/-inf|\+inf/);
      const find = async (t: bigint) => (await reg.datasets.findFirst('bias', ['c/open'], [{ instrument: 'Cam', detector: 3 }], reg.knex, t))[0]?.id;
      expect(await find(isoTaiToNs('1900-01-01 00:00:00'))).toBe(u1!.id);
      expect(await find(at(-1))).toBe(u1!.id);
      expect(await find(at(0))).toBe(u2!.id);
      expect(await find(isoTaiToNs('2100-01-01 00:00:00'))).toBe(u2!.id);
    });
  });

  describe('decertify', () => {
    const id1: DataId = { instrument: 'Cam', detector: 1 };
    const id2: DataId = { instrument: 'Cam', detector: 2 };
    let x1: DatasetRef, x2: DatasetRef;
    beforeAll(async () => {
      [x1, x2] = await biases('d/run', [1, 2]) as [DatasetRef, DatasetRef];
      await reg.collections.register('d/calib', 'CALIBRATION');
      await reg.datasets.certify('d/calib', [x1, x2], span(0, 100), reg.knex);
    });
    const ranges = async (detector: number) => (await calibRows('bias', 'd/calib'))
      .map((r) => r.split(' ')).filter((r) => r[2] === String(detector)).map((r) => [BigInt(r[3]!) - T0, BigInt(r[4]!) - T0].map(Number));

    it('splits a range around a hole, trims overhangs, and removes covered ranges', async () => {
      expect(await reg.datasets.decertify('d/calib', 'bias', span(40, 60), reg.knex, [id1])).toBe(1);
      expect((await ranges(1)).sort((a, b) => a[0]! - b[0]!)).toEqual([[0, 40], [60, 100]]);
      expect(await ranges(2)).toEqual([[0, 100]]);
      const find = async (t: number) => (await reg.datasets.findFirst('bias', ['d/calib'], [id1], reg.knex, at(t)))[0]?.id;
      expect([await find(39), await find(40), await find(59), await find(60)]).toEqual([x1.id, undefined, undefined, x1.id]);
      expect(await reg.datasets.decertify('d/calib', 'bias', span(90, 200), reg.knex, [id1])).toBe(1);
      expect(await reg.datasets.decertify('d/calib', 'bias', span(-50, 10), reg.knex, [id1])).toBe(1);
      expect((await ranges(1)).sort((a, b) => a[0]! - b[0]!)).toEqual([[10, 40], [60, 90]]);
      // the ranges that remain keep their dataset
      expect((await calibRows('bias', 'd/calib')).filter((r) => r.split(' ')[2] === '1').every((r) => r.startsWith(x1.id))).toBe(true);
      // a range that only touches (half-open) is not hit
      expect(await reg.datasets.decertify('d/calib', 'bias', span(40, 60), reg.knex, [id1])).toBe(0);
      // without data IDs every data ID is hit
      expect(await reg.datasets.decertify('d/calib', 'bias', span(0, 1000), reg.knex)).toBe(3);
      expect(await calibRows('bias', 'd/calib')).toEqual([]);
      // and certifying again over the freed range works
      await reg.datasets.certify('d/calib', [x1], span(0, 100), reg.knex);
      expect(await ranges(1)).toEqual([[0, 100]]);
      void id2;
    });
  });

  it('find-first in CALIBRATION collections needs a time', async () => {
    await reg.collections.register('nt/calib', 'CALIBRATION');
    await reg.collections.register('nt/run', 'RUN');
    await reg.collections.register('nt/chain', 'CHAINED');
    await reg.collections.setChain('nt/chain', ['nt/run', 'nt/calib']);
    const err = await rejection(reg.datasets.findFirst('bias', ['nt/chain'], [{ instrument: 'Cam', detector: 1 }], reg.knex));
    expect(err.code).toBe('CALIB_NEEDS_TIME');
    expect(err.message).toContain('bias');
    expect(err.message).toMatch(/time/);
    // RUNs alone need none
    expect(await reg.datasets.findFirst('bias', ['nt/run'], [{ instrument: 'Cam', detector: 1 }], reg.knex)).toEqual([undefined]);
  });

  describe('random certify/decertify sequences vs a brute-force interval model', () => {
    it.each([5, 6, 7])('seed %i', async (seed) => {
      const rng = new Rng(seed);
      const p = `rnd${seed}`;
      interface Cert { collection: string; key: string; begin: number; end: number; id: string }
      let model: Cert[] = [];
      const calibs = [`${p}/calA`, `${p}/calB`];
      for (const c of calibs) await reg.collections.register(c, 'CALIBRATION');
      const filters = ['Cam-g', 'Cam-r'];
      const dataIds: DataId[] = [];
      for (const detector of [0, 1, 2]) for (const physical_filter of filters) dataIds.push({ instrument: 'Cam', detector, physical_filter });
      const keyOf = (d: DataId) => `${d['detector']}/${d['physical_filter']}`;
      const runs = [`${p}/r0`, `${p}/r1`, `${p}/r2`];
      const pool = new Map<string, DatasetRef[]>();
      for (const run of runs) {
        await reg.collections.register(run, 'RUN');
        for (const r of await reg.datasets.insert('flat', run, dataIds, reg.knex)) pool.set(keyOf(r.dataId), [...(pool.get(keyOf(r.dataId)) ?? []), r]);
      }
      const overlaps = (c: Cert, collection: string, key: string, b: number, e: number) => c.collection === collection && c.key === key && c.begin < e && b < c.end;
      const boundaries = new Set<number>();
      for (let step = 0; step < 40; step++) {
        const collection = rng.pick(calibs);
        let b = rng.int(0, 90);
        let e = b + rng.int(1, 30);
        // half the time, butt up against an existing range
        const near = model.filter((m) => m.collection === collection);
        if (near.length && rng.bool()) {
          const m = rng.pick(near);
          if (rng.bool()) [b, e] = [m.end, m.end + rng.int(1, 20)];
          else [b, e] = [Math.max(m.begin - rng.int(1, 20), -50), m.begin];
        }
        boundaries.add(b).add(e);
        if (rng.bool(0.7)) {
          const chosen = rng.subset(dataIds, 0.4);
          if (!chosen.length) continue;
          const refs = chosen.map((d) => rng.pick(pool.get(keyOf(d))!));
          const clash = chosen.some((d) => model.some((m) => overlaps(m, collection, keyOf(d), b, e)));
          const result = reg.transaction((tx) => reg.datasets.certify(collection, refs, span(b, e), tx));
          if (clash) {
            expect((await rejection(result)).code).toBe('CALIB_OVERLAP');
          } else {
            await result;
            model.push(...refs.map((r) => ({ collection, key: keyOf(r.dataId), begin: b, end: e, id: r.id })));
          }
        } else {
          const only = rng.bool() ? rng.subset(dataIds, 0.5) : undefined;
          const keys = only && new Set(only.map(keyOf));
          const hit = (m: Cert) => m.collection === collection && (!keys || keys.has(m.key)) && m.begin < e && b < m.end;
          const expected = model.filter(hit).length;
          const next: Cert[] = [];
          for (const m of model) {
            if (!hit(m)) next.push(m);
            else {
              if (m.begin < b) next.push({ ...m, end: b });
              if (m.end > e) next.push({ ...m, begin: e });
            }
          }
          model = next;
          expect(await reg.datasets.decertify(collection, 'flat', span(b, e), reg.knex, only)).toBe(expected);
        }
      }
      for (const c of calibs) {
        const rows = await calibRows('flat', c);
        expect(rows).toEqual(model.filter((m) => m.collection === c).map((m) => {
          const [detector, filter] = m.key.split('/');
          return `${m.id} Cam ${filter} ${detector} ${at(m.begin)} ${at(m.end)}`; // required order: instrument, physical_filter, detector
        }).sort());
      }
      // find-first by time through a chain [calB, r1, calA] and plain [calA, calB]
      await reg.collections.register(`${p}/chain`, 'CHAINED');
      await reg.collections.setChain(`${p}/chain`, [calibs[1]!, runs[1]!, calibs[0]!]);
      const r1Holds = new Map([...pool.entries()].map(([k, refs]) => [k, refs.find((r) => r.run === runs[1])!.id]));
      const orders: [string[], string[]][] = [[[calibs[0]!, calibs[1]!], calibs], [[`${p}/chain`], [calibs[1]!, runs[1]!, calibs[0]!]]];
      const times = [...boundaries].flatMap((t) => [t - 1, t, t + 1]);
      for (const [order, flat] of orders) {
        for (const t of times) {
          const expected = dataIds.map((d) => {
            for (const c of flat) {
              if (c === runs[1]) return r1Holds.get(keyOf(d));
              const m = model.find((x) => x.collection === c && x.key === keyOf(d) && x.begin <= t && t < x.end);
              if (m) return m.id;
            }
            return undefined;
          });
          const found = await reg.datasets.findFirst('flat', order, dataIds, reg.knex, at(t));
          expect(found.map((r) => r?.id), `${order} at ${t}`).toEqual(expected);
        }
      }
    });
  });
});
