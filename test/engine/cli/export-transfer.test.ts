/**
 * `qg repo export --transfer` round trip on each dialect: a tiny simulated repository (with
 * pixels) is exported with its files, imported into a new repository, and the demo pipeline
 * (drp.yaml) built and run there: every quantum succeeds (a registry-only export used to
 * leave every quantum INPUT_MISSING). The imported files equal the originals (SHA-256 from
 * the registry, read with plain SQL); `--transfer link` shares inodes; an export into a
 * non-empty folder or inside the repository is refused, and so is an import whose folder
 * holds a different file where the repository already has one.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Repository, sha256 } from '../../../registry/index.js';
import { q } from '../../../registry/query/temp-tables.js';
import { simulateRepository } from '../../../pipelines/simulate/index.js';
import { DIALECTS, dialectOptions, tempDir } from '../../support/test-repos.js';
import { cliRunner } from '../../support/cli-runner.js';

const PIPELINE = new URL('../../../pipelines/drp.yaml', import.meta.url).pathname;
const WHERE = "instrument='SimCam' AND skymap='simSkyMap'";

/** Every file record (path, checksum, size), read with plain SQL. */
async function fileRecords(root: string): Promise<Map<string, [string, number]>> {
  const repo = await Repository.open(root);
  try {
    const rows = await repo.registry.db.selectArrays(repo.registry.knex, `SELECT path, checksum, file_size FROM ${q('datastore_record')}`);
    return new Map(rows.map(([p, c, s]) => [String(p), [String(c), Number(s)]]));
  } finally {
    await repo.close();
  }
}

describe.each(DIALECTS)('%s: repo export --transfer', (dialect) => {
  const dir = tempDir('qg-export-');
  const root = join(dir.path, 'repo');
  const db = () => {
    const o = dialectOptions(dialect);
    return o.db ? ['--db', o.db, '--schema', o.schema!] : [];
  };
  const run = cliRunner();
  beforeAll(async () => {
    const repo = await Repository.create(root, dialectOptions(dialect));
    try {
      await simulateRepository(repo, { profile: 'tiny' });
    } finally {
      await repo.close();
    }
  }, 120_000);
  afterAll(() => dir.cleanup());

  it('export --transfer copy, import into a new repository, build and run drp.yaml there: every quantum succeeds', async () => {
    const exported = join(dir.path, 'exported');
    const ex = await run('repo', 'export', root, exported, '--transfer', 'copy');
    expect(ex.status, ex.stderr).toBe(0);
    const original = await fileRecords(root);
    expect(original.size).toBeGreaterThan(0);
    expect(ex.stdout).toContain(`and ${original.size} file(s) beside it`);
    for (const [path, [checksum]] of original) expect(sha256(readFileSync(join(exported, path)))).toBe(checksum);

    const copy = join(dir.path, 'copy');
    expect((await run('repo', 'create', copy, ...db())).status).toBe(0);
    const im = await run('repo', 'import', copy, exported);
    expect(im.status, im.stderr).toBe(0);
    expect(await fileRecords(copy)).toEqual(original);
    for (const [path, [checksum]] of original) expect(sha256(readFileSync(join(copy, path)))).toBe(checksum);

    const r = await run('run', '-b', copy, '-p', PIPELINE, '-i', 'SimCam/defaults', '-o', 'u/copy', '--where', WHERE, '-j', '2', '--no-progress');
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const m = /: (\d+) succeeded, (\d+) failed, (\d+) blocked, \d+ cancelled, \d+ already done, of (\d+) quanta/.exec(r.stdout)!;
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m[1])).toBe(Number(m[4]));
    expect(Number(m[4])).toBeGreaterThan(0);
    expect([m[2], m[3]]).toEqual(['0', '0']);
  }, 180_000);

  it('export --transfer link shares the files; a non-empty folder or one inside the repository is refused', async () => {
    const linked = join(dir.path, 'linked');
    expect((await run('repo', 'export', root, linked, '--transfer', 'link')).status).toBe(0);
    const [path] = [...(await fileRecords(root)).keys()];
    expect(statSync(join(linked, path!)).ino).toBe(statSync(join(root, path!)).ino);
    expect(existsSync(join(linked, 'export.yaml'))).toBe(true);
    const busy = join(dir.path, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'note.txt'), 'mine');
    expect((await run('repo', 'export', root, busy, '--transfer', 'copy')).status).toBe(2);
    expect(readFileSync(join(busy, 'note.txt'), 'utf8')).toBe('mine');
    expect((await run('repo', 'export', root, join(root, 'inside'), '--transfer', 'copy')).status).toBe(2);
    expect(existsSync(join(root, 'inside'))).toBe(false);
    expect((await run('repo', 'export', root, '--transfer', 'copy')).status).toBe(2);
  });

  it('import refuses a folder holding another file where the repository already has one, and leaves nothing behind', async () => {
    const exported = join(dir.path, 'exported2');
    expect((await run('repo', 'export', root, exported, '--transfer', 'copy')).status).toBe(0);
    const target = join(dir.path, 'target');
    expect((await run('repo', 'create', target, ...db())).status).toBe(0);
    const paths = [...(await fileRecords(root)).keys()].sort();
    const clash = paths[paths.length - 1]!;
    mkdirSync(join(target, clash, '..'), { recursive: true });
    writeFileSync(join(target, clash), 'not the same bytes');
    const im = await run('repo', 'import', target, join(exported, 'export.yaml'));
    expect(im.status).toBe(2);
    expect(im.stderr).toContain('already exists in the repository with other content');
    expect((await fileRecords(target)).size).toBe(0);
    expect(existsSync(join(target, paths[0]!))).toBe(false); // files copied before the clash were removed
    expect(readFileSync(join(target, clash), 'utf8')).toBe('not the same bytes');
  });
});
