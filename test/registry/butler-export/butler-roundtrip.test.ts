/**
 * Export round trips on each dialect: fixture -> import -> export -> import into a fresh
 * repository -> export gives identical text and equal registry content (records,
 * collections, datasets with ids, files, certifications); the export keeps the fixture's
 * dataset ids and validity ranges; and both dialects export the same text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importButlerExport } from '../../../registry/butler-export/butler-import.js';
import { exportButlerYaml } from '../../../registry/butler-export/butler-export.js';
import { DIALECTS, makeRepo, tempDir } from '../../support/test-repos.js';
import { FIXTURE_EXPORT, loadFixturePlain, parseExportPlain, registryContent, type RawEntry } from '../registry-test-helpers.js';

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
    expect(e.code).toBe('DIMENSION_RECORD');
    expect(e.message).toContain('element instrument'); // the export lists elements in universe order
    expect(await registryContent(b.repo)).toEqual(before);
  });
});

describe.runIf(DIALECTS.length > 1)('across dialects', () => {
  it('every dialect exports the same text', () => {
    const texts = [...exports.values()];
    expect(texts.length).toBe(DIALECTS.length);
    for (const t of texts) expect(t).toBe(texts[0]);
  });
});
