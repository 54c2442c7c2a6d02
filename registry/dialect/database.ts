/**
 * One code path for both databases: queries are built with knex; the few hot paths
 * (bulk inserts, array-mode reads) go to the raw driver through a small per-dialect adapter,
 * and what else differs is asked of the dialect's hooks (sql-dialect.ts).
 * Every statement, knex or raw, is counted, so the planner can report and test its SQL budget.
 */
import { createRequire } from 'node:module';
import type { Knex } from 'knex';
import { RegistryError } from '../errors.js';
import type { SqlDialect } from './sql-dialect.js';

// knex and pg (CommonJS) load when a database is first opened, not with the registry module:
// they cost ~0.1 s of every start, and commands such as `qg show` or `qg --help` open none.
const require = createRequire(import.meta.url);

/** Where a registry lives: a SQLite file path or a PostgreSQL URL (+ optional schema). */
export type DatabaseConfig =
  | { readonly dialect: 'sqlite'; readonly filename: string }
  | { readonly dialect: 'postgresql'; readonly url: string; readonly schema?: string };

/** A column of `Database.selectColumns`: its name in the query and what it holds. */
export interface ResultColumn {
  readonly name: string;
  readonly kind: 'int' | 'string' | 'blob';
}

/** A knex handle that may be a transaction. */
export type Executor = Knex | Knex.Transaction;

/**
 * Statements run so far, counted as they run; callers take differences of `total` to measure
 * a stretch of work (the planner reports them per build phase).
 */
export class StatementCounter {
  total = 0;

  /** Records one statement. */
  count(): void {
    this.total++;
  }
}

/** A connected database; `Connection` is its driver's connection. */
export abstract class Database<Connection = unknown> {
  readonly statements = new StatementCounter();

  protected constructor(readonly dialect: SqlDialect, readonly knex: Knex) {
    knex.on('query', () => this.statements.count());
  }

  /**
   * The driver connection under `tx`: a transaction's own (released when it ends), or one
   * taken from the pool and given back by `release`.
   */
  private async acquire(tx: Executor): Promise<{ connection: Connection; release: () => void }> {
    const client = tx.client as { acquireConnection(): Promise<Connection>; releaseConnection(c: Connection): void };
    const connection = await client.acquireConnection();
    const isTransaction = (tx as { isTransaction?: boolean }).isTransaction === true;
    return { connection, release: () => (isTransaction ? undefined : client.releaseConnection(connection)) };
  }

  /** Runs `fn` on the driver connection under `tx`. */
  protected async withConnection<T>(tx: Executor, fn: (connection: Connection) => T | Promise<T>): Promise<T> {
    const { connection, release } = await this.acquire(tx);
    try {
      return await fn(connection);
    } finally {
      release();
    }
  }

  /** Yields what `fn` yields on the driver connection under `tx`, holding it until done. */
  protected async *streamWithConnection<T>(tx: Executor, fn: (connection: Connection) => AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
    const { connection, release } = await this.acquire(tx);
    try {
      yield* fn(connection);
    } finally {
      release();
    }
  }

  /**
   * Inserts many rows (arrays in `columns` order) with one prepared statement or multi-row
   * statements, inside `tx`. With `ignoreConflicts`, rows whose unique key exists are skipped.
   * Returns the number of rows inserted.
   */
  abstract insertRows(tx: Executor, table: string, columns: readonly string[], rows: readonly unknown[][], options?: { ignoreConflicts?: boolean }): Promise<number>;

  /**
   * Inserts rows whose first `keyCount` columns are a unique key, skipping those that exist;
   * returns, per row, whether it was inserted (bulk, like `insertRows`).
   */
  abstract insertNewRows(tx: Executor, table: string, columns: readonly string[], rows: readonly unknown[][], keyCount: number): Promise<boolean[]>;

  /** Runs a query and returns its rows as arrays (no per-row objects). */
  abstract selectArrays(tx: Executor, sql: string, bindings?: readonly unknown[]): Promise<unknown[][]>;

  /**
   * Runs a query whose columns (`columns`, named as the query names them) hold no NULL and
   * returns its values column by column: integers as numbers, strings, blobs as Uint8Arrays.
   * What `selectArrays` returns, transposed; a dialect may read it without an array per row.
   * Without columns there is nothing to count rows by: select a constant.
   */
  async selectColumns(tx: Executor, sql: string, bindings: readonly unknown[], columns: readonly ResultColumn[]): Promise<unknown[][]> {
    const out: unknown[][] = columns.map(() => []);
    // in batches: the rows are never all held at once (on PostgreSQL `tx` must be a transaction, see `stream`)
    for await (const batch of this.stream(tx, sql, bindings, 50_000)) {
      for (const row of batch) for (let c = 0; c < out.length; c++) out[c]!.push(row[c]);
    }
    return out;
  }

  /**
   * Streams the rows of a query (native placeholders) in batches, without holding the whole
   * result in memory. On PostgreSQL `tx` must be a transaction (a server-side cursor).
   */
  abstract stream(tx: Executor, sql: string, bindings?: readonly unknown[], batchSize?: number): AsyncGenerator<unknown[][]>;

  /** Runs a statement in the driver's native placeholder syntax; returns affected rows. */
  abstract execute(tx: Executor, sql: string, bindings?: readonly unknown[]): Promise<number>;

  /** The SQL of a knex builder in this driver's native placeholder syntax. */
  native(builder: Knex.QueryBuilder | Knex.Raw): { sql: string; bindings: unknown[] } {
    const n = builder.toSQL().toNative();
    return { sql: n.sql, bindings: [...n.bindings] };
  }

  /** SQL written with `?` placeholders (as the query layer writes it) in this driver's native form. */
  placeholders(sql: string): string {
    return this.dialect.placeholders(sql);
  }

  /** Runs a knex builder in array mode. */
  async arrays(tx: Executor, builder: Knex.QueryBuilder | Knex.Raw): Promise<unknown[][]> {
    const { sql, bindings } = this.native(builder);
    return this.selectArrays(tx, sql, bindings);
  }

  /**
   * Whether `error` is a transient conflict between concurrent transactions, after which the
   * whole transaction can simply run again: a deadlock or serialization failure on
   * PostgreSQL, a busy or locked database on SQLite.
   */
  abstract isTransient(error: unknown): boolean;

  /** Whether `error` is a unique-key violation (a concurrent writer inserted the same key first). */
  abstract isUniqueViolation(error: unknown): boolean;

  /** Runs `fn` in one transaction (committed when it resolves, rolled back when it throws). */
  transaction<T>(fn: (tx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.knex.transaction(fn);
  }

  /** A SQL expression that reads a 64-bit integer column exactly (as text). */
  exactInt(column: string): Knex.Raw {
    return this.knex.raw('CAST(?? AS TEXT)', [column]);
  }

  /** Prints the plan of a query (EXPLAIN QUERY PLAN / EXPLAIN). */
  abstract explain(tx: Executor, sql: string, bindings?: readonly unknown[]): Promise<string>;

  /** Refreshes planner statistics after a bulk load, where the dialect needs them (sql-dialect.ts). */
  refreshStatistics(): Promise<void> {
    return this.dialect.refreshStatistics(this);
  }

  /** Closes the pool. */
  async close(): Promise<void> {
    await this.knex.destroy();
  }
}

/** Error for database-level failures with an actionable message. */
export class DatabaseError extends RegistryError {
  override name = 'DatabaseError';
  constructor(message: string) {
    super(message, 'DATABASE');
  }
}

/** The driver's error code of `error` (`23505`, `SQLITE_BUSY`, ...), or undefined. */
export function driverCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Builds a knex instance (kept here so both adapters share the options). */
export function makeKnex(config: Knex.Config): Knex {
  if (config.client === 'pg') {
    // int8 as JS numbers (keys and counts fit in 2^53); exact 64-bit times are read as text.
    (require('pg') as typeof import('pg')).types.setTypeParser(20, (v: string) => Number(v));
  }
  return (require('knex') as typeof import('knex')).knex({ useNullAsDefault: true, ...config });
}

/** A 64-bit integer bound through knex (both drivers bind bigint; knex's types omit it). */
export function bigintValue(value: bigint): number {
  return value as unknown as number;
}
