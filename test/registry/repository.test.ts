/**
 * Repository create/open on each dialect: qg.yaml says where the registry is, content
 * survives reopening, and misuse (non-empty folder, missing repository, a second registry
 * in one PostgreSQL schema, a bad URL) is refused with a stable code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Repository, type DatasetRef } from '../../registry/index.js';
import { DIALECTS, dialectOptions, makeRepo, tempDir } from '../support/test-repos.js';
import { rejection } from './registry-test-helpers.js';

describe.each(DIALECTS)('%s: repository', (dialect) => {
  let ctx: Awaited<ReturnType<typeof makeRepo>>;
  const dir = tempDir('qg-repo-');
  beforeAll(async () => {
    ctx = await makeRepo(dialect);
  });
  afterAll(async () => {
    await ctx.repo.close(); // the reopened one (dispose closes the first)
    await ctx.dispose();
    dir.cleanup();
  });

  it('qg.yaml names the registry', () => {
    const config = parseYaml(readFileSync(join(ctx.root, 'qg.yaml'), 'utf8')) as { qg_repository: number; registry: Record<string, string>; datastore: { template: string } };
    expect(config.qg_repository).toBe(1);
    expect(config.registry['dialect']).toBe(dialect);
    if (dialect === 'sqlite') expect(readdirSync(ctx.root)).toContain(config.registry['filename']);
    else expect([config.registry['url'], config.registry['schema']]).toEqual([dialectOptions('postgresql').db, expect.stringMatching(/^t_/)]);
    expect(config.datastore.template).toContain('{id}');
  });

  it('datasets and their files survive closing and reopening', async () => {
    const reg = ctx.repo.registry;
    await reg.datasetTypes.register({ name: 'meta', dimensions: ['instrument'], storageClass: 'StructuredDataDict' });
    await reg.collections.register('keep/run', 'RUN');
    const ref: DatasetRef = await ctx.repo.put({ kept: true }, 'meta', { instrument: 'Cam' }, 'keep/run');
    await ctx.repo.close();
    ctx.repo = await Repository.open(ctx.root);
    expect(await ctx.repo.get(ref)).toEqual({ kept: true });
    expect((await ctx.repo.registry.datasets.findFirst('meta', ['keep/run'], [{ instrument: 'Cam' }], ctx.repo.registry.knex))[0]?.id).toBe(ref.id);
  });

  it('refuses a non-empty folder, leaving it alone', async () => {
    const root = join(dir.path, 'occupied');
    mkdirSync(root);
    writeFileSync(join(root, 'precious.txt'), 'keep me');
    const e = await rejection(Repository.create(root, dialect === 'sqlite' ? {} : dialectOptions(dialect)));
    expect(e.code).toBe('REPO_EXISTS');
    expect(readdirSync(root)).toEqual(['precious.txt']);
  });

  it('opening a folder that is not a repository says how to make one', async () => {
    const e = await rejection(Repository.open(join(dir.path, 'nothing-here')));
    expect(e.code).toBe('REPO_MISSING');
    expect(e.message).toContain('qg repo create');
  });

  it('a bad --db URL is refused', async () => {
    const e = await rejection(Repository.create(join(dir.path, 'bad-url'), { db: 'mysql://x' }));
    expect(e.code).toBe('BAD_DB_URL');
  });

  it.runIf(dialect === 'postgresql')('a second registry in the same PostgreSQL schema is refused', async () => {
    const config = parseYaml(readFileSync(join(ctx.root, 'qg.yaml'), 'utf8')) as { registry: { url: string; schema: string } };
    const e = await rejection(Repository.create(join(dir.path, 'second'), { db: config.registry.url, schema: config.registry.schema }));
    expect(e.code).toBe('REGISTRY_EXISTS');
    // the first is untouched
    expect(await ctx.repo.registry.collections.has('keep/run')).toBe(true);
  });
});
