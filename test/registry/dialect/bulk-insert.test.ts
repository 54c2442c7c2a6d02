/**
 * Bulk inserts (`Database.insertRows`, the path of spatial pairs and imports: multi-row
 * INSERTs on SQLite, COPY or array parameters on PostgreSQL) keep every value as it was:
 * strings that need escaping in COPY text or quoting in an array literal (quotes, backslashes,
 * tabs, newlines, commas, braces, the word NULL, blanks), nulls, runs of one value, numbers at
 * the edges of exact integers and blobs, read back by a plain SELECT and compared with the rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repository } from '../../../registry/index.js';
import { arrayLiteral } from '../../../registry/dialect/postgres/postgres-database.js';
import { DIALECTS, makeRepo } from '../../support/test-repos.js';

const AWKWARD = ['plain', 'a "quoted" word', 'back\\slash', 'trailing\\', 'a,b', '{braces}', 'NULL', 'null', '\\N', '\\.', '', ' ', ' padded ', 'ünïcödé ✓', "it's", 'tab\there', 'new\nline', 'cr\rhere', 'crlf\r\n'];

/** Rows of (name, number, maybe-null text, blob): every awkward string, runs of repeats, integer edges. */
function rows(): unknown[][] {
  const out: unknown[][] = [];
  const numbers = [0, -1, 1, 2 ** 53 - 1, -(2 ** 53 - 1), 189, 42];
  // blobs as Buffers and as a view into a larger array (byteOffset > 0)
  const blob = (i: number) => (i % 2 ? Buffer.from([i, 0, 255, 34, 92]) : new Uint8Array([7, 7, i, 0, 255, 9, 10]).subarray(2, 6));
  AWKWARD.forEach((s, i) => out.push([s, numbers[i % numbers.length]!, i % 3 ? s : null, blob(i)]));
  for (let i = 0; i < 5; i++) out.push(['SimCam', i, 'SimCam', Buffer.from([0])]); // a run of one value
  return out;
}

describe.each(DIALECTS)('bulk inserts keep every value (%s)', (dialect) => {
  let repo: Repository;
  let dispose: () => Promise<void>;
  beforeAll(async () => ({ repo, dispose } = await makeRepo(dialect)));
  afterAll(async () => dispose?.());

  it.each([false, true])('reads back exactly the rows it inserted (ignoring conflicts: %s)', async (ignoreConflicts) => {
    const db = repo.registry.db;
    const blob = dialect === 'postgresql' ? 'BYTEA' : 'BLOB';
    const inserted = rows();
    const back = await repo.registry.transaction(async (tx) => {
      await db.execute(tx, `CREATE TEMPORARY TABLE bulk_check (pos INTEGER, name VARCHAR(256), n BIGINT, maybe TEXT, bytes ${blob})`);
      // PostgreSQL: COPY, or an INSERT of array parameters when conflicts are ignored
      await db.insertRows(tx, 'bulk_check', ['pos', 'name', 'n', 'maybe', 'bytes'], inserted.map((r, i) => [i, ...r]), { ignoreConflicts });
      const read = await db.selectArrays(tx, 'SELECT name, CAST(n AS TEXT), maybe, bytes FROM bulk_check ORDER BY pos');
      await db.execute(tx, 'DROP TABLE bulk_check');
      return read;
    });
    const bytes = (b: unknown) => [...(b as Uint8Array)];
    expect(back.map(([name, n, maybe, b]) => [name, Number(n), maybe, bytes(b)])).toEqual(inserted.map(([name, n, maybe, b]) => [name, n, maybe, bytes(b)]));
  });
});

describe('PostgreSQL array literals', () => {
  it('quote strings as the driver does and leave numbers bare', () => {
    expect(arrayLiteral(['a "b"', 'c\\d', null, 'NULL'])).toBe('{"a \\"b\\"","c\\\\d",NULL,"NULL"}');
    expect(arrayLiteral([1, -2, 10n])).toBe('{1,-2,10}');
    expect(arrayLiteral(['x', 'x', 'y'])).toBe('{"x","x","y"}');
  });

  it('leave other values (blobs, dates) to the driver', () => {
    expect(arrayLiteral([Buffer.from([1])])).toBeNull();
    expect(arrayLiteral(['a', new Date(0)])).toBeNull();
  });
});
