/**
 * Temporary tables for one query: created, filled in bulk and dropped together. They live on
 * the query's connection (a transaction on PostgreSQL, the single connection on SQLite).
 */
import type { Database, Executor } from '../dialect/database.js';
import type { DimensionUniverse } from '../universe/dimension-universe.js';

let counter = 0;

/** Quotes an identifier that comes from the universe or from qg itself (never from users). */
export function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** What a dimension key is: an integer or a string. */
export function keyKind(universe: DimensionUniverse, dimension: string): 'int' | 'string' {
  return universe.dimension(dimension).key!.type === 'int' ? 'int' : 'string';
}

/** SQL column type of a dimension key. */
export function keyColumnType(universe: DimensionUniverse, dimension: string): string {
  return keyKind(universe, dimension) === 'int' ? 'BIGINT' : 'VARCHAR(256)';
}

/** The temporary tables of one query. */
export class TempTables {
  private readonly names: string[] = [];

  constructor(private readonly db: Database, private readonly tx: Executor) {}

  /** Creates an empty table with these dimension-key columns; returns its name. */
  async create(purpose: string, universe: DimensionUniverse, dimensions: readonly string[], extra: readonly string[] = []): Promise<string> {
    const name = `qg_${purpose}_${process.pid}_${++counter}`;
    const columns = [...dimensions.map((d) => `${q(d)} ${keyColumnType(universe, d)}`), ...extra];
    await this.db.execute(this.tx, `CREATE TEMPORARY TABLE ${q(name)} (${columns.join(', ')})`);
    this.names.push(name);
    return name;
  }

  /** Creates a table from a SELECT; returns its name. */
  async createAs(purpose: string, sql: string, bindings: readonly unknown[]): Promise<string> {
    const name = `qg_${purpose}_${process.pid}_${++counter}`;
    await this.db.execute(this.tx, `CREATE TEMPORARY TABLE ${q(name)} AS ${sql}`, bindings);
    this.names.push(name);
    return name;
  }

  /** Gives the database statistics for a filled table, and on how many distinct `keys` it holds, where it needs them (sql-dialect.ts). */
  analyze(table: string, keys: readonly string[] = []): Promise<void> {
    return this.db.dialect.analyzeTemp(this.db, this.tx, table, keys);
  }

  /** Drops every table made here. */
  async dropAll(): Promise<void> {
    while (this.names.length) await this.db.execute(this.tx, `DROP TABLE IF EXISTS ${q(this.names.pop()!)}`);
  }
}
