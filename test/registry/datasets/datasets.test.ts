/**
 * Datasets on each dialect: inserts into RUNs, duplicates refused with a message naming the
 * data ID, TAGGED association, and find-first search over ordered collection lists checked
 * against a brute-force JS search on seeded random runs, tags and chains.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataId, DatasetRef, Registry } from '../../../registry/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { countRows, flattenChains, rejection } from '../registry-test-helpers.js';
import { Rng } from '../../support/random.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const key = (d: DataId, dims: readonly string[]) => JSON.stringify(dims.map((k) => d[k]));

describe.each(DIALECTS)('%s: datasets', (dialect) => {
  let ctx: Awaited<ReturnType<typeof makeRepo>>;
  let reg: Registry;
  beforeAll(async () => {
    ctx = await makeRepo(dialect);
    reg = ctx.repo.registry;
    await reg.datasetTypes.register({ name: 'dict', dimensions: ['instrument', 'detector'], storageClass: 'StructuredDataDict' });
    await reg.datasetTypes.register({ name: 'raw', dimensions: ['instrument', 'exposure', 'detector'], storageClass: 'Exposure' });
    await reg.datasetTypes.register({ name: 'coadd', dimensions: ['skymap', 'tract', 'patch', 'band'], storageClass: 'ExposureF' });
  });
  afterAll(async () => ctx.dispose());

  describe('dataset types', () => {
    it('re-registering the same definition is a no-op; a different one says what differs', async () => {
      const again = await reg.datasetTypes.register({ name: 'dict', dimensions: ['detector', 'instrument'], storageClass: 'StructuredDataDict' });
      expect(again.name).toBe('dict');
      expect(again.dimensions.required).toEqual(['instrument', 'detector']);
      const e = await rejection(reg.datasetTypes.register({ name: 'dict', dimensions: ['instrument', 'exposure'], storageClass: 'ArrowTable', isCalibration: true }));
      expect(e.code).toBe('DATASET_TYPE_CONFLICT');
      expect(e.message).toContain('storage class StructuredDataDict vs ArrowTable');
      expect(e.message).toContain('isCalibration false vs true');
      expect(e.message).toMatch(/dimensions \{instrument, detector\} vs \{instrument, exposure\}/);
    });

    it('raw declared with its implied dimensions is the same type', async () => {
      const t = await reg.datasetTypes.register({ name: 'raw', dimensions: ['band', 'instrument', 'detector', 'physical_filter', 'exposure'], storageClass: 'Exposure' });
      expect(t.dimensions.required).toEqual(['instrument', 'detector', 'exposure']);
    });

    it('types with the same dimensions share tables; unknown names get a suggestion', async () => {
      const other = await reg.datasetTypes.register({ name: 'dict2', dimensions: ['instrument', 'detector'], storageClass: 'StructuredDataDict' });
      expect(other.tagTable).toBe((await reg.datasetTypes.get('dict')).tagTable);
      expect(other.tagTable).not.toBe((await reg.datasetTypes.get('raw')).tagTable);
      const e = await rejection(reg.datasetTypes.get('rwa'));
      expect(e.code).toBe('DATASET_TYPE_MISSING');
      expect(e.message).toContain("did you mean 'raw'");
      expect((await rejection(reg.datasetTypes.register({ name: 'bad name', dimensions: [], storageClass: 'Config' }))).code).toBe('DATASET_TYPE');
    });
  });

  describe('inserting into RUNs', () => {
    it('returns refs with UUIDs and required-only data IDs, and the run lists them', async () => {
      await reg.collections.register('ins/run', 'RUN');
      const refs = await reg.datasets.insert('raw', 'ins/run', [
        { instrument: 'Cam', exposure: 10, detector: 1, physical_filter: 'Cam-g', band: 'g' },
        { instrument: 'Cam', exposure: '11', detector: 2 },
      ], reg.knex);
      expect(refs).toHaveLength(2);
      for (const r of refs) expect(r.id).toMatch(UUID);
      expect(new Set(refs.map((r) => r.id)).size).toBe(2);
      expect(refs.map((r) => r.dataId)).toEqual([
        { instrument: 'Cam', detector: 1, exposure: 10 },
        { instrument: 'Cam', detector: 2, exposure: 11 },
      ]);
      const listed = await reg.datasets.query('raw', ['ins/run'], reg.knex);
      expect(listed.map((r) => [r.id, r.run, r.collection, r.dataId]).sort()).toEqual(refs.map((r) => [r.id, 'ins/run', 'ins/run', r.dataId]).sort());
      expect(await reg.datasets.byIds(refs.map((r) => r.id.toUpperCase()), reg.knex)).toEqual(refs);
    });

    it('explicit ids are kept (lower-cased); non-UUIDs are refused', async () => {
      await reg.collections.register('ids/run', 'RUN');
      const id = 'A0B1C2D3-E4F5-4A6B-8C7D-9E0F1A2B3C4D';
      const [ref] = await reg.datasets.insert('dict', 'ids/run', [{ instrument: 'Cam', detector: 1 }], reg.knex, [id]);
      expect(ref!.id).toBe(id.toLowerCase());
      await reg.transaction(async (tx) => {
        const e = await rejection(reg.datasets.insert('dict', 'ids/run', [{ instrument: 'Cam', detector: 2 }], tx, ['not-a-uuid']));
        expect(e.message).toContain('not-a-uuid');
      });
    });

    it('only RUNs take new datasets', async () => {
      await reg.collections.register('ins/tag', 'TAGGED');
      const e = await rejection(reg.datasets.insert('dict', 'ins/tag', [{ instrument: 'Cam', detector: 1 }], reg.knex));
      expect(e.code).toBe('COLLECTION_TYPE');
      expect(e.message).toContain('ins/tag');
      expect((await rejection(reg.datasets.insert('dict', 'no/such/run', [{ instrument: 'Cam', detector: 1 }], reg.knex))).code).toBe('COLLECTION_MISSING');
    });

    it('data IDs lacking a key or with a mistyped value are refused, naming the key', async () => {
      await reg.collections.register('bad/run', 'RUN');
      const lacking = await rejection(reg.datasets.insert('raw', 'bad/run', [{ instrument: 'Cam', exposure: 1 }], reg.knex));
      expect(lacking.code).toBe('DATA_ID');
      expect(lacking.message).toContain("'detector'");
      const typed = await rejection(reg.datasets.insert('raw', 'bad/run', [{ instrument: 'Cam', exposure: 'one', detector: 1 }], reg.knex));
      expect(typed.code).toBe('DATA_ID');
      expect(typed.message).toContain("'exposure' must be an integer");
      const fractional = await rejection(reg.datasets.insert('raw', 'bad/run', [{ instrument: 'Cam', exposure: 1.5, detector: 1 }], reg.knex));
      expect(fractional.code).toBe('DATA_ID');
      expect(await reg.datasets.query('raw', ['bad/run'], reg.knex)).toEqual([]);
    });

    // regression: on PostgreSQL the explaining SELECT used to run in the aborted transaction (25P02)
    it('a data ID already in the run is refused with a message naming it, and the transaction keeps nothing', async () => {
      await reg.collections.register('dup/run', 'RUN');
      await reg.datasets.insert('dict', 'dup/run', [{ instrument: 'Cam', detector: 3 }, { instrument: 'Cam', detector: 4 }], reg.knex);
      const datasetsBefore = await countRows(ctx.repo, 'dataset');
      const e = await rejection(reg.transaction((tx) => reg.datasets.insert('dict', 'dup/run', [{ instrument: 'Cam', detector: 5 }, { instrument: 'Cam', detector: 3 }], tx)));
      expect(e.code).toBe('DATASET_CONFLICT');
      expect(e.message).toContain("instrument: 'Cam'");
      expect(e.message).toContain('detector: 3');
      expect(e.message).toContain('dup/run');
      expect(e.message).not.toContain('detector: 5');
      expect(await countRows(ctx.repo, 'dataset')).toBe(datasetsBefore);
      expect((await reg.datasets.query('dict', ['dup/run'], reg.knex)).map((r) => r.dataId['detector']).sort()).toEqual([3, 4]);
    });

    it('a duplicate inside a transaction keeps nothing of the whole call', async () => {
      await reg.collections.register('dup3/run', 'RUN');
      await reg.datasets.insert('dict', 'dup3/run', [{ instrument: 'Cam', detector: 3 }], reg.knex);
      const before = await countRows(ctx.repo, 'dataset');
      await rejection(reg.transaction((tx) => reg.datasets.insert('dict', 'dup3/run', [{ instrument: 'Cam', detector: 5 }, { instrument: 'Cam', detector: 3 }], tx)));
      expect(await countRows(ctx.repo, 'dataset')).toBe(before);
      expect((await reg.datasets.query('dict', ['dup3/run'], reg.knex)).map((r) => r.dataId['detector'])).toEqual([3]);
    });

    it('the same data ID twice in one call is refused, naming it', async () => {
      await reg.collections.register('dup2/run', 'RUN');
      const e = await rejection(reg.transaction((tx) => reg.datasets.insert('raw', 'dup2/run', [
        { instrument: 'Cam', exposure: 7, detector: 1 }, { instrument: 'Cam', exposure: 8, detector: 1 }, { instrument: 'Cam', exposure: 7, detector: 1 },
      ], tx)));
      expect(e.code).toBe('DATASET_CONFLICT');
      expect(e.message).toContain('exposure: 7');
      expect(e.message).toContain('detector: 1');
      expect(await reg.datasets.query('raw', ['dup2/run'], reg.knex)).toEqual([]);
    });

    // regression: dataset rows used to stay behind when the tag insert failed outside a transaction
    it('a refused duplicate outside a transaction leaves no orphan dataset row', async () => {
      await reg.collections.register('orphan/run', 'RUN');
      await reg.datasets.insert('dict', 'orphan/run', [{ instrument: 'Cam', detector: 1 }], reg.knex);
      const before = await countRows(ctx.repo, 'dataset');
      const e = await rejection(reg.datasets.insert('dict', 'orphan/run', [{ instrument: 'Cam', detector: 1 }], reg.knex));
      expect(e.code).toBe('DATASET_CONFLICT');
      expect(await countRows(ctx.repo, 'dataset')).toBe(before);
    });

    it('the same data ID may be in different runs', async () => {
      await reg.collections.register('same/a', 'RUN');
      await reg.collections.register('same/b', 'RUN');
      const [a] = await reg.datasets.insert('dict', 'same/a', [{ instrument: 'Cam', detector: 1 }], reg.knex);
      const [b] = await reg.datasets.insert('dict', 'same/b', [{ instrument: 'Cam', detector: 1 }], reg.knex);
      expect(a!.id).not.toBe(b!.id);
    });
  });

  describe('TAGGED association', () => {
    it('associates datasets of several types; the tag lists them with their runs', async () => {
      await reg.collections.register('tg/r1', 'RUN');
      await reg.collections.register('tg/r2', 'RUN');
      await reg.collections.register('tg/tag', 'TAGGED');
      const d1 = await reg.datasets.insert('dict', 'tg/r1', [{ instrument: 'Cam', detector: 1 }, { instrument: 'Cam', detector: 2 }], reg.knex);
      const d2 = await reg.datasets.insert('dict', 'tg/r2', [{ instrument: 'Cam', detector: 3 }], reg.knex);
      const c1 = await reg.datasets.insert('coadd', 'tg/r2', [{ skymap: 'sm', tract: 0, patch: 4, band: 'r' }], reg.knex);
      await reg.datasets.associate('tg/tag', [d1[0]!, d2[0]!, c1[0]!], reg.knex);
      const dicts = await reg.datasets.query('dict', ['tg/tag'], reg.knex);
      expect(dicts.map((r) => [r.id, r.run, r.collection]).sort()).toEqual([[d1[0]!.id, 'tg/r1', 'tg/tag'], [d2[0]!.id, 'tg/r2', 'tg/tag']].sort());
      expect((await reg.datasets.query('coadd', ['tg/tag'], reg.knex)).map((r) => r.id)).toEqual([c1[0]!.id]);
      // the datasets are still in their runs
      expect((await reg.datasets.query('dict', ['tg/r1'], reg.knex))).toHaveLength(2);
    });

    it('two datasets with one data ID cannot share a tag; RUNs cannot be associated into', async () => {
      await reg.collections.register('tg2/a', 'RUN');
      await reg.collections.register('tg2/b', 'RUN');
      await reg.collections.register('tg2/tag', 'TAGGED');
      const [a] = await reg.datasets.insert('dict', 'tg2/a', [{ instrument: 'Cam', detector: 9 }], reg.knex);
      const [b] = await reg.datasets.insert('dict', 'tg2/b', [{ instrument: 'Cam', detector: 9 }], reg.knex);
      await reg.datasets.associate('tg2/tag', [a!], reg.knex);
      const e = await rejection(reg.transaction((tx) => reg.datasets.associate('tg2/tag', [b!], tx)));
      expect(e.code).toBe('DATASET_CONFLICT');
      expect(e.message).toContain('detector: 9');
      expect(e.message).toContain('tg2/tag');
      expect((await reg.datasets.query('dict', ['tg2/tag'], reg.knex)).map((r) => r.id)).toEqual([a!.id]);
      expect((await rejection(reg.datasets.associate('tg2/b', [a!], reg.knex))).code).toBe('COLLECTION_TYPE');
    });

    it('unknown dataset ids are refused, listing them', async () => {
      const e = await rejection(reg.datasets.byIds(['00000000-0000-4000-8000-000000000000'], reg.knex));
      expect(e.code).toBe('DATASET_MISSING');
      expect(e.message).toContain('00000000-0000-4000-8000-000000000000');
    });
  });

  describe('find-first over ordered collections vs a brute-force search', () => {
    it('repeated data IDs in one request all get the answer', async () => {
      await reg.collections.register('rep/run', 'RUN');
      const [ref] = await reg.datasets.insert('dict', 'rep/run', [{ instrument: 'Cam', detector: 3 }], reg.knex);
      const found = await reg.datasets.findFirst('dict', ['rep/run'], [{ instrument: 'Cam', detector: 3 }, { instrument: 'Cam', detector: 4 }, { instrument: 'Cam', detector: '3' }], reg.knex);
      expect(found.map((r) => r?.id)).toEqual([ref!.id, undefined, ref!.id]);
    });


    it.each([11, 22, 33])('seed %i', async (seed) => {
      const rng = new Rng(seed);
      const p = `ff${seed}`;
      const dims = ['instrument', 'detector'];
      const allIds: DataId[] = [];
      for (const instrument of ['A', 'B']) for (let detector = 0; detector < 5; detector++) allIds.push({ instrument, detector });
      // what each non-chain collection holds: data ID key -> dataset id
      const holds = new Map<string, Map<string, string>>();
      const runOf = new Map<string, string>();
      const byKey = new Map<string, DatasetRef[]>();
      const runs = Array.from({ length: 4 }, (_, i) => `${p}/run${i}`);
      for (const run of runs) {
        await reg.collections.register(run, 'RUN');
        const chosen = rng.subset(allIds, 0.5);
        const refs = await reg.datasets.insert('dict', run, chosen, reg.knex);
        holds.set(run, new Map(refs.map((r) => [key(r.dataId, dims), r.id])));
        for (const r of refs) {
          runOf.set(r.id, run);
          byKey.set(key(r.dataId, dims), [...(byKey.get(key(r.dataId, dims)) ?? []), r]);
        }
      }
      const tags = Array.from({ length: 2 }, (_, i) => `${p}/tag${i}`);
      for (const tag of tags) {
        await reg.collections.register(tag, 'TAGGED');
        const chosen: DatasetRef[] = [];
        for (const list of byKey.values()) if (rng.bool(0.5)) chosen.push(rng.pick(list));
        await reg.datasets.associate(tag, chosen, reg.knex);
        holds.set(tag, new Map(chosen.map((r) => [key(r.dataId, dims), r.id])));
      }
      const children = new Map<string, string[]>();
      const chains: string[] = [];
      for (let i = 0; i < 3; i++) {
        const name = `${p}/chain${i}`;
        await reg.collections.register(name, 'CHAINED');
        const kids = [...new Set(Array.from({ length: rng.int(1, 4) }, () => rng.pick([...runs, ...tags, ...chains])))];
        await reg.collections.setChain(name, kids);
        children.set(name, kids);
        chains.push(name);
      }
      const wanted = [...allIds, { instrument: 'C', detector: 0 }];
      for (let q = 0; q < 12; q++) {
        const order = Array.from({ length: rng.int(1, 4) }, () => rng.pick([...runs, ...tags, ...chains]));
        const searched = flattenChains(children, order);
        const expected = wanted.map((d) => {
          for (const c of searched) {
            const id = holds.get(c)!.get(key(d, dims));
            if (id) return { id, run: runOf.get(id)!, collection: c };
          }
          return undefined;
        });
        const found = await reg.datasets.findFirst('dict', order, wanted, reg.knex);
        expect(found.map((r) => r && [r.id, r.run, r.dataId]), JSON.stringify(order)).toEqual(expected.map((e, i) => e && [e.id, e.run, wanted[i]]));
        const ff = await reg.datasets.query('dict', order, reg.knex, { findFirst: true });
        expect(ff.map((r) => [key(r.dataId, dims), r.id, r.collection]).sort(), JSON.stringify(order))
          .toEqual(expected.flatMap((e, i) => (e ? [[key(wanted[i]!, dims), e.id, e.collection]] : [])).sort());
        const everything = await reg.datasets.query('dict', order, reg.knex);
        expect(everything.map((r) => [r.collection, r.id]).sort()).toEqual(searched.flatMap((c) => [...holds.get(c)!.values()].map((id) => [c, id])).sort());
      }
    });
  });
});
