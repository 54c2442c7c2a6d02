/**
 * Dataset constraints of data-ID queries against the LSST fixture's export read plainly: the
 * data IDs that have a raw (and a skyMap) in the searched collections. A dimension the where
 * fixes to one value (instrument = 'SynthCam', skymap = 'synthSkyMap') is matched to that
 * value inside the existence test; the same query without those terms (the fixture has one
 * instrument and one skymap) matches row by row, and both must give the export's answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDataIds, type Repository } from '../../../registry/index.js';
import { importButlerExport } from '../../../registry/butler-export/butler-import.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { FIXTURE_EXPORT, loadFixturePlain } from '../registry-test-helpers.js';

/** The data IDs of the export's datasets of `type`, as sorted JSON of `keys`. */
function exportedIds(type: string, keys: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const entry of loadFixturePlain().data) {
    if (entry.type !== 'dataset' || entry['dataset_type'] !== type) continue;
    for (const record of entry['records'] as { data_id: Record<string, unknown>[] }[]) {
      for (const id of record.data_id) ids.add(JSON.stringify(keys.map((k) => id[k])));
    }
  }
  return [...ids].sort();
}

describe.each(DIALECTS)('data-ID queries with dataset constraints equal the export (%s)', (dialect) => {
  let repo: Repository;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ repo, dispose } = await makeRepo(dialect));
    await importButlerExport(repo, FIXTURE_EXPORT);
  });
  afterAll(() => dispose());

  const ids = async (dimensions: string[], datasets: string[], where: string, keys: string[]) => {
    const { columns, rows } = await queryDataIds(repo.registry, { dimensions, datasets, collections: ['SynthCam/defaults'], where });
    return rows.map((r) => JSON.stringify(keys.map((k) => r[columns.indexOf(k)]))).sort();
  };

  it('exposure,detector with a raw: the raws exported, whether the where fixes the instrument or not', async () => {
    const keys = ['instrument', 'exposure', 'detector'];
    const expected = exportedIds('raw', keys);
    expect(expected.length).toBeGreaterThan(100);
    expect(await ids(['exposure', 'detector'], ['raw'], "instrument = 'SynthCam'", keys)).toEqual(expected);
    expect(await ids(['exposure', 'detector'], ['raw'], '', keys)).toEqual(expected);
    // a detector the where excludes takes its raws with it
    expect(await ids(['exposure', 'detector'], ['raw'], "instrument = 'SynthCam' AND detector != 1", keys)).toEqual(expected.filter((e) => JSON.parse(e)[2] !== 1));
  });

  it('with a skyMap too (a type of fixed dimensions only): every raw data ID with the skymap', async () => {
    const keys = ['instrument', 'exposure', 'detector', 'skymap'];
    const skymaps = exportedIds('skyMap', ['skymap']).map((s) => (JSON.parse(s) as string[])[0]);
    expect(skymaps).toEqual(['synthSkyMap']);
    const expected = exportedIds('raw', ['instrument', 'exposure', 'detector']).map((s) => JSON.stringify([...(JSON.parse(s) as unknown[]), 'synthSkyMap'])).sort();
    expect(await ids(['exposure', 'detector', 'skymap'], ['raw', 'skyMap'], "instrument = 'SynthCam' AND skymap = 'synthSkyMap'", keys)).toEqual(expected);
    expect(await ids(['exposure', 'detector', 'skymap'], ['raw', 'skyMap'], '', keys)).toEqual(expected);
  });
});
