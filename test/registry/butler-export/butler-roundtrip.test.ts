/**
 * Export round trips on each dialect: fixture -> import -> export -> import into a fresh
 * repository -> export gives identical text and equal registry content (records,
 * collections, datasets with ids, files, certifications); the export keeps the fixture's
 * dataset ids and validity ranges; both dialects export the same text; and a synthetic
 * repository with what the fixture lacks (tags, docs, nested/empty chains, unbounded
 * validity, files, binary and odd floats) round-trips too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importButlerExport } from '../../../registry/butler-export/butler-import.js';
import { exportButlerYaml } from '../../../registry/butler-export/butler-export.js';
import { ConvexPolygon, TIME_MAX, TIME_MIN, type Repository } from '../../../registry/index.js';
import { DIALECTS, makeRepo, tempDir } from '../../support/test-repos.js';
import { FIXTURE_EXPORT, isoTaiToNs, loadFixturePlain, parseExportPlain, registryContent, unitFromRaDec, type RawEntry } from '../registry-test-helpers.js';

const exports = new Map<string, string>();

/** Dataset ids per type, and certified ids per exact validity range, of a plain-parsed export. */
function digest(data: RawEntry[]) {
  const ids: Record<string, string[]> = {};
  for (const e of data.filter((x) => x.type === 'dataset')) {
    for (const rec of e['records'] as { dataset_id: string[] }[]) (ids[String(e['dataset_type'])] ??= []).push(...rec.dataset_id);
  }
  for (const list of Object.values(ids)) list.sort();
  const ranges: Record<string, string[]> = {};
  for (const e of data.filter((x) => x.type === 'associations')) {
    for (const r of (e['validity_ranges'] as { timespan: { begin: string; end: string }; dataset_ids: string[] }[]) ?? []) {
      (ranges[`${e['collection']} ${r.timespan.begin} ${r.timespan.end}`] ??= []).push(...r.dataset_ids);
    }
  }
  for (const list of Object.values(ranges)) list.sort();
  const collections = data.filter((x) => x.type === 'collection').map((c) => [c['name'], c['collection_type'], c['children'] ?? null]).sort();
  return { ids, ranges, collections };
}

describe.each(DIALECTS)('%s: export round trip', (dialect) => {
  let a: Awaited<ReturnType<typeof makeRepo>>;
  let b: Awaited<ReturnType<typeof makeRepo>>;
  const dir = tempDir('qg-roundtrip-');
  let text1 = '';
  let text2 = '';
  beforeAll(async () => {
    a = await makeRepo(dialect);
    b = await makeRepo(dialect);
    await importButlerExport(a.repo, FIXTURE_EXPORT);
    text1 = await exportButlerYaml(a.repo);
    const path = join(dir.path, 'export1.yaml');
    writeFileSync(path, text1);
    await importButlerExport(b.repo, path);
    text2 = await exportButlerYaml(b.repo);
    exports.set(dialect, text1);
  });
  afterAll(async () => {
    await a.dispose();
    await b.dispose();
    dir.cleanup();
  });

  it('export -> import -> export gives identical text', () => {
    expect(text1.length).toBeGreaterThan(100_000);
    expect(text2).toBe(text1);
  });

  it('the two registries hold the same content', async () => {
    const ca = await registryContent(a.repo);
    const cb = await registryContent(b.repo);
    expect(cb).toEqual(ca);
    // sanity: the snapshot is not trivially empty
    expect((ca['records'] as Record<string, unknown[]>)['visit_detector_region']).toHaveLength(240);
    expect(Object.keys(ca['certified'] as object).length).toBe(2);
  });

  it('the export is a butler export holding the fixture dataset ids, collections and validity ranges', () => {
    const parsed = parseExportPlain(text1);
    expect(parsed['description']).toBe('Butler Data Repository Export');
    expect(String(parsed['version'])).toMatch(/^1\.0\.\d+$/);
    const mine = digest(parsed.data);
    const theirs = digest(loadFixturePlain().data);
    expect(mine.ids).toEqual(theirs.ids);
    expect(mine.ranges).toEqual(theirs.ranges);
    expect(mine.collections).toEqual(theirs.collections);
    // tags are written as LSST writes them
    expect(text1).toContain('!<lsst.sphgeom.ConvexPolygon>');
    expect(text1).toMatch(/!butler_time\/tai\/iso '2023-12-31 00:00:00\.000000000'/);
    expect(text1).toContain('!lsst.daf.butler.Timespan');
    expect(text1).toMatch(/!uuid '[0-9a-f-]{36}'/);
    expect(text1).toContain('!!binary');
  });

  it('importing the same content again is refused and changes nothing', async () => {
    const before = await registryContent(b.repo);
    const e = await (async () => {
      try {
        await importButlerExport(b.repo, join(dir.path, 'export1.yaml'));
      } catch (err) {
        return err as Error & { code?: string };
      }
      throw new Error('expected a failure');
    })();
    // checked before anything is written: the dataset ids are already there
    expect(e.code).toBe('DATASET_CONFLICT');
    expect(e.message).toMatch(/dataset id [0-9a-f-]{36} already exists in the registry/);
    expect(await registryContent(b.repo)).toEqual(before);
  });
});

/** A repository using what the fixture does not: TAGGED collections, docs, nested and empty chains, unbounded validity, files, odd values. */
async function fillSynthetic(repo: Repository): Promise<void> {
  const reg = repo.registry;
  const tx = reg.knex;
  const t = (iso: string) => isoTaiToNs(iso);
  await reg.dimensions.insert('instrument', [{ name: 'Cam', visit_max: 2 ** 53 - 1, detector_max: 3, class_name: 'it\'s "Cam" ☃' }], tx);
  await reg.dimensions.insert('band', [{ name: 'g' }], tx);
  await reg.dimensions.insert('physical_filter', [{ instrument: 'Cam', name: 'Cam-g', band: 'g' }], tx);
  await reg.dimensions.insert('detector', [0, 1, 2].map((id) => ({ instrument: 'Cam', id, full_name: `D${id}`, purpose: id ? 'SCIENCE' : null })), tx);
  await reg.dimensions.insert('day_obs', [{ instrument: 'Cam', id: 20240101, timespan: { begin: t('2024-01-01 12:00:00'), end: t('2024-01-02 12:00:00') } }], tx);
  await reg.dimensions.insert('exposure', [
    { instrument: 'Cam', id: 1, physical_filter: 'Cam-g', day_obs: 20240101, exposure_time: 0.1 + 0.2, dark_time: 1e-300, has_simulated: true, group_name: '1', timespan: { begin: t('2024-01-01 00:00:00.000000001'), end: t('2024-01-01 00:00:30.999999999') } },
    { instrument: 'Cam', id: 2, physical_filter: 'Cam-g', day_obs: 20240101, exposure_time: 2.5e-8, has_simulated: false, timespan: { begin: TIME_MIN, end: t('2024-01-01 01:00:00') } },
    { instrument: 'Cam', id: 3, physical_filter: null, day_obs: null, timespan: null },
  ], tx);
  await reg.dimensions.insert('skymap', [{ name: 'sm', hash: Uint8Array.from([0, 255, 10, 13, 0x80]), tract_max: 1 }], tx);
  await reg.dimensions.insert('tract', [{ skymap: 'sm', id: 0, region: new ConvexPolygon([unitFromRaDec(10, 10), unitFromRaDec(11, 10), unitFromRaDec(11, 11), unitFromRaDec(10, 11)]) }], tx);
  await reg.collections.register('syn/r1', 'RUN', 'the first run');
  await reg.collections.register('syn/r2', 'RUN');
  await reg.collections.register('syn/tag', 'TAGGED', 'hand-picked');
  await reg.collections.register('syn/cal', 'CALIBRATION', 'calibrations');
  await reg.collections.register('syn/inner', 'CHAINED');
  await reg.collections.register('syn/outer', 'CHAINED', 'everything');
  await reg.collections.register('syn/empty', 'CHAINED');
  await reg.collections.setChain('syn/inner', ['syn/tag', 'syn/cal']);
  await reg.collections.setChain('syn/outer', ['syn/r2', 'syn/inner', 'syn/r1']);
  await reg.datasetTypes.register({ name: 'raw', dimensions: ['instrument', 'exposure', 'detector'], storageClass: 'Exposure' });
  await reg.datasetTypes.register({ name: 'bias', dimensions: ['instrument', 'detector'], storageClass: 'ExposureF', isCalibration: true });
  await reg.datasetTypes.register({ name: 'meta', dimensions: ['instrument'], storageClass: 'StructuredDataDict' });
  await reg.datasetTypes.register({ name: 'unused', dimensions: ['skymap', 'tract'], storageClass: 'Config' });
  const r1 = await reg.datasets.insert('raw', 'syn/r1', [1, 2].flatMap((exposure) => [0, 1].map((detector) => ({ instrument: 'Cam', exposure, detector }))), tx);
  const r2 = await reg.datasets.insert('raw', 'syn/r2', [{ instrument: 'Cam', exposure: 3, detector: 2 }, { instrument: 'Cam', exposure: 1, detector: 0 }], tx);
  const meta = await repo.put({ hello: 'world' }, 'meta', { instrument: 'Cam' }, 'syn/r1');
  await reg.datasets.associate('syn/tag', [r1[0]!, r1[3]!, r2[0]!, meta], tx);
  const biases = await reg.datasets.insert('bias', 'syn/r2', [0, 1].map((detector) => ({ instrument: 'Cam', detector })), tx);
  const more = await reg.datasets.insert('bias', 'syn/r1', [0].map((detector) => ({ instrument: 'Cam', detector })), tx);
  await reg.datasets.certify('syn/cal', [biases[0]!], { begin: TIME_MIN, end: t('2024-01-01 00:00:00') }, tx);
  await reg.datasets.certify('syn/cal', [more[0]!, biases[1]!], { begin: t('2024-01-01 00:00:00'), end: t('2024-06-01 00:00:00.000000001') }, tx);
  await reg.datasets.certify('syn/cal', [biases[0]!], { begin: t('2024-06-01 00:00:00.000000001'), end: TIME_MAX }, tx);
}

describe.each(DIALECTS)('%s: round trip of what the fixture lacks', (dialect) => {
  it('tags, docs, chains, unbounded validity, files and odd values survive export -> import -> export', async () => {
    const a = await makeRepo(dialect);
    const b = await makeRepo(dialect);
    const dir = tempDir('qg-syn-');
    try {
      await fillSynthetic(a.repo);
      const text1 = await exportButlerYaml(a.repo);
      const path = join(dir.path, 'syn.yaml');
      writeFileSync(path, text1);
      await importButlerExport(b.repo, path);
      const text2 = await exportButlerYaml(b.repo);
      expect(text2).toBe(text1);
      const ca = await registryContent(a.repo);
      expect(await registryContent(b.repo)).toEqual(ca);
      expect((ca['tagged'] as Record<string, string[]>)['syn/tag']).toHaveLength(4);
      expect((ca['certified'] as Record<string, string[]>)['syn/cal/bias']).toHaveLength(4);
      expect(ca['chains']).toEqual({ 'syn/empty': [], 'syn/inner': ['syn/tag', 'syn/cal'], 'syn/outer': ['syn/r2', 'syn/inner', 'syn/r1'] });
      expect((ca['collections'] as unknown[][]).find((c) => c[0] === 'syn/outer')).toEqual(['syn/outer', 'CHAINED', 'everything']);
    } finally {
      await a.dispose();
      await b.dispose();
      dir.cleanup();
    }
  });
});

describe.runIf(DIALECTS.length > 1)('across dialects', () => {

  it('every dialect exports the same text', () => {
    const texts = DIALECTS.map((d) => exports.get(d));
    expect(texts.every((t) => t !== undefined)).toBe(true);
    for (const t of texts) expect(t).toBe(texts[0]);
  });
});
