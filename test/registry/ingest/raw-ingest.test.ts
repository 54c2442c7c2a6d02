/**
 * Raw ingest on every dialect: a folder of generated SimCam raws with bad files among them,
 * idempotent re-ingest, the header cache, transfer modes, path-escape refusals, duplicates
 * and conflicts, per-item recovery from a refused batch, and the ingest rate.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromRaDec, type Repository } from '../../../registry/index.js';
import type { Exposure } from '../../../registry/datastore/exposure-fits.js';
import { HeaderCache, ingestRaws, IngestError, shippedTranslation, type IngestProgress, type TranslationConfig } from '../../../registry/ingest/index.js';
import { DIALECTS, makeRepo, tempDir } from '../../support/test-repos.js';
import { dateObs, simPixels, writeSimExposures, writeSimRaw } from './ingest-fixtures.js';

/** Row count of an element table. */
async function count(repo: Repository, element: string): Promise<number> {
  return (await repo.registry.dimensions.counts(repo.registry.knex)).get(element)!;
}

async function raws(repo: Repository, run = 'SimCam/raw/all') {
  return repo.registry.datasets.query('raw', [run], repo.registry.knex);
}

describe.each(DIALECTS)('raw ingest (%s)', (dialect) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  async function setup() {
    const made = await makeRepo(dialect);
    const data = tempDir('qg-raws-');
    cleanups.push(made.dispose, data.cleanup);
    return { ...made, data: data.path };
  }

  it('ingests a folder, listing the corrupt file and the one missing a keyword with reasons', async () => {
    const { repo, root, data } = await setup();
    const good = writeSimExposures(data, 2, 3);
    writeFileSync(join(data, 'exp0000', 'corrupt.fits'), 'SIMPLE  = garbage, not a FITS header');
    writeSimRaw(join(data, 'exp0001', 'no-date.fits'), { dateObs: dateObs(600), detector: 5, omit: ['DATE-OBS'] });
    const truncated = join(data, 'truncated.fits');
    writeSimRaw(truncated, { dateObs: dateObs(900) });
    truncateSync(truncated, statSync(truncated).size - 100);
    writeFileSync(join(data, 'notes.txt'), 'not a raw');

    const events: IngestProgress[] = [];
    const result = await ingestRaws(repo, [data], { instrument: 'SimCam', onProgress: (p) => events.push(p) });
    expect(result.files).toBe(9);
    expect(result.ingested.map((r) => r.source).sort()).toEqual([...good].sort());
    expect(result.failed.map((f) => [f.path.slice(data.length + 1), f.code])).toEqual([
      ['exp0000/corrupt.fits', 'UNREADABLE'],
      ['exp0001/no-date.fits', 'TRANSLATION'],
      ['truncated.fits', 'UNREADABLE'],
    ]);
    expect(result.failed[0]!.reason).toMatch(/corrupt\.fits: .*(not a FITS file|no END card)/);
    expect(result.failed[1]!.reason).toBe('no-date.fits: observation_start: header keyword DATE-OBS is missing');
    expect(result.failed[2]!.reason).toMatch(/truncated\.fits: .*truncated/);
    expect(events.at(-1)).toEqual({ done: 9, total: 9, ingested: 6, failed: 3 });

    // Registry: exactly the good raws, their exposures (2) and one-to-one visits; nothing of the bad files.
    const refs = await raws(repo);
    expect(refs).toHaveLength(6);
    expect(new Set(refs.map((r) => r.dataId.exposure)).size).toBe(2);
    expect(await count(repo, 'exposure')).toBe(2);
    expect(await count(repo, 'detector')).toBe(3);
    expect(await count(repo, 'visit')).toBe(2);
    expect(await count(repo, 'visit_definition')).toBe(2);
    expect(await count(repo, 'day_obs')).toBe(1);
    const [exposure] = await repo.registry.dimensions.query('exposure', repo.registry.knex, { id: 2024061310800 });
    expect(exposure).toMatchObject({ instrument: 'SimCam', physical_filter: 'SimCam-r', day_obs: 20240613, exposure_time: 30, seq_num: 10800 });
    const [filter] = await repo.registry.dimensions.query('physical_filter', repo.registry.knex);
    expect(filter).toEqual({ instrument: 'SimCam', name: 'SimCam-r', band: 'r' });
    const [visit] = await repo.registry.dimensions.query('visit', repo.registry.knex, { id: 2024061310800 });
    expect(visit).toMatchObject({ name: 'SC_20240613_010800', physical_filter: 'SimCam-r', zenith_angle: 33.25 });

    // Each stored file is a complete copy with its checksum, and reads back as the image written.
    for (const ref of result.ingested) {
      const file = (await repo.fileOf(ref))!;
      expect(file.path).toBe(ref.storedPath);
      const bytes = readFileSync(join(root, file.path));
      expect(file.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(bytes.equals(readFileSync(ref.source))).toBe(true);
      const image = (await repo.get(ref)) as Exposure;
      const detector = Number(ref.dataId.detector);
      const e = ref.source.includes('exp0000') ? 0 : 1;
      expect(image.image).toEqual(simPixels({ detector, dateObs: dateObs(e * 60) }));
    }
    // No temporary files left behind.
    const leftovers = readdirSync(join(root, 'SimCam'), { recursive: true, encoding: 'utf8' }).filter((p) => p.includes('.tmp-'));
    expect(leftovers).toEqual([]);
  });

  it('re-ingests idempotently and reads no header twice (ingest, dry run, new process)', async () => {
    const { repo, root, data } = await setup();
    writeSimExposures(data, 2, 2);
    writeSimRaw(join(data, 'no-filter.fits'), { dateObs: dateObs(999), omit: ['FILTER'] });
    const first = await ingestRaws(repo, [data], { instrument: 'SimCam' });
    expect(first.ingested).toHaveLength(4);
    expect(first.headerReads).toBe(5);
    expect(existsSync(join(root, '.qg', 'header-cache.json'))).toBe(true);
    const before = await repo.registry.dimensions.counts(repo.registry.knex);

    const second = await ingestRaws(repo, [data], { instrument: 'SimCam' });
    expect(second.ingested).toEqual([]);
    expect(second.failed.map((f) => f.code).sort()).toEqual(['ALREADY_INGESTED', 'ALREADY_INGESTED', 'ALREADY_INGESTED', 'ALREADY_INGESTED', 'TRANSLATION']);
    expect(second.failed.find((f) => f.code === 'ALREADY_INGESTED')!.reason).toMatch(/is already ingested in 'SimCam\/raw\/all' \(dataset [0-9a-f-]{36}\)/);
    expect(second.headerReads).toBe(0);
    expect(second.headerCacheHits).toBe(5);
    expect(await repo.registry.dimensions.counts(repo.registry.knex)).toEqual(before);
    expect(await raws(repo)).toHaveLength(4);

    // A dry run with a freshly opened cache (as a new process would have) reads nothing either,
    // and writes nothing to the registry.
    const cache = HeaderCache.forRepository(root);
    const dry = await ingestRaws(repo, [data], { instrument: 'SimCam', dryRun: true, run: 'SimCam/raw/other', headerCache: cache });
    expect(dry.headerReads).toBe(0);
    expect(cache.stats).toEqual({ reads: 0, hits: 5 });
    expect(dry.planned).toHaveLength(4);
    expect(dry.ingested).toEqual([]);
    expect(await repo.registry.collections.has('SimCam/raw/other')).toBe(false);

    // Touching one file invalidates only its entry.
    const touched = join(data, 'exp0000', 'raw_0_0.fits');
    utimesSync(touched, new Date(), new Date(Date.now() + 10_000));
    const third = await ingestRaws(repo, [data], { instrument: 'SimCam', dryRun: true });
    expect(third.headerReads).toBe(1);
    expect(third.planned).toEqual([]);
  });

  it('defines visit regions once when more detectors of known exposures arrive', async () => {
    const { repo, data } = await setup();
    const translation: TranslationConfig = { ...shippedTranslation('SimCam'), visits: { region: { width_deg: 0.5, height_deg: 0.5 } } };
    const overlaps = async () => Number((await repo.registry.db.arrays(repo.registry.knex, repo.registry.knex('visit_htm7_overlap').count({ n: '*' })))[0]![0]);
    writeSimExposures(join(data, 'first'), 2, 2);
    expect((await ingestRaws(repo, [join(data, 'first')], { instrument: 'SimCam', translation })).ingested).toHaveLength(4);
    const [visit] = await repo.registry.dimensions.query('visit', repo.registry.knex, { id: 2024061310800 });
    expect(visit!.region!.contains(fromRaDec(150.1, 2.2))).toBe(true);
    const rows = await overlaps();
    expect(rows).toBeGreaterThan(0);
    // Detectors 2 and 3 of the same two exposures: no new exposure, visit or overlap row.
    for (const e of [0, 1]) for (const d of [2, 3]) writeSimRaw(join(data, 'second', `raw_${e}_${d}.fits`), { dateObs: dateObs(e * 60), detector: d });
    const second = await ingestRaws(repo, [join(data, 'second')], { instrument: 'SimCam', translation });
    expect(second.failed).toEqual([]);
    expect(second.ingested).toHaveLength(4);
    expect(await count(repo, 'visit')).toBe(2);
    expect(await count(repo, 'exposure')).toBe(2);
    expect(await overlaps()).toBe(rows);
  });

  it('refuses direct transfer of files outside the root, and paths that escape it', async () => {
    const { repo, root, data } = await setup();
    const [outside] = writeSimExposures(data, 1, 1);
    await expect(ingestRaws(repo, [outside!], { instrument: 'SimCam', transfer: 'direct' })).rejects.toMatchObject({
      code: 'INGEST_OUTSIDE_ROOT',
      message: expect.stringContaining('must lie inside the repository root'),
    });
    // A symlink inside the root that points outside is still outside.
    mkdirSync(join(root, 'incoming'));
    symlinkSync(outside!, join(root, 'incoming', 'sneaky.fits'));
    await expect(ingestRaws(repo, [join(root, 'incoming')], { instrument: 'SimCam', transfer: 'direct' })).rejects.toBeInstanceOf(IngestError);
    // Run names cannot climb out of the root either.
    await expect(ingestRaws(repo, [outside!], { instrument: 'SimCam', run: '../../etc' })).rejects.toMatchObject({ code: 'INGEST_OPTIONS' });
    expect(await repo.registry.collections.has('SimCam/raw/all')).toBe(false);

    // Inside the root, direct registers the file where it is.
    const inside = join(root, 'incoming', 'night1', 'r1.fits');
    writeSimRaw(inside, { detector: 4 });
    const result = await ingestRaws(repo, [inside], { instrument: 'SimCam', transfer: 'direct' });
    expect(result.failed).toEqual([]);
    expect(result.ingested[0]!.storedPath).toBe('incoming/night1/r1.fits');
    expect(((await repo.get(result.ingested[0]!)) as Exposure).width).toBe(24);
  });

  it('links and symlinks atomically', async () => {
    const { repo, root, data } = await setup();
    const [a, b] = writeSimExposures(data, 2, 1);
    const linked = await ingestRaws(repo, [a!], { instrument: 'SimCam', transfer: 'link' });
    expect(statSync(join(root, linked.ingested[0]!.storedPath)).ino).toBe(statSync(a!).ino);
    const symlinked = await ingestRaws(repo, [b!], { instrument: 'SimCam', transfer: 'symlink' });
    const stored = join(root, symlinked.ingested[0]!.storedPath);
    expect(lstatSync(stored).isSymbolicLink()).toBe(true);
    expect(((await repo.get(symlinked.ingested[0]!)) as Exposure).height).toBe(16);
    await expect(ingestRaws(repo, [a!], { instrument: 'SimCam', transfer: 'move' as never })).rejects.toMatchObject({ code: 'INGEST_OPTIONS' });
  });

  it('reports duplicate data IDs and exposure conflicts, within an ingest and against the registry', async () => {
    const { repo, data } = await setup();
    writeSimRaw(join(data, 'a.fits'), { dateObs: dateObs(0), detector: 0 });
    writeSimRaw(join(data, 'b-same-data-id.fits'), { dateObs: dateObs(0), detector: 0, object: 'copy' });
    writeSimRaw(join(data, 'c-other-filter.fits'), { dateObs: dateObs(0), detector: 1, filter: 'g' });
    const result = await ingestRaws(repo, [data], { instrument: 'SimCam' });
    expect(result.ingested.map((r) => r.source)).toEqual([join(data, 'a.fits')]);
    expect(result.failed.map((f) => f.code)).toEqual(['DUPLICATE', 'CONFLICT']);
    expect(result.failed[0]!.reason).toContain(`has the same data ID {instrument: 'SimCam', exposure: 2024061310800, detector: 0} as ${join(data, 'a.fits')}`);
    expect(result.failed[1]!.reason).toContain("exposure 2024061310800 has physical_filter 'SimCam-g', day_obs 20240613 here but 'SimCam-r'");

    // Another run: the registry's exposure record disagrees with the file.
    const later = join(data, 'later');
    writeSimRaw(join(later, 'd.fits'), { dateObs: dateObs(0), detector: 2, filter: 'i' });
    const again = await ingestRaws(repo, [later], { instrument: 'SimCam', run: 'SimCam/raw/night2' });
    expect(again.failed).toMatchObject([{ code: 'CONFLICT', reason: expect.stringContaining("already defined with physical_filter 'SimCam-r'") }]);
    expect(await raws(repo, 'SimCam/raw/night2')).toEqual([]);
  });

  it('retries a refused batch item by item, removing the files of the items that fail', async () => {
    const { repo, root, data } = await setup();
    writeSimExposures(data, 1, 4);
    const original = repo.insertFileRecords.bind(repo);
    const spy = vi.spyOn(repo, 'insertFileRecords').mockImplementation(async (files, tx) => {
      if (files.some((f) => f.path.includes('detector=2_'))) throw new Error('disk quota exceeded (simulated)');
      return original(files, tx);
    });
    const events: IngestProgress[] = [];
    const result = await ingestRaws(repo, [data], { instrument: 'SimCam', batchSize: 3, onProgress: (p) => events.push(p) });
    spy.mockRestore();
    expect(result.ingested.map((r) => r.dataId.detector).sort()).toEqual([0, 1, 3]);
    expect(result.failed).toMatchObject([{ code: 'REGISTRATION', dataId: { detector: 2 }, reason: expect.stringContaining('disk quota exceeded (simulated)') }]);
    expect(events.map((e) => e.done)).toEqual([3, 4]);
    expect((await raws(repo)).map((r) => r.dataId.detector).sort()).toEqual([0, 1, 3]);
    const stored = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('.fits'));
    expect(stored).toHaveLength(3);
    expect(stored.some((p) => p.includes('detector=2_'))).toBe(false);
  });

  it('ingests 200 small files at a measured rate', async () => {
    const { repo, data } = await setup();
    writeSimExposures(data, 50, 4);
    const result = await ingestRaws(repo, [data], { instrument: 'SimCam' });
    expect(result.ingested).toHaveLength(200);
    expect(result.failed).toEqual([]);
    const again = await ingestRaws(repo, [data], { instrument: 'SimCam', dryRun: true });
    expect(again.headerReads).toBe(0);
    const perFile = (result.seconds * 1000) / 200;
    console.log(`[${dialect}] ingest of 200 files: ${result.seconds.toFixed(3)} s, ${perFile.toFixed(2)} ms/file (copy + sha256); dry re-run ${((again.seconds * 1000) / 200).toFixed(2)} ms/file`);
    expect(perFile).toBeLessThan(50);
  });
});
