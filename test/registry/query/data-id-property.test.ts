/**
 * Property tests: random small repositories and random --where expressions; every query's
 * distinct data IDs must equal a brute-force evaluation of the parsed tree over the records
 * (data-id-oracle.ts), on every dialect. A query the layer proves empty (EmptyQueryError) must
 * have an empty expected result.
 *
 * The main property keeps a column in every operation; a second, smaller one adds the
 * `constantTerms` of where-arbitraries.ts, which hold only while the compiler binds each value
 * with its SQL type (`CAST(? AS ...)` in where-compiler.ts). The regression cases below pin
 * down what untyped values once got wrong:
 * - PostgreSQL infers an untyped parameter's type from the other operand or, with none, takes
 *   it as text: `10 > 9` was false (text order), `2 * 3 = 6` failed ("operator is not unique:
 *   unknown * unknown"), `visit = 1.5` and `exposure * 1.5 > 3` failed ("invalid input syntax
 *   for type bigint"), and so did `-(7) / 2`.
 * - SQLite: better-sqlite3 binds JS numbers as REAL, so `exposure / 2` and `7 / 2` were float
 *   divisions (3.5), not the truncating integer division the compiler's types promise.
 * - IN-range bounds went through Number(), so `x IN (1..9223372036854775807)` bound
 *   9223372036854775808, which PostgreSQL refused ("out of range for type bigint").
 * - `ts OVERLAPS (t, t)` and a reversed pair matched timespans around t, though such a pair
 *   holds no instant (LSST's Timespan is empty when end <= begin).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EmptyQueryError, parseWhere, queryDataIds, type Repository } from '../../../registry/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { Rng } from '../../support/random.js';
import { BAND_POOL, INSTRUMENT_POOL, STRING_POOL, expectedDataIds, isoText, insertObsRepo, randomObsRepo, resultIds, type Binds, type ObsRepo } from './data-id-oracle.js';
import { DIMENSION_SETS, whereArbitraries, type WhereGenOptions } from './where-arbitraries.js';

const REPOS = 16;
const EXPRESSIONS_PER_REPO = 200;

/** Random bind values for one repository. */
function randomBinds(seed: number): Map<string, string | number | (string | number)[]> {
  const rng = new Rng(seed ^ 0x5bd1e995);
  return new Map<string, string | number | (string | number)[]>([
    ['n', rng.int(-1, 9)], ['m', rng.int(0, 3)], ['f', rng.pick([15.5, 30.5, 0.5, 2.25, 15])],
    ['s', rng.pick(STRING_POOL)], ['b', rng.pick(BAND_POOL)], ['inst', rng.bool(0.9) ? rng.pick(INSTRUMENT_POOL) : 'Nope'],
    ['lst', rng.subset([0, 1, 2, 3, 5, 7, 8, 11], 0.4).concat([rng.int(0, 12)])],
    ['flst', [rng.pick([15, 30.5, 7]), rng.pick([0, 2.25, -1])]],
    ['slst', [rng.pick(STRING_POOL), rng.pick(['science', 'SCIENCE', 'g', "it's"])]],
  ]);
}

/** Runs one expression on the repository and on the oracle; throws with the details on a difference. */
async function checkOne(repo: Repository, data: ObsRepo, dimensions: readonly string[], where: string, binds: Binds): Promise<void> {
  const ast = parseWhere(where);
  const expected = expectedDataIds(data, dimensions, ast, binds);
  let actual: Set<string>;
  let proved = '';
  try {
    actual = resultIds(await queryDataIds(repo.registry, { dimensions, where, bind: binds }));
  } catch (e) {
    if (!(e instanceof EmptyQueryError)) {
      throw new Error(`query failed: ${(e as Error).name}: ${(e as Error).message}\n  dimensions: ${dimensions.join(',')}\n  where: ${where}`);
    }
    actual = new Set();
    proved = ` (proved empty: ${e.message})`;
  }
  const missing = [...expected].filter((x) => !actual.has(x));
  const extra = [...actual].filter((x) => !expected.has(x));
  if (missing.length || extra.length) {
    throw new Error(`data IDs differ${proved}\n  dimensions: ${dimensions.join(',')}\n  where: ${where}\n  missing: ${missing.slice(0, 5).join(' ')}\n  extra: ${extra.slice(0, 5).join(' ')}`);
  }
}

/** The property over `repos` random repositories, returning how many expressions ran. */
async function runProperty(dialect: 'sqlite' | 'postgresql', options: WhereGenOptions, repos: number, perRepo: number, seed: number): Promise<number> {
  const { condition } = whereArbitraries(options);
  const cases = fc.tuple(fc.constantFrom(...DIMENSION_SETS), condition(3));
  let count = 0;
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (repoSeed) => {
      const data = randomObsRepo(repoSeed);
      const binds = randomBinds(repoSeed);
      const { repo, dispose } = await makeRepo(dialect);
      try {
        await insertObsRepo(repo, data);
        // the inner property shrinks expressions against this one repository
        await fc.assert(fc.asyncProperty(cases, async ([dimensions, where]) => {
          count++;
          await checkOne(repo, data, dimensions, where, binds);
        }), { numRuns: perRepo, seed: repoSeed });
      } finally {
        await dispose();
      }
    }),
    { numRuns: repos, seed, endOnFailure: true },
  );
  return count;
}

const counts: string[] = [];
afterAll(() => {
  if (counts.length) console.log(`random --where expressions checked: ${counts.join('; ')}`);
});

describe.each(DIALECTS)('data-ID queries equal a brute-force evaluation (%s)', (dialect) => {
  it('random repositories and expressions with a column in every operation', async () => {
    const n = await runProperty(dialect, { constantTerms: false, stringOrder: true }, REPOS, EXPRESSIONS_PER_REPO, dialect === 'sqlite' ? 1 : 2);
    counts.push(`${dialect}: ${n}`);
    expect(n).toBeGreaterThanOrEqual(REPOS * EXPRESSIONS_PER_REPO);
  }, 120_000);

  // Holds only while every bound value carries its SQL type (see the file comment).
  it('random expressions with constant-only terms, float constants beside integers and integer division', async () => {
    await runProperty(dialect, { constantTerms: true, stringOrder: true }, 3, 300, 3);
  }, 60_000);

  describe('regressions, one by one', () => {
    let repo: Repository;
    let dispose: () => Promise<void>;
    const data = randomObsRepo(7);
    const binds = new Map<string, string | number>([['a', 10], ['b', 9], ['h', 1.5]]);
    const check = (where: string, dimensions: readonly string[] = ['exposure']) => checkOne(repo, data, dimensions, where, binds);
    beforeAll(async () => {
      ({ repo, dispose } = await makeRepo(dialect));
      await insertObsRepo(repo, data);
    });
    afterAll(() => dispose());
    // Bound values are typed (CAST) so PostgreSQL does not compare them as text ('10' < '9').
    it('10 > 9 and :a > :b hold for every row', async () => {
      await check('10 > 9');
      await check(':a > :b');
    });
    it('arithmetic between constants: 2 * 3 = 6, -(7) = -7', async () => {
      await check('2 * 3 = 6');
      await check('-(7) = -7');
    });
    it('a float constant beside an integer column: exposure * 1.5 >= 3, exposure = 2.5, exposure < :h', async () => {
      await check('exposure * 1.5 >= 3');
      await check('exposure = 2.5');
      await check('exposure < :h');
      await check('detector IN (1, 2.5)', ['exposure', 'detector']);
    });
    // Range bounds and strides are bound as exact bigints: the parser accepts the full int64
    // range, and as a double 9223372036854775807 would become 9223372036854775808.
    it('an IN range reaching the int64 limit', async () => {
      await check('exposure IN (1..9223372036854775807)');
      await check('exposure IN (0..100:9223372036854775807)');
    });
    // Integer constants are bound as integers, so SQLite truncates as PostgreSQL does (not 3.5).
    it('integer division with an integer constant truncates: exposure / 2', async () => {
      expect(data.exposures.some((e) => e.id % 2 === 1)).toBe(true);
      await check('(exposure / 2) * 2 = exposure'); // the even exposures only
      await check('exposure / 2 = 3');
    });
    // An empty (begin = end) or reversed pair holds no instant, so it overlaps nothing (LSST's
    // Timespan is empty when end <= begin); `begin < e AND end > b` alone would match every
    // timespan around the instant.
    it('ts OVERLAPS (t, t) and ts OVERLAPS (later, earlier) match nothing', async () => {
      const inside = data.exposures.find((e) => e.timespan)!.timespan!.begin;
      const t = `T'iso/${isoText(inside, 'tai')}/tai'`, later = `T'iso/${isoText(inside + 1_000_000_000n, 'tai')}/tai'`;
      await check(`exposure.timespan OVERLAPS (${t}, ${t})`);
      await check(`exposure.timespan OVERLAPS (${later}, ${t})`);
    });
  });
});
