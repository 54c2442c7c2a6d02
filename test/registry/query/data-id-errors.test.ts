/**
 * Errors a user can act on, through `queryDataIds` on every dialect: a caret at the right
 * character for syntax errors and type mismatches, the closest valid name for unknown ones,
 * "can never match" instead of silently nothing, and SQL-injection attempts that stay plain
 * data or a syntax error while the tables stay intact. Tests assert codes and positions; the
 * wording is checked only for the names a message must mention.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError, parseBinds, queryDataIds, type Repository } from '../../../registry/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { T0, GRID_NS, insertObsRepo, type ObsRepo } from './data-id-oracle.js';

const EVIL = "x'); DROP TABLE exposure; --";

/** A tiny repository written out by hand. */
const DATA: ObsRepo = {
  instruments: ['Cam'],
  bands: ['g', 'r'],
  physicalFilters: [{ instrument: 'Cam', name: 'g_01', band: 'g' }, { instrument: 'Cam', name: 'r_03', band: 'r' }],
  dayObs: [{ instrument: 'Cam', id: 20240101, timespan: null }],
  detectors: [{ instrument: 'Cam', id: 1, purpose: 'SCIENCE', raft: 'R22' }, { instrument: 'Cam', id: 2, purpose: "it's", raft: null }],
  exposures: [
    { instrument: 'Cam', id: 10, physical_filter: 'g_01', day_obs: 20240101, exposure_time: 30, dark_time: null, observation_type: 'science', seq_num: 1, target_name: EVIL, timespan: { begin: T0, end: T0 + GRID_NS } },
    { instrument: 'Cam', id: 11, physical_filter: 'r_03', day_obs: 20240101, exposure_time: 15, dark_time: null, observation_type: "it's", seq_num: 2, target_name: 'plain', timespan: null },
  ],
  visits: [{ instrument: 'Cam', id: 10, physical_filter: 'g_01', day_obs: 20240101, exposure_time: 30, seq_num: 1, target_name: "'; DROP TABLE visit; --", timespan: null }],
  visitDefinitions: [['Cam', 10, 10]],
};

/** The error a query throws (fails the test when it succeeds). */
async function failure(repo: Repository, where: string, extra: { dimensions?: string[]; bind?: Map<string, string | number | (string | number)[]>; orderBy?: string[] } = {}): Promise<RegistryError & { position?: number; format?: () => string }> {
  try {
    await queryDataIds(repo.registry, { dimensions: extra.dimensions ?? ['exposure', 'detector'], where, bind: extra.bind, orderBy: extra.orderBy });
  } catch (e) {
    expect(e).toBeInstanceOf(RegistryError);
    return e as RegistryError & { position?: number };
  }
  throw new Error(`expected '${where}' to fail`);
}

/** The caret line of a formatted error. */
const caretColumn = (formatted: string): number => formatted.split('\n')[1]!.indexOf('^');

describe.each(DIALECTS)('data-ID query errors (%s)', (dialect) => {
  let repo: Repository;
  let dispose: () => Promise<void>;
  let countsBefore: Map<string, number>;
  beforeAll(async () => {
    ({ repo, dispose } = await makeRepo(dialect));
    await insertObsRepo(repo, DATA);
    countsBefore = await repo.registry.dimensions.counts(repo.registry.knex);
  });
  afterAll(() => dispose());

  it.each([
    ["visit = 12 AND AND band='g'", 'AND band'],
    ['detector = 1 AND (visit = 2', '(visit'],
    ['exposure.exposure_time > 3 $', '$'],
    ["band = 'g", "'g"],
    ['exposure.id) OR (1 = 1', ') OR'],
  ])('syntax error in %j: caret under %j', async (where, at) => {
    const e = await failure(repo, where);
    expect(e.code).toBe('WHERE_SYNTAX');
    expect(e.position).toBe(where.indexOf(at));
    expect(caretColumn(e.format!())).toBe(where.indexOf(at));
    expect(e.format!().split('\n')[0]).toBe(where);
  });

  it.each([
    ["visit = 'abc'", "visit = 'abc'", ['visit', "'abc'", 'left', 'right']],
    ["detector = 1 AND visit = 'abc'", "visit = 'abc'", ['visit', "'abc'"]],
    ['exposure.exposure_time = band', 'exposure.exposure_time', ['exposure.exposure_time', 'band']],
    ['NOT visit', 'visit', ['visit']],
    ["visit.timespan = T'60310'", 'visit.timespan', ['=']],
    ["detector.purpose IN (1..3)", '1..3', ['detector.purpose']],
    ["exposure.observation_type % 2 = 1", 'exposure.observation_type', ['exposure.observation_type']],
  ])('type mismatch in %j: caret at %j, message names %j', async (where, at, names) => {
    const e = await failure(repo, where);
    expect(e.code).toBe('WHERE_TYPE');
    expect(e.position).toBe(where.indexOf(at));
    expect(caretColumn(e.format!())).toBe(where.indexOf(at));
    for (const n of names) expect(e.message).toContain(n);
  });

  // Each item of a bound list is checked against the IN operand (where-compiler.ts, `listItem`):
  // unchecked, strings meeting an integer matched nothing on SQLite and failed with a raw
  // "invalid input syntax for type bigint" on PostgreSQL.
  it('a bound string list in IN against an integer is a type mismatch', async () => {
    const e = await failure(repo, 'exposure IN (:names)', { bind: new Map([['names', ['a', 'b']]]) });
    expect(e.code).toBe('WHERE_TYPE');
  });

  it.each([
    ['detecor = 1', 'detecor', 'detector'],
    ['visit = 1 AND exposure.exposure_tme > 2', 'exposure.exposure_tme', 'exposure_time'],
    ['visti.region OVERLAPS CIRCLE(1, 2, 3)', 'visti', 'visit'],
    ["exposure.observaton_type = 'bias'", 'exposure.observaton_type', 'observation_type'],
    ['band = :bnd', ':bnd', 'bands'],
  ])('unknown name in %j points at it and suggests %j', async (where, at, suggestion) => {
    const e = await failure(repo, where, { bind: new Map([['bands', 'g']]) });
    expect(['WHERE_UNKNOWN_NAME', 'WHERE_BIND']).toContain(e.code);
    expect(e.position).toBe(where.indexOf(at));
    expect(e.message).toContain(`did you mean '${suggestion}'`);
  });

  it('an unknown dimension in --dimensions suggests the closest one', async () => {
    const e = await failure(repo, '', { dimensions: ['detecor'] });
    expect(e.message).toContain("did you mean 'detector'");
  });

  it("band='g' AND band='r' is reported as never matching, at the second term", async () => {
    const where = "band='g' AND band='r'";
    const e = await failure(repo, where);
    expect(e.code).toBe('QUERY_EMPTY');
    expect(e.name).toBe('EmptyQueryError');
    expect(e.position).toBe(where.indexOf("band='r'"));
    // the same through bound values and a field of the same dimension's table
    expect((await failure(repo, "exposure = 10 AND exposure.id = 11")).code).toBe('QUERY_EMPTY');
  });

  it.each([
    ["instrument = 'Nope'", undefined],
    ['instrument = :i', new Map([['i', 'Nope']])],
    ["instrument IN ('Nope', 'Nix') AND detector = 1", undefined],
  ])('an instrument not in the repository is reported: %j', async (where, bind) => {
    const e = await failure(repo, where, { bind });
    expect(e.code).toBe('QUERY_EMPTY');
    expect(e.message).toContain('Nope');
    expect(e.message).toContain('Cam'); // the known ones
  });

  it('a governor value that exists is fine, and so is one of several', async () => {
    const r = await queryDataIds(repo.registry, { dimensions: ['exposure'], where: "instrument IN ('Nope', 'Cam') AND exposure = 11" });
    expect(r.rows).toEqual([['Cam', 11]]);
  });

  it('injection in values is plain data: quotes, semicolons and comments match themselves', async () => {
    const quoted = `'${EVIL.replace(/'/g, "''")}'`;
    const r1 = await queryDataIds(repo.registry, { dimensions: ['exposure'], where: `exposure.target_name = ${quoted}` });
    expect(r1.rows).toEqual([['Cam', 10]]);
    const r2 = await queryDataIds(repo.registry, { dimensions: ['visit'], where: 'visit.target_name = :t', bind: new Map([['t', "'; DROP TABLE visit; --"]]) });
    expect(r2.rows).toEqual([['Cam', 10]]);
    const r3 = await queryDataIds(repo.registry, { dimensions: ['exposure'], where: 'exposure.target_name IN (evil, :evil)', bind: new Map([['evil', [EVIL, "1' OR '1'='1"]]]) });
    expect(r3.rows).toEqual([['Cam', 10]]);
    const r4 = await queryDataIds(repo.registry, { dimensions: ['exposure'], where: "exposure.target_name = 'x'' OR ''1''=''1'" });
    expect(r4.rows).toEqual([]);
    // bind values read from the command line stay data too
    const binds = parseBinds([`t=${EVIL}`]);
    const r5 = await queryDataIds(repo.registry, { dimensions: ['exposure'], where: 'exposure.target_name = :t', bind: binds });
    expect(r5.rows).toEqual([['Cam', 10]]);
  });

  it.each([
    'exposure; DROP TABLE exposure',
    '"exposure" = 1',
    'exposure = 1 /* comment */',
    "exposure.target_name = 'a' OR 1=1; --",
    "exposure.target_name = 'a'; DELETE FROM visit",
    'exposure.id) OR (1 = 1',
    "exposure.\"id\" = 1",
    'exposure = 1 # comment',
    "exposure.target_name = 'unterminated",
  ])('injection in identifiers is a syntax error: %j', async (where) => {
    const e = await failure(repo, where);
    expect(e.code).toBe('WHERE_SYNTAX');
  });

  it('injection through names outside the expression is refused', async () => {
    expect((await failure(repo, '', { dimensions: ['visit; DROP TABLE visit'] })).message).toContain('visit; DROP TABLE visit');
    expect((await failure(repo, '', { dimensions: ['visit'], orderBy: ['visit; DROP TABLE visit'] })).code).toBe('QUERY_ORDER');
    // `--` is two minus signs, so the rest is read as an expression: `1 - (-DROP) TABLE ...`
    expect((await failure(repo, 'exposure.id = 1 -- DROP TABLE visit')).code).toBe('WHERE_SYNTAX');
    expect(() => parseBinds(['x; DROP TABLE visit=1'])).toThrow(expect.objectContaining({ code: 'WHERE_BIND' }));
  });

  it('the tables are intact after all of the above', async () => {
    expect(await repo.registry.dimensions.counts(repo.registry.knex)).toEqual(countsBefore);
    const r = await queryDataIds(repo.registry, { dimensions: ['exposure', 'detector'] });
    expect(r.rows.length).toBe(4);
  });
});
