/**
 * `Database.selectColumns` returns what `selectArrays` returns, transposed, however it reads
 * it (SQLite: one row of group_concat aggregates; PostgreSQL: COPY text): integers up to 2^53, strings with the separators a
 * split could trip on, blobs holding zero bytes and commas, an empty result, and a string
 * holding the unit separator, after which SQLite reads the rows instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repository } from '../../../registry/index.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';
import { seededRandom } from '../../support/random.js';

const COLUMNS = [{ name: 'n', kind: 'int' }, { name: 's', kind: 'string' }, { name: 'b', kind: 'blob' }] as const;

describe.each(DIALECTS)('selectColumns (%s)', (dialect) => {
  let repo: Repository;
  let dispose: () => Promise<void>;
  beforeAll(async () => ({ repo, dispose } = await makeRepo(dialect)));
  afterAll(async () => dispose?.());

  /** Fills a table with `rows`, then reads `where` of it both ways: each as its rows, JSON, sorted. */
  async function bothWays(rows: unknown[][], where = '1 = 1'): Promise<{ columns: string[]; transposed: string[]; statements: number }> {
    const db = repo.registry.db;
    return repo.registry.transaction(async (tx) => {
      await db.execute(tx, `CREATE TEMPORARY TABLE cols_check (pos INTEGER, n BIGINT, s VARCHAR(256), b ${dialect === 'postgresql' ? 'BYTEA' : 'BLOB'})`);
      await db.insertRows(tx, 'cols_check', ['pos', 'n', 's', 'b'], rows.map((r, i) => [i, ...r]));
      const sql = `SELECT n, s, b FROM cols_check WHERE ${where}`;
      const before = db.statements.total;
      const columns = await db.selectColumns(tx, sql, [], COLUMNS);
      const statements = db.statements.total - before;
      const arrays = await db.selectArrays(tx, sql);
      await db.execute(tx, 'DROP TABLE cols_check');
      // the rows each way, in one order: a column's values must stay with their row's
      const bytes = (b: unknown) => [...(b as Uint8Array)];
      const sorted = (rs: unknown[][]) => rs.map((r) => JSON.stringify([Number(r[0]), r[1], bytes(r[2])])).sort();
      return { columns: sorted(columns[0]!.map((_, i) => columns.map((c) => c[i]))), transposed: sorted(arrays), statements };
    });
  }

  it('reads integers, awkward strings and blobs as the rows hold them', async () => {
    const random = seededRandom(20261207);
    const strings = ['plain', 'a,b', 'semi;colon', 'ünïcödé ✓', '', ' ', 'tab\there', 'new\nline', "it's", '"q"'];
    // the edges of the integer parsing: zero, signs, 15 digits (exact by sums) and 16 (parsed whole)
    const edges = [0, -1, 999_999_999_999_999, -999_999_999_999_999, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
    const rows = Array.from({ length: 300 }, (_, i) => [
      edges[i] ?? Math.floor(random() * 2 ** 40) - 2 ** 39,
      strings[i % strings.length]!,
      Uint8Array.from({ length: Math.floor(random() * 12) }, () => [0, 44, 31, 255][Math.floor(random() * 4)]!),
    ]);
    const { columns, transposed, statements } = await bothWays(rows);
    expect(columns).toHaveLength(300);
    expect(columns).toEqual(transposed);
    // SQLite read the aggregates, PostgreSQL the COPY text; neither fell back to the rows (a second statement)
    expect(statements).toBe(1);
  });

  it('returns empty columns for no rows', async () => {
    const { columns } = await bothWays([[1, 'x', new Uint8Array([1])]], '1 = 0');
    expect(columns).toEqual([]);
  });

  it('is exact for a string holding the unit separator', async () => {
    const { columns, transposed, statements } = await bothWays([[1, 'a\u001fb', new Uint8Array([1, 2])], [2, 'c', new Uint8Array([])]]);
    expect(columns).toEqual(transposed);
    if (dialect === 'sqlite') expect(statements).toBe(2);
    expect(columns).toContain(JSON.stringify([1, 'a\u001fb', [1, 2]]));
  });
});
