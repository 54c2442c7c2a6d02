/** PostgreSQL adapter: COPY for bulk inserts and column reads, array-mode reads through the pg client. */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { Database, driverCode, makeKnex, type Executor, type ResultColumn } from '../database.js';
import { columnsFromCopyText } from './copy-columns.js';
import { POSTGRES_DIALECT } from './postgres-dialect.js';

/** SQLSTATEs after which a transaction may run again: serialization_failure, deadlock_detected, lock_not_available. */
const TRANSIENT = new Set(['40001', '40P01', '55P03']);

let cursors = 0;

/** Bindings as the pg driver takes them (64-bit integers as text: it does not bind bigint). */
function bindable(values: readonly unknown[]): unknown[] {
  return values.map((v) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * The PostgreSQL array literal of `values` when they are all numbers, bigints, strings or
 * nulls (else null: the driver writes those). The driver writes any array, but through
 * several calls per element: for a tract's 241k spatial pairs (6 columns) that was 0.4 s of
 * the 0.78 s INSERT; this takes a tenth of it. Elements are quoted as the driver quotes them.
 */
export function arrayLiteral(values: readonly unknown[]): string | null {
  const parts = new Array<string>(values.length);
  let last: unknown, lastPart = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // runs of one value (an instrument, a skymap) are quoted once
    if (v === last && i > 0) parts[i] = lastPart;
    else if (typeof v === 'number' || typeof v === 'bigint') parts[i] = String(v);
    else if (typeof v === 'string') parts[i] = `"${v.replace(/[\\"]/g, '\\$&')}"`;
    else if (v === null || v === undefined) parts[i] = 'NULL';
    else return null;
    last = v;
    lastPart = parts[i]!;
  }
  return `{${parts.join(',')}}`;
}

/** COPY text's escapes of the characters it gives a meaning. */
const COPY_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Rows per piece of COPY text: a large insert's text is made and sent a piece at a time. */
const COPY_LINES = 50_000;

/** The types of the values that have a COPY text form here, besides byte arrays and null. */
const COPYABLE_TYPES: ReadonlySet<string> = new Set(['number', 'bigint', 'string', 'boolean']);

/** Whether every value has a COPY text form here. */
function copyable(rows: readonly unknown[][]): boolean {
  return rows.every((row) => row.every((v) => v === null || v === undefined || v instanceof Uint8Array || COPYABLE_TYPES.has(typeof v)));
}

/** `rows` ({@link copyable}) as pieces of COPY text: a line per row, tab-separated, `\N` for null. */
function* copyText(rows: readonly unknown[][]): Generator<string> {
  for (let start = 0; start < rows.length; start += COPY_LINES) {
    const lines = rows.slice(start, start + COPY_LINES).map((row) => row.map((v) => {
      if (typeof v === 'string') return v.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!);
      if (v === null || v === undefined) return '\\N';
      if (typeof v === 'boolean') return v ? 't' : 'f';
      // bytea's hex form, its backslash escaped for COPY
      if (v instanceof Uint8Array) return `\\\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
      return String(v);
    }).join('\t'));
    yield `${lines.join('\n')}\n`;
  }
}

/** The rows of `sql` through a server-side cursor, `batchSize` at a time. */
async function* cursorBatches(client: pg.PoolClient, sql: string, bindings: unknown[], batchSize: number): AsyncGenerator<unknown[][]> {
  const cursor = `qg_cursor_${++cursors}`;
  await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, bindings);
  for (;;) {
    const result = await client.query({ text: `FETCH FORWARD ${batchSize} FROM ${cursor}`, rowMode: 'array' });
    if (!result.rows.length) break;
    yield result.rows as unknown[][];
  }
  await client.query(`CLOSE ${cursor}`);
}

/** The shared backend for multi-user, multi-node repositories. */
export class PostgresDatabase extends Database<pg.PoolClient> {
  /** Connects to `url`, optionally confining this repository to `schema` (created if absent). */
  static async open(url: string, schema?: string): Promise<PostgresDatabase> {
    const knex = makeKnex({
      client: 'pg',
      connection: url,
      searchPath: schema ? [schema] : undefined,
      pool: { min: 0, max: 4 },
    });
    if (schema) await knex.raw('CREATE SCHEMA IF NOT EXISTS ??', [schema]);
    return new PostgresDatabase(POSTGRES_DIALECT, knex);
  }

  /** Column SQL types of a table (temporary ones too), looked up once per table. */
  private readonly columnTypes = new Map<string, Map<string, string>>();

  private async typesOf(client: pg.PoolClient, table: string): Promise<Map<string, string>> {
    let types = this.columnTypes.get(table);
    if (!types) {
      this.statements.count();
      const result = await client.query({
        text: 'SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped',
        values: [`"${table}"`], rowMode: 'array',
      });
      types = new Map((result.rows as [string, string][]).map(([n, t]) => [n, t]));
      this.columnTypes.set(table, types);
    }
    return types;
  }

  /**
   * One `INSERT ... SELECT * FROM unnest($1::type[], ...)` for any number of rows: each
   * column travels as one array parameter, so the statement count does not grow with the data.
   */
  private async insertUnnest(client: pg.PoolClient, table: string, columns: readonly string[], rows: readonly unknown[][], tail: string): Promise<pg.QueryResult> {
    const types = await this.typesOf(client, table);
    const arrays = columns.map((_, j) => {
      const column = rows.map((r) => r[j]);
      return arrayLiteral(column) ?? column.map((v) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v) : v));
    });
    const casts = columns.map((c, j) => `$${j + 1}::${types.get(c) ?? 'text'}[]`);
    this.statements.count();
    return client.query({
      text: `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) SELECT * FROM unnest(${casts.join(', ')})${tail}`,
      values: arrays, rowMode: 'array',
    });
  }

  /**
   * `COPY table FROM STDIN` of `rows` as text, when every value has a text form here
   * (copyable); else null. Parsing rows is COPY's one job: a tract's 241k spatial pairs took
   * 0.17-0.19 s against 0.41-0.52 s for the array parameters of an INSERT.
   */
  private async copyRows(client: pg.PoolClient, table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<number | null> {
    if (!copyable(rows)) return null;
    const { from } = await import('pg-copy-streams');
    this.statements.count();
    const copy = client.query(from(`COPY "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN`));
    await pipeline(Readable.from(copyText(rows)), copy);
    return copy.rowCount;
  }

  override async insertRows(tx: Executor, table: string, columns: readonly string[], rows: readonly unknown[][], options: { ignoreConflicts?: boolean } = {}): Promise<number> {
    if (rows.length === 0) return 0;
    return this.withConnection(tx, async (client) => {
      // COPY has no ON CONFLICT: rows that may exist go through an INSERT
      const copied = options.ignoreConflicts ? null : await this.copyRows(client, table, columns, rows);
      return copied ?? (await this.insertUnnest(client, table, columns, rows, options.ignoreConflicts ? ' ON CONFLICT DO NOTHING' : '')).rowCount ?? 0;
    });
  }

  override async insertNewRows(tx: Executor, table: string, columns: readonly string[], rows: readonly unknown[][], keyCount: number): Promise<boolean[]> {
    if (rows.length === 0) return [];
    const keys = columns.slice(0, keyCount).map((c) => `"${c}"`).join(', ');
    const result = await this.withConnection(tx, (client) => this.insertUnnest(client, table, columns, rows, ` ON CONFLICT DO NOTHING RETURNING ${keys}`));
    const added = new Set((result.rows as unknown[][]).map((r) => JSON.stringify(r)));
    return rows.map((r) => added.has(JSON.stringify(r.slice(0, keyCount))));
  }

  override async selectArrays(tx: Executor, sql: string, bindings: readonly unknown[] = []): Promise<unknown[][]> {
    const result = await this.withConnection(tx, (client) => {
      this.statements.count();
      return client.query({ text: sql, values: bindable(bindings), rowMode: 'array' });
    });
    return result.rows as unknown[][];
  }

  /**
   * Through `COPY (...) TO STDOUT` when the query has no bindings (COPY takes no parameters),
   * parsed column by column (copy-columns.ts); through a cursor otherwise, or when the text is
   * not what the columns say (a NULL).
   */
  override async selectColumns(tx: Executor, sql: string, bindings: readonly unknown[], columns: readonly ResultColumn[]): Promise<unknown[][]> {
    if (bindings.length) return super.selectColumns(tx, sql, bindings, columns);
    const { to } = await import('pg-copy-streams');
    const text = await this.withConnection(tx, async (client) => {
      this.statements.count();
      const chunks: Buffer[] = [];
      for await (const chunk of client.query(to(`COPY (${sql}) TO STDOUT`))) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    });
    return columnsFromCopyText(text, columns.map((c) => c.kind)) ?? super.selectColumns(tx, sql, bindings, columns);
  }

  override stream(tx: Executor, sql: string, bindings: readonly unknown[] = [], batchSize = 10_000): AsyncGenerator<unknown[][]> {
    return this.streamWithConnection(tx, (client) => {
      this.statements.count();
      return cursorBatches(client, sql, bindable(bindings), batchSize);
    });
  }

  override async execute(tx: Executor, sql: string, bindings: readonly unknown[] = []): Promise<number> {
    const result = await this.withConnection(tx, (client) => {
      this.statements.count();
      return client.query(sql, bindable(bindings));
    });
    return result.rowCount ?? 0;
  }

  override isTransient(error: unknown): boolean {
    return TRANSIENT.has(driverCode(error) ?? '');
  }

  override isUniqueViolation(error: unknown): boolean {
    return driverCode(error) === '23505';
  }

  override async explain(tx: Executor, sql: string, bindings: readonly unknown[] = []): Promise<string> {
    const rows = await this.selectArrays(tx, `EXPLAIN ${sql}`, bindings);
    return rows.map((r) => String(r[0])).join('\n');
  }
}
