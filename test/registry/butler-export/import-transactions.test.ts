/**
 * Imports are one transaction, on each dialect: a broken copy of the LSST fixture that
 * fails near its end leaves the repository exactly as it was (row counts, collections,
 * dataset types, caches), the error names the element/collection/record at fault, and a
 * good import afterwards succeeds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry, Repository } from '../../../registry/index.js';
import { importButlerExport } from '../../../registry/butler-export/butler-import.js';
import { DIALECTS, makeRepo, tempDir } from '../../support/test-repos.js';
import { contentCounts, FIXTURE_EXPORT, rejection } from '../registry-test-helpers.js';

const original = readFileSync(FIXTURE_EXPORT, 'utf8');
const lines = original.split('\n');

/** The fixture with the last line matching `pattern` replaced by `replace(line)`. */
function withLastLine(pattern: RegExp, replace: (line: string) => string): { text: string; line: number } {
  let i = lines.length - 1;
  while (i >= 0 && !pattern.test(lines[i]!)) i--;
  if (i < 0) throw new Error(`no line matches ${pattern}`);
  const copy = [...lines];
  copy[i] = replace(copy[i]!);
  return { text: copy.join('\n'), line: i + 1 };
}

const UNKNOWN_UUID = '0badc0de-0000-4000-8000-000000000000';
const broken = {
  // the last record of the last dimension element (visit_system_membership #12)
  badRecord: withLastLine(/^ {4}visit: 1011$/, () => '    visit: not-a-number'),
  // the very last line: a certification of a dataset that does not exist
  unknownCertified: withLastLine(/^ {4}- !uuid '/, () => `    - !uuid '${UNKNOWN_UUID}'`),
  // the last patch record has an id of the wrong type
  badPatch: withLastLine(/^ {4}id: 48$/, () => '    id: forty-eight'),
  // YAML that does not parse, near the end
  syntax: withLastLine(/^ {4}- !uuid '/, () => "    - !uuid 'unterminated"),
  // a second dataset entry, just before the associations, with a data ID already in its run
  duplicateDataset: {
    text: original.replace('- type: associations\n', [
      '- type: dataset', '  dataset_type: skyMap', '  run: skymaps', '  records:', '  - dataset_id:',
      "    - !uuid '3a36376c-e4f9-4905-bad4-ffa42c95d397'", '    data_id:', '    - skymap: synthSkyMap',
      '    path: skymaps/skyMap/duplicate.fits', '    formatter: x', '- type: associations', '',
    ].join('\n')),
    line: 0,
  },
  // a second validity range that overlaps the first for the same datasets
  overlap: { text: `${original.trimEnd()}\n  - timespan: !lsst.daf.butler.Timespan\n      begin: !butler_time/tai/iso '2024-01-01 00:00:00.000000000'\n      end: !butler_time/tai/iso '2024-01-01 00:01:00.000000000'\n    dataset_ids:\n    - !uuid 'fe21d324-07ba-4eab-b628-2e80165b3bce'\n`, line: 0 },
};

describe.each(DIALECTS)('%s: a failing import leaves nothing', (dialect) => {
  let ctx: Awaited<ReturnType<typeof makeRepo>>;
  let repo: Repository;
  let reg: Registry;
  const dir = tempDir('qg-broken-');
  let before: Awaited<ReturnType<typeof snapshot>>;
  const snapshot = async () => ({
    counts: await contentCounts(repo),
    collections: (await reg.collections.query()).map((c) => c.name),
    types: (await reg.datasetTypes.all()).map((t) => t.name),
  });
  const file = (name: string, text: string) => {
    const path = join(dir.path, `${name}.yaml`);
    writeFileSync(path, text);
    return path;
  };
  beforeAll(async () => {
    ctx = await makeRepo(dialect);
    repo = ctx.repo;
    reg = repo.registry;
    // something already there, so "unchanged" is not just "empty"
    await reg.collections.register('pre/run', 'RUN');
    await reg.dimensions.insert('instrument', [{ name: 'PreCam' }], reg.knex);
    await reg.datasetTypes.register({ name: 'preType', dimensions: ['instrument'], storageClass: 'StructuredDataDict' });
    await reg.datasets.insert('preType', 'pre/run', [{ instrument: 'PreCam' }], reg.knex);
    before = await snapshot();
  });
  afterAll(async () => {
    await ctx.dispose();
    dir.cleanup();
  });

  it('a bad last dimension record: the error names file, element and record', async () => {
    const path = file('bad-record', broken.badRecord.text);
    const e = await rejection(importButlerExport(repo, path));
    expect(e.message).toContain(path);
    expect(e.message).toContain('element visit_system_membership');
    expect(e.message).toContain('visit_system_membership record #12');
    expect(e.message).toContain("'visit' must be an integer");
    expect(await snapshot()).toEqual(before);
  });

  it('a bad last patch: the error names the patch record', async () => {
    const e = await rejection(importButlerExport(repo, file('bad-patch', broken.badPatch.text)));
    expect(e.message).toContain('element patch');
    expect(e.message).toContain('patch record #49');
    expect(await snapshot()).toEqual(before);
  });

  it('an unknown dataset certified at the very end: everything before it is rolled back', async () => {
    const e = await rejection(importButlerExport(repo, file('unknown-certified', broken.unknownCertified.text)));
    expect(e.code).toBe('DATASET_MISSING');
    expect(e.message).toContain('collection SynthCam/calib');
    expect(e.message).toContain(UNKNOWN_UUID);
    expect(await snapshot()).toEqual(before);
  });

  it('an overlapping validity range at the end: CALIB_OVERLAP naming the collection, nothing kept', async () => {
    const e = await rejection(importButlerExport(repo, file('overlap', broken.overlap.text)));
    expect(e.code).toBe('CALIB_OVERLAP');
    expect(e.message).toContain('SynthCam/calib');
    expect(e.message).toContain('flat');
    expect(await snapshot()).toEqual(before);
  });

  it('a YAML syntax error: EXPORT_FORMAT naming file and line, nothing kept', async () => {
    const path = file('syntax', broken.syntax.text);
    const e = await rejection(importButlerExport(repo, path));
    expect(e.code).toBe('EXPORT_FORMAT');
    expect(e.message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
    const line = Number(/:(\d+):\d+:/.exec(e.message)![1]);
    expect(Math.abs(line - broken.syntax.line)).toBeLessThanOrEqual(1);
    expect(await snapshot()).toEqual(before);
  });

  it('not a butler export: a clear EXPORT_FORMAT error', async () => {
    const e = await rejection(importButlerExport(repo, file('not-export', original.replace('Butler Data Repository Export', 'Something Else'))));
    expect(e.code).toBe('EXPORT_FORMAT');
    expect(e.message).toContain('not a butler export');
    const v = await rejection(importButlerExport(repo, file('version', original.replace('version: 1.0.2', 'version: 2.0.0'))));
    expect(v.message).toContain("'2.0.0'");
  });

  // regression: on PostgreSQL this used to be a bare "current transaction is aborted"
  it('a duplicate dataset near the end: the error names the dataset type and data ID', async () => {
    const e = await rejection(importButlerExport(repo, file('duplicate', broken.duplicateDataset.text)));
    expect(e.message).toContain('dataset type skyMap');
    expect(e.message).toContain("skymap: 'synthSkyMap'");
    expect(e.message).toContain('already exists');
  });

  it('after a duplicate dataset nothing is kept either', async () => {
    await rejection(importButlerExport(repo, file('duplicate2', broken.duplicateDataset.text)));
    expect(await snapshot()).toEqual(before);
  });

  it('after all that, the good fixture imports completely', async () => {
    const s = await importButlerExport(repo, FIXTURE_EXPORT);
    expect(s.collections).toBe(6);
    const after = await snapshot();
    expect(after.collections).toEqual([...before.collections, 'SynthCam/calib', 'SynthCam/calib/epoch0', 'SynthCam/calib/epoch1', 'SynthCam/defaults', 'SynthCam/raw/all', 'skymaps'].sort((a, b) => a.localeCompare(b)));
    expect(after.counts['visit_detector_region']).toBe(240);
    expect(after.counts['dataset']).toBe(before.counts['dataset']! + 401);
    expect(after.counts['instrument']).toBe(2);
  });
});
