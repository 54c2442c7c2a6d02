/**
 * simulateRepository on every dialect: what lands in the registry, checked against the
 * profile's parameters and against geometry recomputed from the stored records (not from
 * the simulator's own models).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Table } from 'apache-arrow';
import { HtmPixelization, fromRaDec, type ConvexPolygon, type DimensionRecord, type Repository } from '../../../registry/index.js';
import { SIM_COLLECTIONS, SIM_INSTRUMENT, SIM_SKYMAP, simulateRepository, type SimulationSummary } from '../../../pipelines/simulate/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';

/** Brute-force overlaps of stored visit_detector_region and patch regions. */
async function overlapsFromRecords(repo: Repository): Promise<{ vd: number; rows: number; visitPatches: number; patchBands: number }> {
  const knex = repo.registry.knex;
  const vdr = await repo.registry.dimensions.query('visit_detector_region', knex);
  const patches = await repo.registry.dimensions.query('patch', knex);
  const visits = new Map((await repo.registry.dimensions.query('visit', knex)).map((v) => [v['id'], v]));
  const filters = new Map((await repo.registry.dimensions.query('physical_filter', knex)).map((f) => [f['name'], f['band']]));
  let vd = 0, rows = 0;
  const visitPatches = new Set<string>(), patchBands = new Set<string>();
  for (const r of vdr) {
    let hits = 0;
    for (const p of patches) {
      if (!r.region!.overlaps(p.region!)) continue;
      hits++;
      visitPatches.add(`${r['visit']}/${p['id']}`);
      patchBands.add(`${p['id']}/${filters.get(visits.get(r['visit'])!['physical_filter'])}`);
    }
    rows += hits;
    if (hits) vd++;
  }
  return { vd, rows, visitPatches: visitPatches.size, patchBands: patchBands.size };
}

function byKey<T extends DimensionRecord>(records: T[], key = 'id'): Map<unknown, T> {
  return new Map(records.map((r) => [r[key], r]));
}

describe.each(DIALECTS)('simulateRepository, tiny profile, on %s', (dialect) => {
  let repo: Repository;
  let dispose: () => Promise<void>;
  let summary: SimulationSummary;

  beforeAll(async () => {
    ({ repo, dispose } = await makeRepo(dialect));
    summary = await simulateRepository(repo, { profile: 'tiny', seed: 3 });
  });
  afterAll(async () => dispose?.());

  it('makes the dimension records the profile asks for', async () => {
    const counts = await repo.registry.dimensions.counts(repo.registry.knex);
    expect(Object.fromEntries([...counts].filter(([, n]) => n > 0))).toEqual({
      instrument: 1, band: 2, physical_filter: 2, detector: 4, day_obs: 2, exposure: 4, visit_system: 1, visit: 4,
      visit_definition: 4, visit_system_membership: 4, visit_detector_region: 16, skymap: 1, tract: 1, patch: 4,
    });
    const knex = repo.registry.knex;
    const detectors = await repo.registry.dimensions.query('detector', knex);
    expect(detectors.map((d) => d['purpose'])).toEqual(['SCIENCE', 'SCIENCE', 'SCIENCE', 'SCIENCE']);
    expect(new Set(detectors.map((d) => d['full_name'])).size).toBe(4);
    const filters = await repo.registry.dimensions.query('physical_filter', knex);
    expect(filters.map((f) => [f['name'], f['band']])).toEqual([[`${SIM_INSTRUMENT}-g`, 'g'], [`${SIM_INSTRUMENT}-r`, 'r']]);
    const visits = await repo.registry.dimensions.query('visit', knex);
    const exposures = byKey(await repo.registry.dimensions.query('exposure', knex));
    const definitions = await repo.registry.dimensions.query('visit_definition', knex);
    expect(definitions.map((d) => d['exposure'])).toEqual(definitions.map((d) => d['visit']));
    for (const v of visits) {
      const e = exposures.get(v['id'])!;
      expect(e.timespan).toEqual(v.timespan);
      expect(e['physical_filter']).toBe(v['physical_filter']);
      expect(Number(e.timespan!.end - e.timespan!.begin)).toBe(30e9);
      expect(e['exposure_time']).toBe(30);
    }
    // Bands alternate, so each band has a visit in each night.
    expect(visits.map((v) => v['physical_filter'])).toEqual([`${SIM_INSTRUMENT}-g`, `${SIM_INSTRUMENT}-r`, `${SIM_INSTRUMENT}-g`, `${SIM_INSTRUMENT}-r`]);
    const systems = await repo.registry.dimensions.query('visit_system', knex);
    expect(systems).toEqual([{ instrument: SIM_INSTRUMENT, id: 0, name: 'one-to-one' }]);
    const skymaps = await repo.registry.dimensions.query('skymap', knex);
    expect(skymaps.map((s) => [s['name'], s['patch_nx_max'], s['patch_ny_max']])).toEqual([[SIM_SKYMAP, 2, 2]]);
  });

  it('starts on 2024-01-01 (TAI) and keeps every exposure inside its day_obs', async () => {
    const knex = repo.registry.knex;
    const days = byKey(await repo.registry.dimensions.query('day_obs', knex));
    expect([...days.keys()]).toEqual([20240101, 20240102]);
    const start = BigInt(Date.UTC(2024, 0, 1)) * 1_000_000n;
    for (const e of await repo.registry.dimensions.query('exposure', knex)) {
      const day = days.get(e['day_obs'])!;
      expect(e.timespan!.begin >= day.timespan!.begin && e.timespan!.end <= day.timespan!.end).toBe(true);
      expect(e.timespan!.begin >= start).toBe(true);
      expect(e['id']).toBe(Number(e['day_obs']) * 100000 + Number(e['seq_num']));
    }
  });

  it('puts every visit_detector_region inside its visit region and the visit regions on the tract', async () => {
    const knex = repo.registry.knex;
    const visits = byKey(await repo.registry.dimensions.query('visit', knex));
    const [tract] = await repo.registry.dimensions.query('tract', knex);
    for (const r of await repo.registry.dimensions.query('visit_detector_region', knex)) {
      const visit = visits.get(r['visit'])!.region as ConvexPolygon;
      for (const corner of r.region!.vertices) expect(visit.contains(corner)).toBe(true);
      expect(r.region!.overlaps(tract!.region!)).toBe(true);
    }
  });

  it('registers raws for every exposure x detector and calibrations per detector (and filter) per epoch, all with files', async () => {
    const { datasets, knex } = repo.registry;
    const raws = await datasets.query('raw', [SIM_COLLECTIONS.raw], knex);
    const exposures = await repo.registry.dimensions.query('exposure', knex);
    const expected = exposures.flatMap((e) => [0, 1, 2, 3].map((d) => `${e['id']}/${d}`)).sort();
    expect(raws.map((r) => `${r.dataId['exposure']}/${r.dataId['detector']}`).sort()).toEqual(expected);
    for (const run of SIM_COLLECTIONS.calibRuns) {
      expect((await datasets.query('bias', [run], knex)).length).toBe(4);
      expect((await datasets.query('flat', [run], knex)).length).toBe(8);
    }
    expect((await datasets.query('skyMap', [SIM_COLLECTIONS.skymaps], knex)).map((r) => r.dataId)).toEqual([{ skymap: SIM_SKYMAP }]);
    expect((await datasets.query('truth_cat', [SIM_COLLECTIONS.truth], knex)).map((r) => r.dataId)).toEqual([{ skymap: SIM_SKYMAP, tract: 0 }]);
    const all = [
      ...raws, ...(await datasets.query('bias', [...SIM_COLLECTIONS.calibRuns], knex)), ...(await datasets.query('flat', [...SIM_COLLECTIONS.calibRuns], knex)),
      ...(await datasets.query('ref_cat', [SIM_COLLECTIONS.refcats], knex)),
    ];
    for (const ref of all) expect(repo.datastore.exists((await repo.fileOf(ref))!)).toBe(true);
    expect(summary.counts).toMatchObject({ raws: 16, biases: 8, flats: 16, visits: 4, detectors: 4, patches: 4 });
  });

  it('certifies bias and flat in disjoint validity ranges that cover every exposure, epoch by epoch', async () => {
    const registry = repo.registry;
    const knex = registry.knex;
    const exposures = await registry.dimensions.query('exposure', knex);
    for (const typeName of ['bias', 'flat']) {
      const type = await registry.datasetTypes.get(typeName);
      const rows = await registry.db.arrays(knex, knex(type.calibTable)
        .select([...type.dimensions.required, registry.db.exactInt('timespan_begin'), registry.db.exactInt('timespan_end')]));
      const byDataId = new Map<string, [bigint, bigint][]>();
      for (const row of rows) {
        const key = JSON.stringify(row.slice(0, -2));
        byDataId.set(key, [...(byDataId.get(key) ?? []), [BigInt(String(row.at(-2))), BigInt(String(row.at(-1)))]]);
      }
      expect(byDataId.size).toBe(typeName === 'bias' ? 4 : 8);
      for (const ranges of byDataId.values()) {
        ranges.sort((a, b) => (a[0] < b[0] ? -1 : 1));
        expect(ranges.length).toBe(2);
        expect(ranges[0]![1] <= ranges[1]![0]).toBe(true); // disjoint
        for (const e of exposures) {
          const covering = ranges.filter(([b, end]) => b <= e.timespan!.begin && e.timespan!.end <= end);
          expect(covering.length).toBe(1);
        }
      }
    }
    // Both epochs are in use: the first night's exposures get epoch 0, the second night's epoch 1.
    const runs = new Set<string>();
    for (const e of exposures) {
      const [ref] = await registry.datasets.findFirst('bias', [SIM_COLLECTIONS.calib], [{ instrument: SIM_INSTRUMENT, detector: 0 }], knex, e.timespan!.begin);
      runs.add(`${e['day_obs']}:${ref!.run}`);
    }
    expect([...runs].sort()).toEqual([`20240101:${SIM_COLLECTIONS.calibRuns[0]}`, `20240102:${SIM_COLLECTIONS.calibRuns[1]}`]);
  });

  it('chains SimCam/defaults = [raw, calib, skymaps, refcats] and finds every input through it', async () => {
    const { collections, datasets, knex } = repo.registry;
    expect(await collections.getChain(SIM_COLLECTIONS.defaults)).toEqual([SIM_COLLECTIONS.raw, SIM_COLLECTIONS.calib, SIM_COLLECTIONS.skymaps, SIM_COLLECTIONS.refcats]);
    expect((await datasets.query('raw', [SIM_COLLECTIONS.defaults], knex, { findFirst: true })).length).toBe(16);
    expect((await datasets.query('skyMap', [SIM_COLLECTIONS.defaults], knex, { findFirst: true })).length).toBe(1);
    expect((await datasets.query('ref_cat', [SIM_COLLECTIONS.defaults], knex, { findFirst: true })).length).toBe(summary.counts.refCatShards);
  });

  it('shards the reference catalog by each star\'s htm7 trixel, with the bright truth stars and every detector covered', async () => {
    const { datasets, knex } = repo.registry;
    const htm = new HtmPixelization(7);
    const shards = await datasets.query('ref_cat', [SIM_COLLECTIONS.refcats], knex);
    const refIds = new Set<bigint>();
    for (const shard of shards) {
      const table = (await repo.get(shard)) as Table;
      const ra = table.getChild('ra')!.toArray() as Float64Array, dec = table.getChild('dec')!.toArray() as Float64Array;
      const ids = table.getChild('id')!.toArray() as BigInt64Array;
      for (let i = 0; i < table.numRows; i++) {
        expect(htm.index(fromRaDec(ra[i]!, dec[i]!))).toBe(shard.dataId['htm7']);
        refIds.add(ids[i]!);
      }
      for (const b of ['g', 'r']) expect(table.getChild(`${b}_flux`)).toBeTruthy();
    }
    const [truthRef] = await datasets.query('truth_cat', [SIM_COLLECTIONS.truth], knex);
    const truth = (await repo.get(truthRef!)) as Table;
    const rMag = truth.getChild('r_mag')!.toArray() as Float64Array, ids = truth.getChild('id')!.toArray() as BigInt64Array;
    const bright = new Set<bigint>();
    for (let i = 0; i < truth.numRows; i++) if (rMag[i]! < summary.profile.refCatMagLimit) bright.add(ids[i]!);
    expect(refIds).toEqual(bright);
    expect(truth.numRows).toBe(summary.counts.stars);
    // A calibrate quantum needs at least one shard in its detector's htm7 envelope.
    const shardIds = new Set(shards.map((s) => s.dataId['htm7']));
    for (const r of await repo.registry.dimensions.query('visit_detector_region', knex)) {
      expect(htm.envelopeIds(r.region!).some((id) => shardIds.has(id))).toBe(true);
    }
  });

  it('reports the quanta a drp pipeline should get, matching brute-force overlaps of the stored regions', async () => {
    const o = await overlapsFromRecords(repo);
    expect(summary.counts).toMatchObject({ visitDetectorsOverlappingPatches: o.vd, visitDetectorPatchRows: o.rows, visitPatches: o.visitPatches, patchBands: o.patchBands });
    expect(summary.expectedQuanta).toEqual({ isr: o.vd, calibrate: o.vd, makeWarp: o.visitPatches, assembleCoadd: o.patchBands, total: 2 * o.vd + o.visitPatches + o.patchBands });
    // The tiny profile keeps the whole camera on the tract.
    expect(o.vd).toBe(16);
    expect(o.patchBands).toBe(8);
  });

  it('refuses to simulate into the same repository twice', async () => {
    await expect(simulateRepository(repo, { profile: 'tiny' })).rejects.toMatchObject({ code: 'SIMULATE_EXISTS' });
  });
});

describe.each(DIALECTS)('simulateRepository without pixels on %s', (dialect) => {
  it('registers the same datasets without writing any file', async () => {
    const { repo, root, dispose } = await makeRepo(dialect);
    try {
      const summary = await simulateRepository(repo, { profile: 'tiny', pixels: false, visits: 6, detectors: 6, patches: '3x3', bands: 'g,r,i' });
      const { datasets, knex } = repo.registry;
      expect(summary.pixels).toBe(false);
      expect(summary.counts).toMatchObject({ visits: 6, detectors: 6, patches: 9, raws: 36, biases: 12, flats: 36, files: 0, visitDetectorRegions: 36 });
      expect((await datasets.query('raw', [SIM_COLLECTIONS.defaults], knex)).length).toBe(36);
      expect((await datasets.query('flat', [SIM_COLLECTIONS.calib], knex)).length).toBe(36);
      const [files] = await repo.registry.db.arrays(knex, knex('datastore_record').count({ n: '*' }));
      expect(Number(files![0])).toBe(0);
      const { readdirSync } = await import('node:fs');
      expect(readdirSync(root).sort()).toEqual(dialect === 'sqlite' ? expect.arrayContaining(['qg.yaml']) : ['qg.yaml']);
      expect(readdirSync(root).some((f) => f === 'SimCam' || f === 'skymaps' || f === 'refcats')).toBe(false);
      const o = await overlapsFromRecords(repo);
      expect(summary.expectedQuanta.total).toBe(2 * o.vd + o.visitPatches + o.patchBands);
    } finally {
      await dispose();
    }
  });
});

describe.each(DIALECTS)('the tract profile, scaled down, on %s', (dialect) => {
  it('keeps the tract geometry (0.2-degree detectors, 0.7-degree patches) with fewer visits', async () => {
    const { repo, dispose } = await makeRepo(dialect);
    try {
      const summary = await simulateRepository(repo, { profile: 'tract', visits: 60 });
      expect(summary.pixels).toBe(false);
      expect(summary.counts).toMatchObject({ visits: 60, detectors: 20, patches: 49, raws: 1200, visitDetectorRegions: 1200, files: 0 });
      const o = await overlapsFromRecords(repo);
      expect(summary.expectedQuanta).toEqual({ isr: o.vd, calibrate: o.vd, makeWarp: o.visitPatches, assembleCoadd: o.patchBands, total: 2 * o.vd + o.visitPatches + o.patchBands });
      // Nearly every detector lands on the tract; each overlaps about two patches.
      expect(o.vd / 1200).toBeGreaterThan(0.95);
      expect(o.rows / o.vd).toBeGreaterThan(1.5);
      expect(o.rows / o.vd).toBeLessThan(2.5);
    } finally {
      await dispose();
    }
  });
});

describe('simulateRepository options', () => {
  it('refuses pixels for the tract profile\'s 3600x3600 detectors and bad seeds', async () => {
    const { repo, dispose } = await makeRepo(DIALECTS[0]!);
    try {
      await expect(simulateRepository(repo, { profile: 'tract', pixels: true })).rejects.toMatchObject({ code: 'SIMULATE_OPTIONS' });
      await expect(simulateRepository(repo, { profile: 'tiny', seed: -1 })).rejects.toMatchObject({ code: 'SIMULATE_OPTIONS' });
      await expect(simulateRepository(repo, { profile: 'tiny', bands: 'g,x' })).rejects.toMatchObject({ code: 'SIMULATE_OPTIONS' });
      expect(await repo.registry.collections.has(SIM_COLLECTIONS.raw)).toBe(false);
    } finally {
      await dispose();
    }
  });

  // The full tract profile takes 10-25 s: run it with QG_TEST_SIM_TRACT=1.
  it.runIf(process.env.QG_TEST_SIM_TRACT === '1')('builds the full tract profile at LSST\'s largest published graph scale in well under a minute', async () => {
    const { repo, dispose } = await makeRepo(DIALECTS[0]!);
    try {
      const summary = await simulateRepository(repo, { profile: 'tract' });
      expect(summary.totalSeconds).toBeLessThan(60);
      expect(Math.abs(summary.expectedQuanta.total / 290_189 - 1)).toBeLessThan(0.05);
      expect(Math.abs(summary.counts.visitDetectorPatchRows / 234_155 - 1)).toBeLessThan(0.1);
    } finally {
      await dispose();
    }
  }, 120_000);
});
