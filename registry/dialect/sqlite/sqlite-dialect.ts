/** SQLite's hooks (see sql-dialect.ts). */
import type { SqlDialect } from '../sql-dialect.js';
import { SQLITE_WHERE } from './sqlite-where-compiler.js';

const nothing = async (): Promise<void> => {};

/**
 * SQLite takes `?` as it is, and plans the registry's joins well without statistics: ANALYZE
 * measured slower there (a data-ID materialization took 2.4x as long after it), so the
 * statistics hooks do nothing.
 */
export const SQLITE_DIALECT: SqlDialect = Object.freeze<SqlDialect>({
  name: 'sqlite',
  indexesTemporaryKeys: true,
  where: SQLITE_WHERE,
  placeholders: (sql) => sql,
  analyzeTemp: nothing,
  beforeBigQuery: nothing,
  refreshStatistics: nothing,
  listTables: async (db) => (await db.selectArrays(db.knex, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")).map((r) => String(r[0])),
  listIndexes: async (db, table) => {
    const out = [];
    for (const [, name] of await db.selectArrays(db.knex, `PRAGMA index_list("${table}")`)) {
      const columns = (await db.selectArrays(db.knex, `PRAGMA index_info("${String(name)}")`)).map((r) => String(r[2]));
      out.push({ name: String(name), columns });
    }
    return out;
  },
  describeStatistics: async (db, tables) =>
    tables.includes('sqlite_stat1') || (await db.selectArrays(db.knex, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"))[0]![0] ? 'present (sqlite_stat1)' : 'absent (no ANALYZE has run)',
});
