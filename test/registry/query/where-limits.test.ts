/**
 * The --where language at the edges of what the databases accept, on every dialect: long
 * AND/OR chains, IN lists past the bind-parameter limits, values no column holds, integer
 * and double overflow, deep arithmetic and time literals outside the storable range. Each
 * query either gives the rows a plain-JS filter of the records gives, or fails with the same
 * RegistryError code at the same position on both databases, never with a driver's message
 * or a JS stack overflow.
 *
 * What each did before (where-compiler.ts emitted one nested `(l) OR (r)` per term, walked the
 * tree recursively and bound every IN value as its own parameter):
 * - 1,100 ORed terms: SQLite "Expression tree is too large (maximum depth 1000)"; 10,000:
 *   "Maximum call stack size exceeded" in the compiler.
 * - 40,000 IN values: SQLite "too many SQL variables"; 100,000: PostgreSQL "bind message has
 *   34464 parameter formats but 0 parameters".
 * - `exposure = 9223372036854775807 + 1`: SQLite answers (a double), PostgreSQL fails with
 *   "bigint out of range"; the same with `exposure * 4611686018427387904 > 0` on data.
 * - a bound 2^64: better-sqlite3 "The bound string, buffer, or bigint is too big",
 *   PostgreSQL "value out of range for type bigint".
 * - `T'9999-12-31'`, `T'1000000000000'` (MJD): the same two raw driver errors.
 * - `exposure IN (-9223372036854775808..9223372036854775807:2)`: SQLite matched nothing
 *   (`exposure - start` overflowed to a double), PostgreSQL failed with "bigint out of range".
 * - 1,100 chained additions: SQLite "Expression tree is too large", PostgreSQL answered.
 * - a 300-character string literal: PostgreSQL cut it to 256 characters (CAST AS VARCHAR(256))
 *   and matched a record that SQLite did not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError, parseBinds, queryDataIds, type BindValue, type Repository } from '../../../registry/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { GRID_NS, T0, insertObsRepo, isoText, type ExposureRec, type ObsRepo } from './data-id-oracle.js';

const LONG = 'x'.repeat(256);

/** 20 exposures of one instrument, 4 detectors; exposure k starts at grid step k. */
const EXPOSURES: ExposureRec[] = Array.from({ length: 20 }, (_, i) => ({
  instrument: 'Cam', id: i + 1, physical_filter: 'g_01', day_obs: 20240101,
  exposure_time: 0.5 + 1.5 * i, dark_time: null, observation_type: 'science', seq_num: i,
  target_name: i === 0 ? LONG : `t${i % 7}`, timespan: { begin: T0 + BigInt(i) * GRID_NS, end: T0 + BigInt(i + 1) * GRID_NS },
}));

const DATA: ObsRepo = {
  instruments: ['Cam'],
  bands: ['g'],
  physicalFilters: [{ instrument: 'Cam', name: 'g_01', band: 'g' }],
  dayObs: [{ instrument: 'Cam', id: 20240101, timespan: null }],
  detectors: [1, 2, 3, 4].map((id) => ({ instrument: 'Cam', id, purpose: 'SCIENCE', raft: null })),
  exposures: EXPOSURES,
  visits: [],
  visitDefinitions: [],
};

/** The exposure ids (sorted) of the records `keep` selects: the oracle. */
const expected = (keep: (e: ExposureRec) => boolean): number[] => EXPOSURES.filter(keep).map((e) => e.id);

/** A chain of `count` terms made by `term`, joined by `op`. */
const chain = (count: number, op: 'AND' | 'OR', term: (i: number) => string): string =>
  Array.from({ length: count }, (_, i) => term(i)).join(` ${op} `);

describe.each(DIALECTS)('where-language limits (%s)', (dialect) => {
  let repo: Repository;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ repo, dispose } = await makeRepo(dialect));
    await insertObsRepo(repo, DATA);
  });
  afterAll(() => dispose());

  /** The exposure ids a query over `exposure` returns. */
  const exposures = async (where: string, bind?: ReadonlyMap<string, BindValue>): Promise<number[]> => {
    const r = await queryDataIds(repo.registry, { dimensions: ['exposure'], where, bind });
    return r.rows.map((row) => Number(row[1]));
  };

  /** The error a query fails with (fails the test when it succeeds). */
  const failure = async (where: string, bind?: ReadonlyMap<string, BindValue>): Promise<RegistryError & { position?: number }> => {
    try {
      await exposures(where, bind);
    } catch (e) {
      expect(e).toBeInstanceOf(RegistryError);
      return e as RegistryError & { position?: number };
    }
    throw new Error(`expected '${where.slice(0, 80)}' to fail`);
  };

  describe('long AND/OR chains parse, compile and run', () => {
    it('10,000 ORed equalities on one key', async () => {
      const where = chain(10_000, 'OR', (i) => `exposure = ${i + 15}`);
      expect(await exposures(where)).toEqual(expected((e) => e.id >= 15));
    });

    it('1,100 ORed equalities (past SQLite\'s expression depth of 1000)', async () => {
      const where = chain(1_100, 'OR', (i) => `exposure = ${1_100 - i}`);
      expect(await exposures(where)).toEqual(expected(() => true));
    });

    it('10,000 ANDed inequalities', async () => {
      const where = chain(10_000, 'AND', (i) => `exposure != ${i + 3}`);
      expect(await exposures(where)).toEqual([1, 2]);
    });

    // 2,000, not 10,000: SQLite takes time quadratic in the terms to prepare such a statement
    // (about 0.5 s here, 25 s for 10,000), though it runs in milliseconds.
    it('2,000 ORed (exposure, detector) pairs, and an OR chain inside an AND chain', async () => {
      const where = chain(2_000, 'OR', (i) => `(exposure = ${i} AND detector = ${(i % 4) + 1})`);
      const r = await queryDataIds(repo.registry, { dimensions: ['exposure', 'detector'], where: `instrument = 'Cam' AND (${where}) AND exposure.seq_num >= 0` });
      const [exposure, detector] = [r.columns.indexOf('exposure'), r.columns.indexOf('detector')];
      const pairs = r.rows.map((row) => `${row[exposure]}/${row[detector]}`).sort();
      expect(pairs).toEqual(EXPOSURES.map((e) => `${e.id}/${(e.id % 4) + 1}`).sort());
    });

    it('more values than one query may bind: WHERE_TOO_LARGE at the term that passes the limit', async () => {
      const terms = Array.from({ length: 40_000 }, (_, i) => `exposure = ${i}`);
      const where = terms.join(' OR ');
      const e = await failure(where);
      expect(e.code).toBe('WHERE_TOO_LARGE');
      expect(e.position).toBe(where.indexOf(`exposure = ${30_000}`));
    });
  });

  describe('IN lists of any length bind one value', () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => 3 * i + 2);

    it('40,000 literal values (past SQLite\'s 32,766 parameters)', async () => {
      expect(await exposures(`exposure IN (${ids.slice(0, 40_000).join(', ')})`)).toEqual(expected((e) => e.id % 3 === 2));
    });

    it('100,000 bound values (past PostgreSQL\'s 65,535), with NOT IN and ranges beside them', async () => {
      const bind = new Map<string, BindValue>([['ids', ids]]);
      expect(await exposures('exposure IN (:ids)', bind)).toEqual(expected((e) => e.id % 3 === 2));
      expect(await exposures('exposure NOT IN (:ids, 1..3)', bind)).toEqual(expected((e) => e.id % 3 !== 2 && e.id > 3));
      expect(await exposures('exposure IN (1, ids, 19..20)', bind)).toEqual(expected((e) => e.id % 3 === 2 || e.id === 1 || e.id >= 19));
    });

    it('strings, doubles and times (64-bit nanoseconds, exact) in long lists', async () => {
      const names = [...Array.from({ length: 2_000 }, (_, i) => `'u${i}'`), "'t3'", `'${LONG}'`];
      expect(await exposures(`exposure.target_name IN (${names.join(', ')})`)).toEqual(expected((e) => e.target_name === 't3' || e.target_name === LONG));
      const times = Array.from({ length: 2_000 }, (_, i) => 0.5 + 3 * i);
      expect(await exposures(`exposure.exposure_time IN (${times.join(', ')})`)).toEqual(expected((e) => times.includes(e.exposure_time!)));
      const begins = Array.from({ length: 1_500 }, (_, i) => `T'iso/${isoText(T0 + BigInt(i) * GRID_NS + (i % 2 ? 1n : 0n), 'tai')}/tai'`);
      expect(await exposures(`exposure.timespan.begin IN (${begins.join(', ')})`)).toEqual(expected((e) => (e.id - 1) % 2 === 0));
    });
  });

  describe('values no column holds are refused, the same way on both databases', () => {
    it.each([
      ['exposure = :v', 2n ** 64n, 'WHERE_RANGE'],
      ['exposure = :v', -(2n ** 63n) - 1n, 'WHERE_RANGE'],
      ['exposure IN (1, :v)', Number.NaN, 'WHERE_RANGE'],
      ['exposure.exposure_time < :v', Number.POSITIVE_INFINITY, 'WHERE_RANGE'],
      ['exposure.target_name = :v', 'a\u0000b', 'WHERE_RANGE'],
    ])('%s with v = %s: %s at the bind', async (where, v, code) => {
      const e = await failure(where, new Map([['v', v as BindValue]]));
      expect(e.code).toBe(code);
      expect(e.position).toBe(where.indexOf(':v'));
      expect(e.message).toContain("bind 'v'");
    });

    it('a bound integer-valued double past 2^53 compares as a double (as 1e20 written in the expression does)', async () => {
      expect(await exposures('exposure < :v', new Map([['v', 1e20]]))).toEqual(expected(() => true));
      expect(await exposures('exposure < 1e20')).toEqual(expected(() => true));
    });

    it('--bind integers: exact past 2^53, refused past 64 bits', () => {
      expect(parseBinds(['v=9007199254740993']).get('v')).toBe(9007199254740993n);
      expect(parseBinds(['v=12']).get('v')).toBe(12);
      expect(() => parseBinds(['v=9223372036854775808'])).toThrow(expect.objectContaining({ code: 'WHERE_BIND', message: expect.stringContaining('9223372036854775808') }));
      expect(() => parseBinds(['v=1,-9223372036854775809'])).toThrow(expect.objectContaining({ code: 'WHERE_BIND' }));
    });

    it('a string longer than a VARCHAR(256) column matches nothing (PostgreSQL used to cut it to 256)', async () => {
      expect(await exposures(`exposure.target_name = '${LONG}y'`)).toEqual([]);
      expect(await exposures(`exposure.target_name = '${LONG}'`)).toEqual([1]);
    });

    it.each([
      ["exposure.timespan.begin > T'9999-12-31'", "T'9999"],
      ["exposure.timespan OVERLAPS T'1000000000000'", "T'1000"],
      ["exposure.timespan.end < T'iso/1800-01-01 00:00:00/tai'", "T'iso"],
    ])('a time outside the storable range is a syntax error at the literal: %s', async (where, at) => {
      const e = await failure(where);
      expect(e.code).toBe('WHERE_SYNTAX');
      expect(e.position).toBe(where.indexOf(at));
      expect(e.message).toMatch(/outside the times qg holds/);
    });
  });

  describe('arithmetic that leaves its type\'s range fails the same way on both databases', () => {
    it.each([
      ['exposure = 9223372036854775807 + 1', '9223372036854775807 + 1'],
      ['exposure = -(-9223372036854775807 - 1)', '-(-9223372036854775807 - 1)'],
      ['exposure = (-9223372036854775807 - 1) / -1', '(-9223372036854775807 - 1) / -1'],
      ['exposure < 3037000500 * 3037000500', '3037000500 * 3037000500'],
      ['exposure < :big + 1', ':big + 1'],
      ['exposure.exposure_time < 1e308 * 10', '1e308 * 10'],
      ['exposure.exposure_time < 1e-300 * 1e-300', '1e-300 * 1e-300'],
    ])('constant arithmetic: %s is WHERE_OVERFLOW at %j', async (where, at) => {
      const e = await failure(where, new Map([['big', 9223372036854775807n]]));
      expect(e.code).toBe('WHERE_OVERFLOW');
      expect(e.position).toBe(where.indexOf(at));
    });

    it.each([
      ['exposure * 4611686018427387904 > 0', 'exposure * 4611686018427387904'],
      ['detector = 1 AND exposure + 9223372036854775800 > 0', 'exposure + 9223372036854775800'],
      ['-(exposure - 9223372036854775807 - 2) > 0', '-(exposure'],
      ['exposure.exposure_time * 1e307 * 10 > 0', 'exposure.exposure_time * 1e307 * 10'],
    ])('arithmetic on data: %s is WHERE_OVERFLOW at %j', async (where, at) => {
      const e = await failure(where);
      expect(e.code).toBe('WHERE_OVERFLOW');
      expect(e.position).toBe(where.indexOf(at));
    });

    it('arithmetic that stays in range still answers, and division by zero is still NULL', async () => {
      expect(await exposures('exposure * 461168601842738790 > 0')).toEqual(expected(() => true));
      expect(await exposures('9223372036854775807 - exposure > 9223372036854775790')).toEqual(expected((e) => e.id < 17));
      expect(await exposures('exposure / 0 = 1 OR exposure = 2')).toEqual([2]);
    });

    it('a range with a stride over the whole 64-bit range: no overflow, the right rows', async () => {
      expect(await exposures('exposure IN (-9223372036854775808..9223372036854775807:2)')).toEqual(expected((e) => e.id % 2 === 0));
      expect(await exposures('exposure IN (-9223372036854775807..9223372036854775807:3)')).toEqual(expected((e) => e.id % 3 === 2));
      expect(await exposures('exposure IN (9223372036854775806..9223372036854775807:9223372036854775807)')).toEqual([]);
    });
  });

  describe('deep expressions', () => {
    it('250 chained additions run; 1,100 and 10,000 are a syntax error on both databases', async () => {
      const sum = (n: number) => Array.from({ length: n }, () => 'exposure').join(' + ');
      expect(await exposures(`${sum(250)} = 2500`)).toEqual([10]);
      for (const n of [1_100, 10_000]) {
        const e = await failure(`${sum(n)} > 0`);
        expect(e.code).toBe('WHERE_SYNTAX');
        expect(e.message).toMatch(/nested too deeply/);
      }
    });

    it('250 nested NOTs and unary minuses run', async () => {
      expect(await exposures(`${'NOT '.repeat(249)}exposure > 2`)).toEqual([1, 2]);
      expect(await exposures(`${'- '.repeat(250)}exposure = 7`)).toEqual([7]);
    });
  });
});
