/**
 * The datastore on each dialect: atomic writes (no temporary files left; a failing
 * formatter or a failing registration leaves no file and nothing registered), checksums
 * and sizes recorded, reads of truncated/missing/corrupt files failing with the dataset
 * and path named, and no template or data ID value able to put a file outside the root.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { tableFromArrays, type Table } from 'apache-arrow';
import { checkRelative, Datastore, resolveInside, type DatasetRef, type Registry, type Repository } from '../../../registry/index.js';
import { importButlerExport } from '../../../registry/butler-export/butler-import.js';
import { DIALECTS, makeRepo, tempDir } from '../../support/test-repos.js';
import { countRows, rejection, thrown } from '../registry-test-helpers.js';

/** Every file under `dir`, relative, sorted. */
function walk(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name), base) : [relative(base, join(dir, d.name))])).sort();
}
/** Data files only (not the registry, its journal or the config). */
const dataFiles = (root: string) => walk(root).filter((f) => !f.startsWith('registry.sqlite3') && f !== 'qg.yaml');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const inside = (root: string, path: string) => {
  const rel = relative(resolve(root), resolve(root, path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
};

describe.each(DIALECTS)('%s: datastore', (dialect) => {
  let ctx: Awaited<ReturnType<typeof makeRepo>>;
  let repo: Repository;
  let reg: Registry;
  beforeAll(async () => {
    ctx = await makeRepo(dialect);
    repo = ctx.repo;
    reg = repo.registry;
    await reg.datasetTypes.register({ name: 'meta', dimensions: ['instrument', 'detector'], storageClass: 'StructuredDataDict' });
    await reg.datasetTypes.register({ name: 'config', dimensions: [], storageClass: 'Config' });
    await reg.datasetTypes.register({ name: 'catalog', dimensions: ['instrument', 'physical_filter'], storageClass: 'ArrowTable' });
    await reg.datasetTypes.register({ name: 'weird', dimensions: ['instrument'], storageClass: 'NoSuchStorageClass' });
    await reg.collections.register('ds/run', 'RUN');
  });
  afterAll(async () => ctx.dispose());

  describe('writes', () => {
    it('put writes the file under the root, records its checksum and size, and get reads it back', async () => {
      const value = { a: 1, nested: { list: [1, 2, 3], text: 'snow ☃' } };
      const ref = await repo.put(value, 'meta', { instrument: 'Cam', detector: 1 }, 'ds/run');
      const file = (await repo.fileOf(ref))!;
      expect(file.path).not.toMatch(/^\//);
      const full = join(ctx.root, file.path);
      const bytes = readFileSync(full);
      expect(file.size).toBe(statSync(full).size);
      expect(file.checksum).toBe(sha256(bytes));
      expect(file.storageClass).toBe('StructuredDataDict');
      expect(JSON.parse(bytes.toString('utf8'))).toEqual(value);
      expect(await repo.get(ref)).toEqual(value);
      expect(file.path).toContain(ref.id);
    });

    it('YAML configs and Arrow tables round-trip', async () => {
      const config = { doWrite: true, threshold: 5.5, names: ['a', 'b'] };
      const cref = await repo.put(config, 'config', {}, 'ds/run');
      expect(await repo.get(cref)).toEqual(config);
      const table = tableFromArrays({ id: Int32Array.from([1, 2, 3]), flux: Float64Array.from([0.5, 1.5, -2]) });
      const tref = await repo.put(table, 'catalog', { instrument: 'Cam', physical_filter: 'Cam-r' }, 'ds/run');
      const back = (await repo.get(tref)) as Table;
      expect(back.numRows).toBe(3);
      expect([...back.getChild('flux')!.toArray()]).toEqual([0.5, 1.5, -2]);
      const file = (await repo.fileOf(tref))!;
      expect(file.checksum).toBe(sha256(readFileSync(join(ctx.root, file.path))));
    });

    it('putMany writes every file in one go and leaves no temporary files', async () => {
      const refs = await repo.putMany(Array.from({ length: 25 }, (_, i) => ({ value: { i }, dataId: { instrument: 'Many', detector: i } })), 'meta', 'ds/run');
      expect(refs).toHaveLength(25);
      for (const r of refs) expect(await repo.get(r)).toEqual({ i: r.dataId['detector'] });
      expect(walk(ctx.root).filter((f) => f.includes('.tmp'))).toEqual([]);
    });

    it('a failing formatter leaves no file and registers nothing', async () => {
      const before = dataFiles(ctx.root);
      const datasets = await countRows(repo, 'dataset');
      const circular: Record<string, unknown> = { name: 'loop' };
      circular['self'] = circular;
      await rejection(repo.put(circular, 'meta', { instrument: 'Cam', detector: 99 }, 'ds/run'));
      const bigint = await rejection(repo.put({ n: 1n }, 'config', {}, 'ds/run'));
      expect(bigint).toBeInstanceOf(Error);
      const unknown = await rejection(repo.put({}, 'weird', { instrument: 'Cam' }, 'ds/run'));
      expect(unknown.code).toBe('FORMATTER');
      expect(unknown.message).toContain('NoSuchStorageClass');
      expect(dataFiles(ctx.root)).toEqual(before);
      expect(await countRows(repo, 'dataset')).toBe(datasets);
      expect(await reg.datasets.query('meta', ['ds/run'], reg.knex).then((r) => r.filter((x) => x.dataId['detector'] === 99))).toEqual([]);
    });

    // regression: files written before a later item's formatter threw used to stay on disk
    it('a formatter failing midway through putMany leaves no file of the batch', async () => {
      const before = dataFiles(ctx.root);
      const circular: Record<string, unknown> = {};
      circular['self'] = circular;
      await rejection(repo.putMany([
        { value: { fine: 1 }, dataId: { instrument: 'Batch', detector: 1 } },
        { value: { fine: 2 }, dataId: { instrument: 'Batch', detector: 2 } },
        { value: circular, dataId: { instrument: 'Batch', detector: 3 } },
      ], 'meta', 'ds/run'));
      expect(await reg.datasets.query('meta', ['ds/run'], reg.knex).then((r) => r.filter((x) => x.dataId['instrument'] === 'Batch'))).toEqual([]);
      expect(dataFiles(ctx.root)).toEqual(before);
    });

    it('a failing registration (duplicate data ID) removes the file it wrote', async () => {
      const first = await repo.put({ v: 1 }, 'meta', { instrument: 'Dup', detector: 1 }, 'ds/run');
      const before = dataFiles(ctx.root);
      const records = await countRows(repo, 'datastore_record');
      await rejection(repo.put({ v: 2 }, 'meta', { instrument: 'Dup', detector: 1 }, 'ds/run'));
      expect(dataFiles(ctx.root)).toEqual(before);
      expect(await countRows(repo, 'datastore_record')).toBe(records);
      expect(await repo.get(first)).toEqual({ v: 1 });
      expect(walk(ctx.root).filter((f) => f.includes('.tmp'))).toEqual([]);
    });
  });

  describe('reads of damaged files name the dataset and the path', () => {
    const damaged = async (detector: number) => {
      const ref = await repo.put({ payload: 'x'.repeat(100) }, 'meta', { instrument: 'Dmg', detector }, 'ds/run');
      const file = (await repo.fileOf(ref))!;
      return { ref, file, full: join(ctx.root, file.path) };
    };
    const named = (e: Error, ref: DatasetRef, path: string) => {
      expect(e.message).toContain('meta');
      expect(e.message).toContain('"Dmg"');
      expect(e.message).toContain(`"detector":${ref.dataId['detector']}`);
      expect(e.message).toContain(path);
    };

    it('truncated', async () => {
      const { ref, file, full } = await damaged(1);
      truncateSync(full, 10);
      const e = await rejection(repo.get(ref));
      expect(e.code).toBe('FILE_SIZE');
      named(e, ref, file.path);
      expect(e.message).toContain(`expected ${file.size}`);
    });

    it('missing', async () => {
      const { ref, file, full } = await damaged(2);
      unlinkSync(full);
      const e = await rejection(repo.get(ref));
      expect(e.code).toBe('FILE_MISSING');
      named(e, ref, file.path);
    });

    it('same size but different bytes: the checksum catches it, the formatter error names it', async () => {
      const { ref, file, full } = await damaged(3);
      const bytes = readFileSync(full);
      bytes[0] = '#'.charCodeAt(0);
      writeFileSync(full, bytes);
      const sum = thrown(() => repo.datastore.read(ref, file, { verifyChecksum: true }));
      expect(sum.code).toBe('FILE_CHECKSUM');
      named(sum, ref, file.path);
      const corrupt = await rejection(repo.get(ref));
      expect(corrupt.code).toBe('FILE_CORRUPT');
      named(corrupt, ref, file.path);
    });

    it('a stored path leading out of the root is refused on read', () => {
      const ref: DatasetRef = { id: '00000000-0000-4000-8000-000000000001', datasetType: 'meta', run: 'ds/run', dataId: {} };
      const e = thrown(() => repo.datastore.read(ref, { datasetId: ref.id, path: '../outside.json', formatter: 'json', storageClass: 'StructuredDataDict', checksum: '', size: 2 }));
      expect(e.code).toBe('PATH');
    });
  });

  describe('nothing escapes the root', () => {
    const ref = (dataId: Record<string, string | number>, run = 'ds/run'): DatasetRef => ({ id: '11111111-2222-4333-8444-555555555555', datasetType: 'meta', run, dataId });

    it.each([
      '../{run}/{id}', '/tmp/{id}', '{run}/../../{id}', '{run}/../{id}', '..', 'a/../../{id}', '{nosuchfield}/{id}',
    ])('template %j is refused', (template) => {
      const outer = tempDir('qg-escape-');
      try {
        const root = join(outer.path, 'root');
        const e = thrown(() => new Datastore(root, template).write(ref({ instrument: 'Cam', detector: 1 }), 'StructuredDataDict', { x: 1 }));
        expect(e.code).toBe('PATH');
        expect(walk(outer.path)).toEqual([]);
      } finally {
        outer.cleanup();
      }
    });

    it.each([
      ['..', '..'], ['../..', '/etc'], ['../../../../tmp/evil', 'a/../../b'], ['..\\..\\x', '.'], ['/abs', '~'], ['x/..', '...'],
    ])('data ID values %j / %j stay inside the root', (instrument, physical_filter) => {
      const outer = tempDir('qg-escape-');
      try {
        const root = join(outer.path, 'root');
        for (const template of ['{instrument}/{physical_filter}/{id}', '{run}/{datasetType}/{dataId}_{id}', '{instrument}{physical_filter}/{id}', '{physical_filter}/{instrument}/{id}']) {
          const store = new Datastore(root, template);
          let file;
          try {
            file = store.write(ref({ instrument, physical_filter }), 'StructuredDataDict', { template });
          } catch (e) {
            // refusing is fine too; escaping is not
            expect((e as { code?: string }).code).toBe('PATH');
            continue;
          }
          expect(inside(root, file.path), file.path).toBe(true);
          expect(file.path.split(/[\\/]/)).not.toContain('..');
          expect(existsSync(join(root, file.path))).toBe(true);
        }
        // nothing at all was written next to the root
        expect(walk(outer.path).every((f) => f.startsWith(`root${sep}`))).toBe(true);
      } finally {
        outer.cleanup();
      }
    });

    it('through the repository: hostile instrument names land under the root', async () => {
      const r = await repo.put({ ok: true }, 'meta', { instrument: '../../../../escape', detector: 1 }, 'ds/run');
      const file = (await repo.fileOf(r))!;
      expect(inside(ctx.root, file.path)).toBe(true);
      expect(existsSync(join(dirname(ctx.root), 'escape'))).toBe(false);
      expect(await repo.get(r)).toEqual({ ok: true });
    });

    it('checkRelative and resolveInside refuse absolute paths and .. segments', () => {
      for (const p of ['', '/etc/passwd', '../x', 'a/../../x', 'a/..', '..\\x']) expect(thrown(() => checkRelative(p)).code, p).toBe('PATH');
      for (const p of ['a/../../x', '../x', '/x']) expect(thrown(() => resolveInside('/repo/root', p)).code, p).toBe('PATH');
      expect(resolveInside('/repo/root', 'a/./b.json')).toBe('/repo/root/a/b.json');
      expect(resolveInside('/repo/root', 'a..b/c')).toBe('/repo/root/a..b/c');
    });

    it('an import whose file path leaves the root is refused, naming the record', async () => {
      const dir = tempDir('qg-import-path-');
      try {
        const path = join(dir.path, 'evil.yaml');
        writeFileSync(path, [
          'description: Butler Data Repository Export', 'version: 1.0.2', 'data:',
          '- type: collection', '  collection_type: RUN', '  name: evil/run',
          '- type: dataset_type', '  name: evil', '  dimensions: []', '  storage_class: Config', '  is_calibration: false',
          '- type: dataset', '  dataset_type: evil', '  run: evil/run', '  records:',
          "  - dataset_id: [!uuid '22222222-3333-4444-8555-666666666666']", '    data_id: [{}]', '    path: ../../etc/passwd', '    formatter: x', '',
        ].join('\n'));
        const e = await rejection(importButlerExport(repo, path));
        expect(e.code).toBe('PATH');
        expect(e.message).toContain('dataset type evil');
        expect(e.message).toContain('../../etc/passwd');
        expect(await reg.collections.has('evil/run')).toBe(false);
      } finally {
        dir.cleanup();
      }
    });
  });
});
