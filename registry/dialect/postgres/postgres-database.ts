/** PostgreSQL adapter: multi-row INSERTs and array-mode reads through the pg client. */
import type pg from 'pg';
import { Database, makeKnex, type Executor } from '../database.js';

/** Most bound parameters in one statement (PostgreSQL's limit is 65535). */
const MAX_PARAMETERS = 30_000;
let cursors = 0;

/** Multi-row INSERT statements for `rows`, each under PostgreSQL's parameter limit. */
function* insertChunks(table: string, columns: readonly string[], rows: readonly unknown[][], tail: string): Generator<{ text: string; values: unknown[] }> {
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  const head = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES `;
  for (let start = 0; start < rows.length; start += perStatement) {
    const values: unknown[] = [];
    const tuples = rows.slice(start, start + perStatement).map((row) => `(${row.map((v) => {
      values.push(typeof v === 'bigint' ? v.toString() : v);
      return `$${values.length}`;
    }).join(', ')})`);
    yield { text: head + tuples.join(', ') + tail, values };
  }
}

/** The shared backend for multi-user, multi-node repositories. */
export class PostgresDatabase extends Database {
  /** Connects to `url`, optionally confining this repository to `schema` (created if absent). */
  static async open(url: string, schema?: string): Promise<PostgresDatabase> {
    const knex = makeKnex({
      client: 'pg',
      connection: url,
      searchPath: schema ? [schema] : undefined,
      pool: { min: 0, max: 4 },
    });
    if (schema) await knex.raw('CREATE SCHEMA IF NOT EXISTS ??', [schema]);
    return new PostgresDatabase('postgresql', knex);
  }

  private async client(tx: Executor): Promise<{ client: pg.PoolClient; release: () => void }> {
    const k = tx.client as { acquireConnection(): Promise<pg.PoolClient>; releaseConnection(c: pg.PoolClient): void };
    const client = await k.acquireConnection();
    const isTx = (tx as { isTransaction?: boolean }).isTransaction === true;
    return { client, release: () => (isTx ? undefined : k.releaseConnection(client)) };
  }

  override async insertRows(tx: Executor, table: string, columns: readonly string[], rows: readonly unknown[][], options: { ignoreConflicts?: boolean } = {}): Promise<number> {
    if (rows.length === 0) return 0;
    const { client, release } = await this.client(tx);
    try {
      let inserted = 0;
      for (const chunk of insertChunks(table, columns, rows, options.ignoreConflicts ? ' ON CONFLICT DO NOTHING' : '')) {
        this.statements.count();
        inserted += (await client.query(chunk.text, chunk.values)).rowCount ?? 0;
      }
      return inserted;
    } finally {
      release();
    }
  }

  override async insertNewRows(tx: Executor, table: string, columns: readonly string[], rows: readonly unknown[][], keyCount: number): Promise<boolean[]> {
    if (rows.length === 0) return [];
    const { client, release } = await this.client(tx);
    try {
      const keys = columns.slice(0, keyCount).map((c) => `"${c}"`).join(', ');
      const added = new Set<string>();
      for (const chunk of insertChunks(table, columns, rows, ` ON CONFLICT DO NOTHING RETURNING ${keys}`)) {
        this.statements.count();
        const result = await client.query({ text: chunk.text, values: chunk.values, rowMode: 'array' });
        for (const r of result.rows as unknown[][]) added.add(JSON.stringify(r));
      }
      return rows.map((r) => added.has(JSON.stringify(r.slice(0, keyCount))));
    } finally {
      release();
    }
  }

  override async selectArrays(tx: Executor, sql: string, bindings: readonly unknown[] = []): Promise<unknown[][]> {
    const { client, release } = await this.client(tx);
    try {
      this.statements.count();
      const result = await client.query({ text: sql, values: bindings.map((v) => (typeof v === 'bigint' ? v.toString() : v)), rowMode: 'array' });
      return result.rows as unknown[][];
    } finally {
      release();
    }
  }

  override async *stream(tx: Executor, sql: string, bindings: readonly unknown[] = [], batchSize = 10_000): AsyncGenerator<unknown[][]> {
    const { client, release } = await this.client(tx);
    const cursor = `qg_cursor_${++cursors}`;
    try {
      this.statements.count();
      await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, bindings.map((v) => (typeof v === 'bigint' ? v.toString() : v)));
      for (;;) {
        const result = await client.query({ text: `FETCH FORWARD ${batchSize} FROM ${cursor}`, rowMode: 'array' });
        if (!result.rows.length) break;
        yield result.rows as unknown[][];
      }
      await client.query(`CLOSE ${cursor}`);
    } finally {
      release();
    }
  }

  override async execute(tx: Executor, sql: string, bindings: readonly unknown[] = []): Promise<number> {
    const { client, release } = await this.client(tx);
    try {
      this.statements.count();
      const result = await client.query(sql, bindings.map((v) => (typeof v === 'bigint' ? v.toString() : v)));
      return result.rowCount ?? 0;
    } finally {
      release();
    }
  }

  override async explain(tx: Executor, sql: string, bindings: readonly unknown[] = []): Promise<string> {
    const rows = await this.selectArrays(tx, `EXPLAIN ${sql}`, bindings);
    return rows.map((r) => String(r[0])).join('\n');
  }
}
