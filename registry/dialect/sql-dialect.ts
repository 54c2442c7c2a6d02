/**
 * What differs between the databases beyond their drivers, as hooks each dialect supplies
 * (`<name>/<name>-dialect.ts`): callers ask the dialect to do its part instead of testing
 * which database they are on.
 */
import type { WhereDialect } from '../query/where-dialect.js';
import type { Database, Executor } from './database.js';

/** The backends qg supports. */
export type DialectName = 'sqlite' | 'postgresql';

/** An index of a table and the columns it covers, in order. */
export interface IndexDescription {
  readonly name: string;
  readonly columns: readonly string[];
}

/** A database's own spelling of what the registry does the same way everywhere else. */
export interface SqlDialect {
  readonly name: DialectName;
  /** The --where compiler's hooks. */
  readonly where: WhereDialect;
  /**
   * Whether a temporary table of data IDs needs an index on its keys for the lookups joined to
   * it: SQLite joins only by nested loops of index lookups; PostgreSQL, told how distinct the
   * keys are (analyzeTemp), hashes them instead.
   */
  readonly indexesTemporaryKeys: boolean;
  /** SQL written with `?` placeholders (values never appear in the text) in the driver's native form. */
  placeholders(sql: string): string;
  /**
   * Gives the planner statistics for a temporary table just filled (where it plans badly
   * without), and how many distinct combinations its `keys` columns hold together.
   */
  analyzeTemp(db: Database, tx: Executor, table: string, keys?: readonly string[]): Promise<void>;
  /** Settings for the rest of transaction `tx` before a big join query is written and run. */
  beforeBigQuery(db: Database, tx: Executor): Promise<void>;
  /** Refreshes the statistics of the whole database after a bulk load. */
  refreshStatistics(db: Database): Promise<void>;
  /** The registry's tables, by name. */
  listTables(db: Database): Promise<string[]>;
  /** The indexes of `table`. */
  listIndexes(db: Database, table: string): Promise<IndexDescription[]>;
  /** Whether planner statistics are present, in words (`tables`: the registry's). */
  describeStatistics(db: Database, tables: readonly string[]): Promise<string>;
}
