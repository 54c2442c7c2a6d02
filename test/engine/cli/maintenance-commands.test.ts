/**
 * The butler-like maintenance commands through `main(argv)` on each dialect, on the
 * arithmetic fixture's inputs plus two output-like runs (`u/a`, `u/b`) of `numbers`, a chain,
 * a TAGGED collection and a calibration type. Each effect is checked against the registry
 * read with plain SQL (not the code under test) and against the files; the refusals are
 * checked too: no --force / --no-confirm (exit 2, nothing removed), a run locked by a live
 * `qg run` (RUN_LOCKED, nothing removed), a file another run's dataset names stays, qg's own
 * files in a run folder stay.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { main } from '../../../engine/cli/main.js';
import { lockRun } from '../../../engine/index.js';
import { runFolder, sha256, type Repository } from '../../../registry/index.js';
import { q } from '../../../registry/query/temp-tables.js';
import { DIALECTS, makeRepo, tempDir } from '../../support/test-repos.js';
import { NUMBERS } from '../fixtures/arith-tasks.js';
import { INSTRUMENT, INPUT_RUN, fillArithRepo, registeredDatasets } from '../engine-helpers.js';

const DETECTORS = [0, 1, 2, 3];

describe.each(DIALECTS)('%s: maintenance commands', (dialect) => {
  let repo: Repository;
  let root: string;
  let dispose: () => Promise<void>;
  let log: MockInstance<typeof console.log>;
  let err: MockInstance<typeof console.error>;
  const dirs: { cleanup: () => void }[] = [];

  /** Runs the CLI; returns status, stdout and stderr. */
  const run = async (...argv: string[]) => {
    log.mockClear();
    err.mockClear();
    const status = await main(argv);
    return { status, stdout: log.mock.calls.map((c) => c.join(' ')).join('\n'), stderr: err.mock.calls.map((c) => c.join(' ')).join('\n') };
  };

  /** Plain SQL, `?` placeholders. */
  const sql = (text: string, binds: unknown[] = []) => repo.registry.db.selectArrays(repo.registry.knex, repo.registry.db.placeholders(text), binds);
  const collectionId = async (name: string) => (await sql(`SELECT collection_id FROM ${q('collection')} WHERE name = ?`, [name]))[0]?.[0];
  const chainOf = async (name: string) => (await sql(
    `SELECT c.name FROM ${q('collection_chain')} x JOIN ${q('collection')} p ON p.collection_id = x.parent JOIN ${q('collection')} c ON c.collection_id = x.child WHERE p.name = ? ORDER BY x.position`, [name])).map((r) => String(r[0]));
  const tagTable = async () => (await repo.registry.datasetTypes.get(NUMBERS.name)).tagTable;
  const taggedIds = async (collection: string) => (await sql(`SELECT dataset_id FROM ${q(await tagTable())} WHERE collection_id = ?`, [await collectionId(collection)])).map((r) => String(r[0])).sort();
  const fileOf = (d: { path: string | null }) => join(root, d.path!);
  const datasetsOf = async (run: string) => (await registeredDatasets(repo, run)).sort((a, b) => Number(a.dataId['detector']) - Number(b.dataId['detector']));

  beforeEach(async () => {
    log = vi.spyOn(console, 'log').mockImplementation(() => {});
    err = vi.spyOn(console, 'error').mockImplementation(() => {});
    ({ repo, root, dispose } = await makeRepo(dialect));
    await fillArithRepo(repo, DETECTORS.length);
    await repo.registry.collections.register('u/a', 'RUN');
    await repo.registry.collections.register('u/b', 'RUN');
    for (const r of ['u/a', 'u/b']) await repo.putMany(DETECTORS.map((d) => ({ value: { value: d + (r === 'u/a' ? 100 : 200) }, dataId: { instrument: INSTRUMENT, detector: d } })), NUMBERS.name, r);
    await repo.registry.collections.register('u/chain', 'CHAINED');
    await repo.registry.collections.setChain('u/chain', ['u/a', 'u/b', INPUT_RUN]);
    await repo.registry.collections.register('u/tag', 'TAGGED');
    const a = await datasetsOf('u/a');
    await repo.registry.datasets.associate('u/tag', a.slice(0, 2).map((d) => ({ id: d.id, datasetType: d.datasetType, dataId: d.dataId, run: 'u/a' })), repo.registry.knex);
    // u/b's detector-3 dataset names u/a's detector-3 file (as a repository edited by hand could)
    const b = await datasetsOf('u/b');
    await repo.registry.knex('datastore_record').where('dataset_id', b[3]!.id).update({ path: a[3]!.path, checksum: a[3]!.checksum, file_size: a[3]!.size });
    // one of qg's own files in u/a's folder
    writeFileSync(join(root, runFolder('u/a'), '_events.jsonl'), '{}\n');
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    await dispose();
    for (const d of dirs.splice(0)) d.cleanup();
  });

  it('remove-runs lists and stops without --force (exit 2) or with --dry-run (exit 0); nothing is removed', async () => {
    const before = await datasetsOf('u/a');
    const refused = await run('remove-runs', root, 'u/a');
    expect(refused.status).toBe(2);
    expect(refused.stdout).toContain('would remove 1 RUN collection(s) and 4 dataset(s)');
    expect(refused.stdout).toMatch(/u\/a\s+4\s+u\/chain/);
    expect(refused.stderr).toContain('--force');
    const dry = await run('remove-runs', root, 'u/*', '--dry-run');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain('would remove 2 RUN collection(s) and 8 dataset(s)');
    expect(await datasetsOf('u/a')).toEqual(before);
    for (const d of before) expect(existsSync(fileOf(d))).toBe(true);
  });

  it('remove-runs --force: the run, its datasets, tags and chain entry go; its files go, except one another dataset names and qg\'s own', async () => {
    const a = await datasetsOf('u/a');
    const aId = await collectionId('u/a');
    const { status, stdout } = await run('remove-runs', root, 'u/a', '--force');
    expect(status).toBe(0);
    expect(stdout).toContain('removed 1 run(s) and 4 dataset(s); 3 file(s) deleted; 1 kept (another dataset names them)');
    expect(await collectionId('u/a')).toBeUndefined();
    expect(await sql(`SELECT COUNT(*) FROM ${q('dataset')} WHERE run_id = ?`, [aId])).toEqual([[0]]);
    expect(await sql(`SELECT COUNT(*) FROM ${q('datastore_record')} WHERE dataset_id IN (${a.map(() => '?').join(', ')})`, a.map((d) => d.id))).toEqual([[0]]);
    expect(await chainOf('u/chain')).toEqual(['u/b', INPUT_RUN]);
    expect(await taggedIds('u/tag')).toEqual([]);
    expect(a.slice(0, 3).map((d) => existsSync(fileOf(d)))).toEqual([false, false, false]);
    expect(existsSync(fileOf(a[3]!))).toBe(true); // u/b's detector 3 names it
    expect(readFileSync(join(root, runFolder('u/a'), '_events.jsonl'), 'utf8')).toBe('{}\n');
    // the other runs are whole
    expect((await datasetsOf('u/b')).length).toBe(4);
    expect((await datasetsOf(INPUT_RUN)).length).toBe(4);
  });

  it('remove-runs refuses a run a live qg run holds (RUN_LOCKED, exit 1), nothing removed; and a collection that is not a RUN (exit 2)', async () => {
    const lock = lockRun(join(root, runFolder('u/a')), 'u/a'); // as `qg run` does: this process is alive
    try {
      const { status, stderr } = await run('remove-runs', root, 'u/a', '--force');
      expect(status).toBe(1);
      expect(stderr).toContain("run 'u/a' is being executed");
      expect((await datasetsOf('u/a')).length).toBe(4);
      expect((await datasetsOf('u/a')).every((d) => existsSync(fileOf(d)))).toBe(true);
      expect(await chainOf('u/chain')).toEqual(['u/a', 'u/b', INPUT_RUN]);
    } finally {
      lock.release();
    }
    expect((await run('remove-runs', root, 'u/chain', '--force')).status).toBe(2);
    expect((await run('remove-runs', root, 'u/nope', '--force')).status).toBe(2);
    expect(await collectionId('u/chain')).toBeDefined();
  });

  it('prune-datasets --purge: find-first along the chain, only the RUN named; other runs left alone; needs --no-confirm', async () => {
    const a = await datasetsOf('u/a');
    const args = ['prune-datasets', root, 'u/chain', '--datasets', 'numbers', '--where', 'detector = 1', '--purge', 'u/a'];
    const refused = await run(...args);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toContain(a[1]!.id);
    expect((await datasetsOf('u/a')).length).toBe(4);
    const done = await run(...args, '--no-confirm', '--find-all');
    expect(done.status).toBe(0);
    expect(done.stdout).toContain('purged 1 dataset(s); 1 file(s) deleted');
    expect(done.stdout).toContain("left alone: 2 dataset(s) found in other runs than 'u/a'");
    const after = await datasetsOf('u/a');
    expect(after.map((d) => d.dataId['detector'])).toEqual([0, 2, 3]);
    expect(await sql(`SELECT COUNT(*) FROM ${q('dataset')} WHERE id = ?`, [a[1]!.id])).toEqual([[0]]);
    expect(await taggedIds('u/tag')).toEqual([a[0]!.id].sort());
    expect(existsSync(fileOf(a[1]!))).toBe(false);
    expect((await datasetsOf('u/b')).length).toBe(4);
  });

  it('prune-datasets --purge keeps a file another dataset names; --unstore drops file records and files, keeps registrations', async () => {
    const a = await datasetsOf('u/a');
    const purge = await run('prune-datasets', root, 'u/a', '--where', 'detector = 3', '--purge', 'u/a', '--no-confirm');
    expect(purge.status).toBe(0);
    expect(purge.stdout).toContain('0 file(s) deleted; 1 kept (another dataset names them)');
    expect(existsSync(fileOf(a[3]!))).toBe(true);
    const unstore = await run('prune-datasets', root, 'u/a', '--where', 'detector IN (0, 2)', '--unstore', '--no-confirm');
    expect(unstore.status).toBe(0);
    expect(unstore.stdout).toContain('unstored 2 dataset(s); 2 file(s) deleted');
    const after = await datasetsOf('u/a');
    expect(after.map((d) => [d.dataId['detector'], d.path])).toEqual([[0, null], [1, a[1]!.path], [2, null]]);
    expect([0, 2].map((i) => existsSync(fileOf(a[i]!)))).toEqual([false, false]);
    expect(existsSync(fileOf(a[1]!))).toBe(true);
  });

  it('prune-datasets --disassociate takes datasets out of a TAGGED collection only; bad option sets exit 2; a locked run is refused', async () => {
    const a = await datasetsOf('u/a');
    const { status } = await run('prune-datasets', root, 'u/tag', '--where', 'detector = 0', '--disassociate', 'u/tag', '--no-confirm');
    expect(status).toBe(0);
    expect(await taggedIds('u/tag')).toEqual([a[1]!.id]);
    expect((await datasetsOf('u/a')).length).toBe(4);
    expect(existsSync(fileOf(a[0]!))).toBe(true);
    expect((await run('prune-datasets', root, 'u/a', '--no-confirm')).status).toBe(2); // nothing to do
    expect((await run('prune-datasets', root, 'u/a', '--purge', 'u/a', '--unstore', '--no-confirm')).status).toBe(2);
    expect((await run('prune-datasets', root, 'u/a', '--purge', 'u/tag', '--no-confirm')).status).toBe(2);
    expect((await run('prune-datasets', root, 'u/a', '--disassociate', 'u/a', '--no-confirm')).status).toBe(2);
    const lock = lockRun(join(root, runFolder('u/a')), 'u/a');
    try {
      const locked = await run('prune-datasets', root, 'u/a', '--purge', 'u/a', '--no-confirm');
      expect(locked.status).toBe(1);
      expect(locked.stderr).toContain("run 'u/a' is being executed");
      expect((await datasetsOf('u/a')).length).toBe(4);
    } finally {
      lock.release();
    }
  });

  it('collection-chain: redefine (creating), extend, prepend, remove, pop; cycles and unknown children refused', async () => {
    const chain = async (...argv: string[]) => {
      const r = await run('collection-chain', root, ...argv);
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    expect(await chain('u/new', 'u/a,u/b', '--doc', 'made here')).toBe('[u/a, u/b]');
    expect(await sql(`SELECT type, doc FROM ${q('collection')} WHERE name = ?`, ['u/new'])).toEqual([['CHAINED', 'made here']]);
    await chain('u/new', INPUT_RUN, '--mode', 'extend');
    expect(await chainOf('u/new')).toEqual(['u/a', 'u/b', INPUT_RUN]);
    await chain('u/new', 'u/b', '--mode', 'prepend');
    expect(await chainOf('u/new')).toEqual(['u/b', 'u/a', INPUT_RUN]);
    await chain('u/new', 'u/a', '--mode', 'remove');
    expect(await chainOf('u/new')).toEqual(['u/b', INPUT_RUN]);
    expect(await chain('u/new', '--mode', 'pop')).toBe('popped: u/b\n[Arith/inputs]');
    expect(await chainOf('u/new')).toEqual([INPUT_RUN]);
    await chain('u/flat', 'u/chain', '--flatten');
    expect(await chainOf('u/flat')).toEqual(['u/a', 'u/b', INPUT_RUN]);
    expect((await run('collection-chain', root, 'u/a', 'u/chain')).status).toBe(2); // u/a is a RUN
    expect((await run('collection-chain', root, 'u/chain', 'u/new2')).status).toBe(2); // unknown child
    await chain('u/outer', 'u/chain');
    expect((await run('collection-chain', root, 'u/chain', 'u/outer', '--mode', 'extend')).status).toBe(2); // a cycle
    expect(await chainOf('u/chain')).toEqual(['u/a', 'u/b', INPUT_RUN]);
    expect((await run('collection-chain', root, 'u/chain', '7', '--mode', 'pop')).status).toBe(2);
  });

  it('certify-calibrations: every dataset of the RUN certified for [begin, end); an overlap is refused; a non-calibration type too', async () => {
    await repo.registry.datasetTypes.register({ name: 'gain', dimensions: ['instrument', 'detector'], storageClass: NUMBERS.storageClass, isCalibration: true });
    await repo.registry.collections.register('u/calib/run', 'RUN');
    const refs = await repo.putMany(DETECTORS.map((d) => ({ value: { value: d }, dataId: { instrument: INSTRUMENT, detector: d } })), 'gain', 'u/calib/run');
    const ok = await run('certify-calibrations', root, 'u/calib/run', 'u/calib', 'gain', '--begin-date', '2024-01-01T00:00:00', '--end-date', '2024-02-01T00:00:00');
    expect(ok.status, ok.stderr).toBe(0);
    const type = await repo.registry.datasetTypes.get('gain');
    const rows = await sql(`SELECT dataset_id, CAST(timespan_begin AS TEXT), CAST(timespan_end AS TEXT) FROM ${q(type.calibTable)} WHERE collection_id = ? ORDER BY detector`, [await collectionId('u/calib')]);
    expect(rows.map((r) => String(r[0]))).toEqual(refs.map((r) => r.id));
    const { taiFromIso } = await import('../../../registry/index.js');
    expect(rows.map((r) => [BigInt(String(r[1])), BigInt(String(r[2]))])).toEqual(refs.map(() => [taiFromIso('2024-01-01T00:00:00'), taiFromIso('2024-02-01T00:00:00')]));
    expect(await sql(`SELECT type FROM ${q('collection')} WHERE name = ?`, ['u/calib'])).toEqual([['CALIBRATION']]);
    const overlap = await run('certify-calibrations', root, 'u/calib/run', 'u/calib', 'gain', '--begin-date', '2024-01-15T00:00:00');
    expect(overlap.status).toBe(2);
    expect(overlap.stderr).toContain('overlapping');
    expect((await sql(`SELECT COUNT(*) FROM ${q(type.calibTable)}`))[0]![0]).toBe(4);
    expect((await run('certify-calibrations', root, 'u/a', 'u/calib', 'numbers')).status).toBe(2);
    expect((await run('certify-calibrations', root, 'u/chain', 'u/calib', 'gain')).status).toBe(2); // not a RUN without --search-all-inputs
  });

  it('query datasets --show-uri gives each file as a file:// URI; query dimension-records --where selects records', async () => {
    const a = await datasetsOf('u/a');
    const { status, stdout } = await run('query', 'datasets', 'numbers', '-b', root, '-c', 'u/a', '--show-uri', '--format', 'json');
    expect(status).toBe(0);
    const rows = JSON.parse(stdout) as { id: string; uri: string }[];
    expect(new Map(rows.map((r) => [r.id, r.uri]))).toEqual(new Map(a.map((d) => [d.id, pathToFileURL(fileOf(d)).href])));
    const records = await run('query', 'dimension-records', 'detector', '-b', root, '--where', "instrument = 'Arith' AND detector IN (1, 3)", '--format', 'json');
    expect(records.status).toBe(0);
    expect((JSON.parse(records.stdout) as { id: number; full_name: string }[]).map((r) => [r.id, r.full_name])).toEqual([[1, 'D1'], [3, 'D3']]);
    const bound = await run('query', 'dimension-records', 'detector', '-b', root, '--where', 'detector > :d', '--bind', 'd=2', '--format', 'json');
    expect((JSON.parse(bound.stdout) as { id: number }[]).map((r) => r.id)).toEqual([3]);
    expect((await run('query', 'dimension-records', 'detector', '-b', root, '--where', 'detektor = 1')).status).toBe(2);
  });

  it('retrieve-artifacts copies the chosen files (checksums equal the records), refuses to overwrite without --clobber and a destination inside the repository', async () => {
    const out = tempDir('qg-retrieve-');
    dirs.push(out);
    const dest = join(out.path, 'dest');
    const a = await datasetsOf('u/a');
    const first = await run('retrieve-artifacts', root, dest, '--collections', 'u/a', '--dataset-type', 'numbers', '--where', 'detector < 2');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('retrieved 2 file(s) of 2 dataset(s)');
    for (const d of a.slice(0, 2)) expect(sha256(readFileSync(join(dest, d.path!)))).toBe(d.checksum);
    expect(existsSync(join(dest, a[2]!.path!))).toBe(false);
    const again = await run('retrieve-artifacts', root, dest, '--collections', 'u/a', '--where', 'detector < 2');
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('--clobber');
    expect((await run('retrieve-artifacts', root, dest, '--collections', 'u/a', '--where', 'detector < 2', '--clobber')).status).toBe(0);
    const flat = join(out.path, 'flat');
    expect((await run('retrieve-artifacts', root, flat, '--collections', 'u/a', '--no-preserve-path')).status).toBe(0);
    for (const d of a) expect(existsSync(join(flat, d.path!.split('/').pop()!))).toBe(true);
    mkdirSync(join(root, 'mine'), { recursive: true });
    expect((await run('retrieve-artifacts', root, join(root, 'mine'), '--collections', 'u/a')).status).toBe(2);
  });
});
