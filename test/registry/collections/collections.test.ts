/**
 * Collections on each dialect: the four types, type conflicts, chains (nested chains
 * flattened in order, duplicates keeping their first place, checked against a brute-force
 * flattener on random chain graphs), cycles refused, glob queries, and persistence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionError, Repository, type CollectionType } from '../../../registry/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { flattenChains, rejection } from '../registry-test-helpers.js';
import { Rng } from '../../support/random.js';

describe.each(DIALECTS)('%s: collections', (dialect) => {
  let ctx: Awaited<ReturnType<typeof makeRepo>>;
  const c = () => ctx.repo.registry.collections;
  beforeAll(async () => {
    ctx = await makeRepo(dialect);
  });
  afterAll(async () => ctx.dispose());

  it('registers each type; registering again with the same type returns the same record', async () => {
    const types: CollectionType[] = ['RUN', 'TAGGED', 'CHAINED', 'CALIBRATION'];
    for (const type of types) {
      const rec = await c().register(`basic/${type.toLowerCase()}`, type, `doc of ${type}`);
      expect(rec.type).toBe(type);
      expect(rec.doc).toBe(`doc of ${type}`);
      const again = await c().register(`basic/${type.toLowerCase()}`, type);
      expect(again.id).toBe(rec.id);
      expect((await c().get(`basic/${type.toLowerCase()}`)).id).toBe(rec.id);
    }
    // a RUN also gets a row in the run table, the others do not
    const runRows = await ctx.repo.registry.knex('run').select('collection_id');
    expect(runRows.map((r: { collection_id: number }) => Number(r.collection_id))).toContain((await c().get('basic/run')).id);
    expect(runRows.map((r: { collection_id: number }) => Number(r.collection_id))).not.toContain((await c().get('basic/tagged')).id);
  });

  it('a name registered with another type is a conflict naming both types', async () => {
    await c().register('conflict/x', 'RUN');
    const e = await rejection(c().register('conflict/x', 'TAGGED'));
    expect(e).toBeInstanceOf(CollectionError);
    expect(e.code).toBe('COLLECTION_CONFLICT');
    expect(e.message).toContain('conflict/x');
    expect(e.message).toContain('RUN');
    expect(e.message).toContain('TAGGED');
  });

  it.each(['', 'has space', 'a,b', 'x/../y', '..', 'tab\there'])('refuses the invalid name %j', async (name) => {
    const e = await rejection(c().register(name, 'RUN'));
    expect(e.code).toBe('COLLECTION');
    expect(await c().has(name)).toBe(false);
  });

  it('refuses an unknown type', async () => {
    const e = await rejection(c().register('weird', 'FOLDER' as CollectionType));
    expect(e.message).toContain('FOLDER');
    expect(await c().has('weird')).toBe(false);
  });

  it('unknown names get a suggestion', async () => {
    await c().register('SynthCam/raw/all', 'RUN');
    const e = await rejection(c().get('SynthCam/raw/al'));
    expect(e.code).toBe('COLLECTION_MISSING');
    expect(e.message).toContain("did you mean 'SynthCam/raw/all'");
  });

  it('nested chains flatten in order; a collection reached twice keeps its first place', async () => {
    for (const n of ['n/r1', 'n/r2', 'n/r3']) await c().register(n, 'RUN');
    await c().register('n/t1', 'TAGGED');
    await c().register('n/cal', 'CALIBRATION');
    await c().register('n/inner', 'CHAINED');
    await c().register('n/outer', 'CHAINED');
    await c().setChain('n/inner', ['n/r2', 'n/r1', 'n/cal']);
    await c().setChain('n/outer', ['n/r1', 'n/inner', 'n/t1', 'n/r2', 'n/r3']);
    expect(await c().getChain('n/outer')).toEqual(['n/r1', 'n/inner', 'n/t1', 'n/r2', 'n/r3']);
    expect((await c().flatten(['n/outer'])).map((r) => r.name)).toEqual(['n/r1', 'n/r2', 'n/cal', 'n/t1', 'n/r3']);
    expect((await c().flatten(['n/outer'], undefined, true)).map((r) => r.name)).toEqual(['n/outer', 'n/r1', 'n/inner', 'n/r2', 'n/cal', 'n/t1', 'n/r3']);
    // several roots: duplicates across roots keep the first place too
    expect((await c().flatten(['n/r3', 'n/inner', 'n/outer'])).map((r) => r.name)).toEqual(['n/r3', 'n/r2', 'n/r1', 'n/cal', 'n/t1']);
    // an empty chain flattens to nothing
    await c().register('n/empty', 'CHAINED');
    expect(await c().flatten(['n/empty'])).toEqual([]);
  });

  it('setChain replaces the children', async () => {
    await c().register('re/a', 'RUN');
    await c().register('re/b', 'RUN');
    await c().register('re/chain', 'CHAINED');
    await c().setChain('re/chain', ['re/a', 're/b']);
    await c().setChain('re/chain', ['re/b']);
    expect(await c().getChain('re/chain')).toEqual(['re/b']);
    await c().setChain('re/chain', []);
    expect(await c().getChain('re/chain')).toEqual([]);
  });

  it('cycles are refused (self, two-step, three-step through nesting), and the chain is left as it was', async () => {
    for (const n of ['cy/a', 'cy/b', 'cy/c']) await c().register(n, 'CHAINED');
    await c().register('cy/run', 'RUN');
    const self = await rejection(c().setChain('cy/a', ['cy/run', 'cy/a']));
    expect(self.code).toBe('COLLECTION_CYCLE');
    expect(await c().getChain('cy/a')).toEqual([]);
    await c().setChain('cy/a', ['cy/b']);
    await c().setChain('cy/b', ['cy/c']);
    const three = await rejection(c().setChain('cy/c', ['cy/run', 'cy/a']));
    expect(three.code).toBe('COLLECTION_CYCLE');
    expect(three.message).toContain('cy/a');
    expect(three.message).toContain('cy/c');
    const two = await rejection(c().setChain('cy/b', ['cy/a']));
    expect(two.code).toBe('COLLECTION_CYCLE');
    expect(await c().getChain('cy/b')).toEqual(['cy/c']);
    expect(await c().getChain('cy/c')).toEqual([]);
    expect((await c().flatten(['cy/a'])).map((r) => r.name)).toEqual([]);
    // a diamond is not a cycle
    await c().register('cy/d', 'CHAINED');
    await c().setChain('cy/d', ['cy/b', 'cy/c', 'cy/run']);
    expect(await c().getChain('cy/d')).toEqual(['cy/b', 'cy/c', 'cy/run']);
  });

  it('chains of non-chains and unknown children are refused', async () => {
    await c().register('bad/run', 'RUN');
    await c().register('bad/chain', 'CHAINED');
    expect((await rejection(c().setChain('bad/run', []))).message).toMatch(/RUN, not CHAINED/);
    expect((await rejection(c().getChain('bad/run'))).message).toMatch(/RUN, not CHAINED/);
    const e = await rejection(c().setChain('bad/chain', ['bad/run', 'bad/rnu']));
    expect(e.code).toBe('COLLECTION_MISSING');
    expect(e.message).toContain("did you mean 'bad/run'");
    expect(await c().getChain('bad/chain')).toEqual([]);
  });

  it('a collection in a chain cannot be removed; an unchained one can', async () => {
    await c().register('rm/run', 'RUN');
    await c().register('rm/chain', 'CHAINED');
    await c().setChain('rm/chain', ['rm/run']);
    const e = await rejection(c().remove('rm/run'));
    expect(e.message).toContain('rm/chain');
    expect(await c().has('rm/run')).toBe(true);
    await c().setChain('rm/chain', []);
    await c().remove('rm/run');
    expect(await c().has('rm/run')).toBe(false);
  });

  it('random chain graphs flatten like a brute-force flattener', async () => {
    const rng = new Rng(20240101);
    for (let round = 0; round < 4; round++) {
      const p = `rand${round}`;
      const leaves = Array.from({ length: 6 }, (_, i) => `${p}/leaf${i}`);
      for (const l of leaves) await c().register(l, rng.pick(['RUN', 'TAGGED', 'CALIBRATION'] as CollectionType[]));
      const chains: string[] = [];
      const children = new Map<string, string[]>();
      for (let i = 0; i < 6; i++) {
        const name = `${p}/chain${i}`;
        await c().register(name, 'CHAINED');
        // children: leaves and earlier chains only (a DAG), random order, with repeats
        const kids = Array.from({ length: rng.int(0, 6) }, () => rng.pick([...leaves, ...chains]));
        const unique = [...new Set(kids)];
        await c().setChain(name, unique);
        children.set(name, unique);
        chains.push(name);
      }
      for (let q = 0; q < 10; q++) {
        const roots = Array.from({ length: rng.int(1, 4) }, () => rng.pick([...leaves, ...chains]));
        expect((await c().flatten(roots)).map((r) => r.name), JSON.stringify(roots)).toEqual(flattenChains(children, roots));
      }
    }
  });

  it('glob queries with * and ? and type filters, sorted by name', async () => {
    for (const [n, t] of [['g/u/a1', 'RUN'], ['g/u/a2', 'RUN'], ['g/u/b1', 'TAGGED'], ['g/v/a1', 'CALIBRATION'], ['g/chain', 'CHAINED'], ['g.x', 'RUN'], ['gax', 'RUN']] as [string, CollectionType][]) {
      await c().register(n, t);
    }
    const names = async (pattern?: string, types?: CollectionType[]) => (await c().query(pattern, types)).map((r) => r.name);
    expect(await names('g/u/*')).toEqual(['g/u/a1', 'g/u/a2', 'g/u/b1']);
    expect(await names('g/*/a1')).toEqual(['g/u/a1', 'g/v/a1']);
    expect(await names('g/u/a?')).toEqual(['g/u/a1', 'g/u/a2']);
    expect(await names('g/?/?1')).toEqual(['g/u/a1', 'g/u/b1', 'g/v/a1']);
    expect(await names('g/*', ['RUN'])).toEqual(['g/u/a1', 'g/u/a2']);
    expect(await names('g/*', ['TAGGED', 'CALIBRATION'])).toEqual(['g/u/b1', 'g/v/a1']);
    // '.' is literal in a glob, the match is anchored
    expect(await names('g.x')).toEqual(['g.x']);
    expect(await names('g/u')).toEqual([]);
    expect(await names('u/a1')).toEqual([]);
    const all = await names();
    expect(all).toEqual([...all].sort((a, b) => a.localeCompare(b)));
    expect(all).toContain('g/chain');
  });

  it('chains and collections persist: a reopened repository sees the same', async () => {
    await c().register('p/r', 'RUN');
    await c().register('p/t', 'TAGGED');
    await c().register('p/c', 'CHAINED');
    await c().setChain('p/c', ['p/t', 'p/r']);
    const before = await c().query('p/*');
    const again = await Repository.open(ctx.root);
    try {
      expect(await again.registry.collections.query('p/*')).toEqual(before);
      expect(await again.registry.collections.getChain('p/c')).toEqual(['p/t', 'p/r']);
    } finally {
      await again.close();
    }
  });

  it('a rolled-back registration leaves no trace (cache included)', async () => {
    const e = await rejection(ctx.repo.registry.transaction(async (tx) => {
      await c().register('rb/run', 'RUN', null, tx);
      expect(await c().has('rb/run', tx)).toBe(true);
      throw new Error('boom');
    }));
    expect(e.message).toBe('boom');
    expect(await c().has('rb/run')).toBe(false);
    await c().register('rb/run', 'TAGGED');
    expect((await c().get('rb/run')).type).toBe('TAGGED');
  });
});
