/**
 * Importing the LSST synthetic-camera export on each dialect. Expected values come from
 * the fixture's README / problem.json and from reading export.yaml with plain `yaml`:
 * record and dataset counts, dataset ids, runs, data IDs and files, regions decoding to
 * problem.json's corners, visit and calibration timespans matching its MJDs (TAI) within
 * 1 µs, and find-first through the input chain picking the right calibration epoch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry, Repository } from '../../../registry/index.js';
import { importButlerExport, type ImportSummary } from '../../../registry/butler-export/butler-import.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import {
  angleDeg, datasetCountsOf, FIXTURE_EXPORT, isoTaiToNs, loadFixturePlain, loadProblem, mjdToMicros, raDecOf, unitFromRaDec, type RawEntry,
} from '../registry-test-helpers.js';

const problem = loadProblem();
const plain = loadFixturePlain();

/** Every dataset of the export: id -> { type, run, dataId, path, formatter }. */
const fixtureDatasets = new Map<string, { type: string; run: string; dataId: Record<string, unknown>; path: string; formatter: string }>();
for (const e of plain.data.filter((x) => x.type === 'dataset')) {
  for (const rec of e['records'] as Record<string, unknown>[]) {
    const ids = rec['dataset_id'] as string[];
    const dataIds = rec['data_id'] as Record<string, unknown>[];
    ids.forEach((id, i) => fixtureDatasets.set(id, { type: String(e['dataset_type']), run: String(e['run']), dataId: dataIds[i]!, path: String(rec['path']), formatter: String(rec['formatter']) }));
  }
}
const certEntries = plain.data.filter((x): x is RawEntry => x.type === 'associations' && x['collection_type'] === 'CALIBRATION');

/** Each vertex near exactly one corner and each corner near a vertex (angular tolerance in degrees). */
function expectSameCorners(vertices: readonly (readonly number[])[], corners: [number, number][], tolDeg = 1e-9): void {
  expect(vertices.length).toBe(corners.length);
  const cornerVectors = corners.map(([ra, dec]) => unitFromRaDec(ra, dec));
  const used = new Set<number>();
  for (const v of vertices) {
    const distances = cornerVectors.map((c) => angleDeg(v, c));
    const best = distances.indexOf(Math.min(...distances));
    expect(distances[best], `vertex ${raDecOf(v)} vs corners ${JSON.stringify(corners)}`).toBeLessThan(tolDeg);
    used.add(best);
  }
  expect(used.size).toBe(corners.length);
}

describe.each(DIALECTS)('%s: import of the LSST synthcam export', (dialect) => {
  let ctx: Awaited<ReturnType<typeof makeRepo>>;
  let repo: Repository;
  let reg: Registry;
  let summary: ImportSummary;
  beforeAll(async () => {
    ctx = await makeRepo(dialect);
    repo = ctx.repo;
    reg = repo.registry;
    summary = await importButlerExport(repo, FIXTURE_EXPORT);
  });
  afterAll(async () => ctx.dispose());

  it('record counts match the README and problem.json', async () => {
    const counts = await reg.dimensions.counts(reg.knex);
    const expected: Record<string, number> = {
      instrument: 1, skymap: 1, tract: 1, band: problem.bands.length, physical_filter: problem.bands.length,
      detector: problem.detectors.length, visit: problem.visits.length, exposure: problem.visits.length,
      patch: problem.patches.length, visit_definition: problem.visits.length, visit_system: 1, visit_system_membership: problem.visits.length,
      visit_detector_region: problem.visits.reduce((n, v) => n + Object.keys(v.detectors).length, 0),
      day_obs: new Set(problem.visits.map((v) => v.day_obs)).size,
    };
    expect([expected.detector, expected.visit, expected.patch, expected.visit_detector_region]).toEqual([20, 12, 49, 240]);
    for (const [element, n] of Object.entries(expected)) expect(counts.get(element), element).toBe(n);
    expect(summary.dimensionRecords).toEqual(expected);
  });

  it('the 6 collections with their types and the input chain', async () => {
    const c = problem.collections;
    const expected = new Map<string, string>([
      [c['raw_run']!, 'RUN'], [c['skymap_run']!, 'RUN'], [c['calib']!, 'CALIBRATION'], [c['input_chain']!, 'CHAINED'],
      ...problem.calib_epochs.map((e) => [e.run, 'RUN'] as [string, string]),
    ]);
    expect(expected.size).toBe(6);
    const got = await reg.collections.query();
    expect(new Map(got.map((r) => [r.name, r.type]))).toEqual(expected);
    const chainEntry = plain.data.find((e) => e.type === 'collection' && e['collection_type'] === 'CHAINED')!;
    expect(await reg.collections.getChain(c['input_chain']!)).toEqual(chainEntry['children']);
    expect(await reg.collections.getChain(c['input_chain']!)).toEqual([c['raw_run'], c['calib'], c['skymap_run']]);
  });

  it('dataset counts per type equal those counted in the YAML', async () => {
    const counts = datasetCountsOf(plain.data);
    expect([...counts.keys()].sort()).toEqual(['bias', 'flat', 'raw', 'skyMap']);
    const runs = (await reg.collections.query(undefined, ['RUN'])).map((r) => r.name);
    for (const [type, n] of counts) {
      expect((await reg.datasets.query(type, runs, reg.knex)).length, type).toBe(n);
      const t = await reg.datasetTypes.get(type);
      const [row] = await reg.db.arrays(reg.knex, reg.knex('dataset').count({ n: '*' }).where('dataset_type_id', t.id));
      expect(Number(row![0]), type).toBe(n);
    }
    expect(summary.datasets).toBe([...counts.values()].reduce((a, b) => a + b, 0));
  });

  it('every dataset keeps its id, run, data ID and file record', async () => {
    const required: Record<string, string[]> = { raw: ['instrument', 'detector', 'exposure'], bias: ['instrument', 'detector'], flat: ['instrument', 'detector', 'physical_filter'], skyMap: ['skymap'] };
    const runs = (await reg.collections.query(undefined, ['RUN'])).map((r) => r.name);
    let seen = 0;
    for (const type of Object.keys(required)) {
      for (const ref of await reg.datasets.query(type, runs, reg.knex)) {
        const want = fixtureDatasets.get(ref.id)!;
        expect(want, ref.id).toBeDefined();
        expect([ref.datasetType, ref.run]).toEqual([want.type, want.run]);
        expect(Object.keys(ref.dataId).sort()).toEqual([...required[type]!].sort());
        for (const k of required[type]!) expect(ref.dataId[k]).toBe(want.dataId[k]);
        const file = await repo.fileOf(ref);
        expect([file?.path, file?.formatter]).toEqual([want.path, want.formatter]);
        seen++;
      }
    }
    expect(seen).toBe(fixtureDatasets.size);
    // the fixture's files are not in the repository: each is recorded as not transferred
    expect(summary.filesNotTransferred).toBe(fixtureDatasets.size);
  });

  it('dataset types: dimensions, storage classes and calibration flags as exported', async () => {
    for (const e of plain.data.filter((x) => x.type === 'dataset_type')) {
      const t = await reg.datasetTypes.get(String(e['name']));
      // LSST's universe 4 has day_obs as a plain field; qg's implies it (exposure -> day_obs)
      const exported = e['dimensions'] as string[];
      expect(t.dimensions.names.filter((d) => !exported.includes(d))).toEqual(exported.includes('exposure') ? ['day_obs'] : []);
      expect(exported.filter((d) => !t.dimensions.has(d))).toEqual([]);
      expect([t.storageClass, t.isCalibration]).toEqual([e['storage_class'], e['is_calibration']]);
    }
  });

  it('tract and patch regions decode to problem.json corners', async () => {
    const [tract] = await reg.dimensions.query('tract', reg.knex);
    expectSameCorners(tract!.region!.vertices, problem.tract.corners);
    const patches = await reg.dimensions.query('patch', reg.knex);
    for (const p of problem.patches) {
      const rec = patches.find((r) => r['id'] === p.id)!;
      expect([rec['skymap'], rec['tract'], rec['cell_x'], rec['cell_y']]).toEqual([problem.skymap, problem.tract.id, p.cell_x, p.cell_y]);
      expectSameCorners(rec.region!.vertices, p.corners);
    }
  });

  it('visit and visit_detector_region regions decode to problem.json corners', async () => {
    const visits = await reg.dimensions.query('visit', reg.knex);
    const vdr = await reg.dimensions.query('visit_detector_region', reg.knex);
    for (const v of problem.visits) {
      expectSameCorners(visits.find((r) => r['id'] === v.id)!.region!.vertices, v.focal_plane);
      for (const [detector, corners] of Object.entries(v.detectors)) {
        const rec = vdr.find((r) => r['visit'] === v.id && r['detector'] === Number(detector))!;
        expectSameCorners(rec.region!.vertices, corners);
      }
    }
  });

  it('visits and exposures: implied values and timespans (MJD TAI) within 1 µs', async () => {
    const visits = await reg.dimensions.query('visit', reg.knex);
    const exposures = await reg.dimensions.query('exposure', reg.knex);
    for (const v of problem.visits) {
      for (const rec of [visits.find((r) => r['id'] === v.id)!, exposures.find((r) => r['id'] === v.exposure)!]) {
        expect([rec['instrument'], rec['physical_filter'], rec['day_obs']]).toEqual([problem.instrument, v.physical_filter, v.day_obs]);
        expect(Math.abs(Number(rec.timespan!.begin / 1000n) - mjdToMicros(v.begin_mjd_tai))).toBeLessThanOrEqual(1);
        expect(Math.abs(Number(rec.timespan!.end / 1000n) - mjdToMicros(v.end_mjd_tai))).toBeLessThanOrEqual(1);
      }
    }
    // and exactly the nanoseconds the YAML holds
    const firstExposure = (plain.data.find((e) => e.type === 'dimension' && e['element'] === 'exposure')!['records'] as Record<string, string>[])[0]!;
    const rec = exposures.find((r) => r['id'] === firstExposure['id'])!;
    expect(rec.timespan).toEqual({ begin: isoTaiToNs(firstExposure['datetime_begin']!), end: isoTaiToNs(firstExposure['datetime_end']!) });
  });

  it('calibration validity ranges equal problem.json calib_epochs (MJD TAI) within 1 µs', async () => {
    const calib = await reg.collections.get(problem.collections['calib']!);
    let certified = 0;
    for (const type of ['bias', 'flat']) {
      const t = await reg.datasetTypes.get(type);
      const rows = await reg.db.arrays(reg.knex, reg.knex(t.calibTable).select('dataset_id').select(reg.db.exactInt('timespan_begin'), reg.db.exactInt('timespan_end')).where('collection_id', calib.id));
      for (const [id, b, e] of rows) {
        const epoch = problem.calib_epochs.find((x) => x.run === fixtureDatasets.get(String(id))!.run)!;
        expect(Math.abs(Number(BigInt(String(b)) / 1000n) - mjdToMicros(epoch.begin_mjd_tai))).toBeLessThanOrEqual(1);
        expect(Math.abs(Number(BigInt(String(e)) / 1000n) - mjdToMicros(epoch.end_mjd_tai))).toBeLessThanOrEqual(1);
        certified++;
      }
    }
    const expected = certEntries.flatMap((e) => (e['validity_ranges'] as { dataset_ids: string[] }[]).flatMap((r) => r.dataset_ids)).length;
    expect(certified).toBe(expected);
    expect(summary.certifications).toBe(expected);
    expect(certified).toBe((datasetCountsOf(plain.data).get('bias') ?? 0) + (datasetCountsOf(plain.data).get('flat') ?? 0));
  });

  it('find-first through the input chain picks raws and the calibration epoch of each exposure', async () => {
    const chain = [problem.collections['input_chain']!];
    for (const v of problem.visits) {
      const start = BigInt(Math.round(mjdToMicros(v.begin_mjd_tai))) * 1000n;
      const epoch = problem.calib_epochs.find((e) => mjdToMicros(e.begin_mjd_tai) <= mjdToMicros(v.begin_mjd_tai) && mjdToMicros(v.begin_mjd_tai) < mjdToMicros(e.end_mjd_tai))!;
      const detectors = Object.keys(v.detectors).map(Number);
      const biases = await reg.datasets.findFirst('bias', chain, detectors.map((detector) => ({ instrument: problem.instrument, detector })), reg.knex, start);
      const flats = await reg.datasets.findFirst('flat', chain, detectors.map((detector) => ({ instrument: problem.instrument, detector, physical_filter: v.physical_filter })), reg.knex, start);
      for (const ref of [...biases, ...flats]) expect(ref?.run, `visit ${v.id}`).toBe(epoch.run);
      const raws = await reg.datasets.findFirst('raw', chain, detectors.map((detector) => ({ instrument: problem.instrument, detector, exposure: v.exposure })), reg.knex, start);
      for (const ref of raws) expect(fixtureDatasets.get(ref!.id)!.run).toBe(problem.collections['raw_run']);
    }
  });

  it('the input chain summarizes all four types, SynthCam and synthSkyMap', async () => {
    const s = await reg.summaries.get([problem.collections['input_chain']!]);
    expect([...s.datasetTypes].sort()).toEqual(['bias', 'flat', 'raw', 'skyMap']);
    expect([...s.governors.get('instrument')!]).toEqual([problem.instrument]);
    expect([...s.governors.get('skymap')!]).toEqual([problem.skymap]);
  });
});
