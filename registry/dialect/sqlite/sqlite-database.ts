/** SQLite adapter: the raw better-sqlite3 driver for bulk paths (about 2x knex's speed here). */
import type BetterSqlite3 from 'better-sqlite3';
import { Database, driverCode, makeKnex, type Executor, type ResultColumn } from '../database.js';
import { SQLITE_DIALECT } from './sqlite-dialect.js';
import { integerAt } from '../decimal-integers.js';

type Connection = BetterSqlite3.Database;

/** Converts JS values to what better-sqlite3 binds (it refuses booleans). */
function bindable(value: unknown): unknown {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

/** Rows per multi-row INSERT: beyond a few hundred the statement text costs more than it saves. */
const BATCH_ROWS = 500;
/** Bound parameters per statement (SQLite's SQLITE_MAX_VARIABLE_NUMBER since 3.32). */
const MAX_PARAMETERS = 32766;

/** `rows` in arrays of `size` (the last one shorter). */
function* batches<T>(rows: Iterable<T>, size: number): Generator<T[]> {
  let batch: T[] = [];
  for (const row of rows) {
    batch.push(row);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/** Separates the strings of a column read by `selectColumns` (a control character keys do not hold). */
const UNIT_SEPARATOR = '\u001f';

/**
 * The columns of `selectColumns`'s aggregate row (count, then each column's aggregates), or
 * null when a column does not split back into exactly `count` values.
 */
function splitColumns(row: readonly unknown[], columns: readonly ResultColumn[]): unknown[][] | null {
  const count = Number(row[0]);
  if (count === 0) return columns.map(() => []);
  const out: unknown[][] = [];
  let at = 1;
  for (const { kind } of columns) {
    const text = row[at++];
    if (kind === 'string') {
      if (typeof text !== 'string') return null;
      const values = text.split(UNIT_SEPARATOR);
      if (values.length !== count) return null;
      out.push(values);
      continue;
    }
    // integers (and blob lengths) come as bytes: parsed there, with no string per value
    if (!(text instanceof Uint8Array)) return null;
    const numbers = integersIn(text, count);
    if (!numbers) return null;
    if (kind === 'int') {
      out.push(numbers);
      continue;
    }
    const bytes = row[at++];
    if (!(bytes instanceof Uint8Array) || numbers.reduce((a, b) => a + b, 0) !== bytes.length) return null;
    const blobs: Uint8Array[] = new Array(count);
    for (let i = 0, offset = 0; i < count; offset += numbers[i]!, i++) blobs[i] = bytes.subarray(offset, offset + numbers[i]!);
    out.push(blobs);
  }
  return out;
}

/**
 * The `count` comma-separated integers of a `group_concat` read as bytes, or null when there
 * are not exactly `count` or one is not an integer.
 */
function integersIn(bytes: Uint8Array, count: number): number[] | null {
  const out: number[] = [];
  for (let start = 0, k = 0; k <= bytes.length; k++) {
    if (k < bytes.length && bytes[k] !== 44) continue; // ','
    const value = integerAt(bytes, start, k);
    if (value === null || out.length === count) return null;
    out.push(value);
    start = k + 1;
  }
  return out.length === count ? out : null;
}

/** The embedded default backend: one file, one connection, WAL journal. */
export class SqliteDatabase extends Database<Connection> {
  /** Opens (creating if needed) the database file. */
  static async open(filename: string): Promise<SqliteDatabase> {
    const knex = makeKnex({
      client: 'better-sqlite3',
      connection: { filename },
      pool: {
        min: 1,
        max: 1,
        afterCreate: (conn: Connection, done: (err: Error | null, conn: Connection) => void) => {
          conn.pragma('journal_mode = WAL');
          conn.pragma('synchronous = NORMAL');
          conn.pragma('busy_timeout = 30000');
          conn.pragma('cache_size = -262144');
          conn.pragma('temp_store = MEMORY');
          conn.pragma('foreign_keys = ON');
          done(null, conn);
        },
      },
    });
    return new SqliteDatabase(SQLITE_DIALECT, knex);
  }

  /** Runs one prepared INSERT per row in a single transaction; returns each row's change count. */
  private async insertEach(tx: Executor, verb: string, table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<number[]> {
    if (rows.length === 0) return [];
    return this.withConnection(tx, (conn) => {
      const stmt = conn.prepare(`${verb} INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
      this.statements.count();
      const changes: number[] = [];
      const write = () => {
        for (const row of rows) changes.push(stmt.run(row.map(bindable)).changes);
      };
      // Inside a knex transaction the BEGIN is already issued; otherwise batch in our own.
      if (conn.inTransaction) write();
      else conn.transaction(write)();
      return changes;
    });
  }

  /**
   * Inserts in multi-row VALUES batches (one prepared statement per batch size, in one
   * transaction): half the time of a statement run per row, which matters for the 240k
   * spatial pairs of a tract. Counted as one statement.
   */
  override async insertRows(tx: Executor, table: string, columns: readonly string[], rows: readonly unknown[][], options: { ignoreConflicts?: boolean } = {}): Promise<number> {
    if (rows.length === 0) return 0;
    const verb = options.ignoreConflicts ? 'INSERT OR IGNORE' : 'INSERT';
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const prefix = `${verb} INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES `;
    const perBatch = Math.max(1, Math.min(BATCH_ROWS, Math.floor(MAX_PARAMETERS / Math.max(1, columns.length))));
    return this.withConnection(tx, (conn) => {
      this.statements.count();
      const prepare = (n: number) => conn.prepare(prefix + Array.from({ length: n }, () => tuple).join(', '));
      const full = rows.length >= perBatch ? prepare(perBatch) : null;
      let changes = 0;
      const write = () => {
        for (let i = 0; i < rows.length; i += perBatch) {
          const batch = rows.slice(i, i + perBatch);
          const values: unknown[] = [];
          for (const row of batch) for (const v of row) values.push(bindable(v));
          changes += (batch.length === perBatch ? full! : prepare(batch.length)).run(values).changes;
        }
      };
      // Inside a knex transaction the BEGIN is already issued; otherwise batch in our own.
      if (conn.inTransaction) write();
      else conn.transaction(write)();
      return changes;
    });
  }

  override async insertNewRows(tx: Executor, table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<boolean[]> {
    return (await this.insertEach(tx, 'INSERT OR IGNORE', table, columns, rows)).map((c) => c > 0);
  }

  override selectArrays(tx: Executor, sql: string, bindings: readonly unknown[] = []): Promise<unknown[][]> {
    return this.withConnection(tx, (conn) => {
      this.statements.count();
      return conn.prepare(sql).raw(true).all(bindings.map(bindable)) as unknown[][];
    });
  }

  /**
   * Reads the columns as one row of aggregates over the query (one pass, so every aggregate
   * sees the rows in the same order): integers (as bytes) and strings as separated text, blobs end to
   * end with their lengths. better-sqlite3 makes an array per row and a Buffer per blob: for a
   * tract's 127k detector regions that was most of the read. Falls back to reading rows when
   * the text does not split back exactly (a string holding the separator, a NULL) or is too
   * big for one SQLite value (1 GB by default).
   */
  override async selectColumns(tx: Executor, sql: string, bindings: readonly unknown[], columns: readonly ResultColumn[]): Promise<unknown[][]> {
    const aggregates = columns.flatMap(({ name, kind }) => {
      const c = `"${name.replace(/"/g, '""')}"`;
      if (kind === 'blob') return [`CAST(group_concat(length(${c})) AS BLOB)`, `CAST(group_concat(${c}, '') AS BLOB)`];
      return [kind === 'int' ? `CAST(group_concat(${c}) AS BLOB)` : `group_concat(${c}, char(${UNIT_SEPARATOR.charCodeAt(0)}))`];
    });
    let row: unknown[];
    try {
      row = await this.withConnection(tx, (conn) => {
        this.statements.count();
        return conn.prepare(`SELECT count(*), ${aggregates.join(', ')} FROM (${sql})`).raw(true).get(bindings.map(bindable)) as unknown[];
      });
    } catch (e) {
      if (driverCode(e) === 'SQLITE_TOOBIG') return super.selectColumns(tx, sql, bindings, columns);
      throw e;
    }
    return splitColumns(row, columns) ?? super.selectColumns(tx, sql, bindings, columns);
  }

  override stream(tx: Executor, sql: string, bindings: readonly unknown[] = [], batchSize = 10_000): AsyncGenerator<unknown[][]> {
    return this.streamWithConnection(tx, (conn) => {
      this.statements.count();
      return batches(conn.prepare(sql).raw(true).iterate(bindings.map(bindable)) as Iterable<unknown[]>, batchSize);
    });
  }

  override execute(tx: Executor, sql: string, bindings: readonly unknown[] = []): Promise<number> {
    return this.withConnection(tx, (conn) => {
      this.statements.count();
      return conn.prepare(sql).run(bindings.map(bindable)).changes;
    });
  }

  override isTransient(error: unknown): boolean {
    return /^SQLITE_(BUSY|LOCKED)/.test(driverCode(error) ?? '');
  }

  override isUniqueViolation(error: unknown): boolean {
    return /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test(driverCode(error) ?? '');
  }

  override async explain(tx: Executor, sql: string, bindings: readonly unknown[] = []): Promise<string> {
    const rows = await this.selectArrays(tx, `EXPLAIN QUERY PLAN ${sql}`, bindings);
    return rows.map((r) => String(r[3])).join('\n');
  }
}
