/** PostgreSQL's hooks (see sql-dialect.ts). */
import type { SqlDialect } from '../sql-dialect.js';
import { q } from '../../query/temp-tables.js';
import { POSTGRES_WHERE } from './postgres-where-compiler.js';

/**
 * PostgreSQL numbers its placeholders, and needs statistics: autovacuum never analyzes
 * temporary tables and gets to bulk-loaded ones late, and without them it assumes one row and
 * nests loops over everything.
 */
export const POSTGRES_DIALECT: SqlDialect = Object.freeze<SqlDialect>({
  name: 'postgresql',
  // indexing a tract's 127k raw data IDs took 0.2 s, and no plan of the build used the index
  indexesTemporaryKeys: false,
  where: POSTGRES_WHERE,
  placeholders: (sql) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  },
  analyzeTemp: async (db, tx, table, keys = []) => {
    // Column statistics alone make PostgreSQL take key columns as independent and expect a
    // lookup per row to hit the same few keys (a Memoize): it nested 127k index lookups to find
    // a tract's raws (0.55 s) where, told the keys are distinct, it hashes (0.11 s).
    // (statistics take at most 8 columns; the first 8 keys tell most of it)
    if (keys.length > 1) await db.execute(tx, `CREATE STATISTICS pg_temp.${q(`${table}_keys`)} (ndistinct) ON ${keys.slice(0, 8).map(q).join(', ')} FROM ${q(table)}`);
    await db.execute(tx, `ANALYZE ${q(table)}`);
  },
  // It reorders up to eight explicit joins by its estimates, which are wrong for fresh
  // temporary tables and unanalyzed registries: keep the order the query layer wrote. The
  // temporary tables' statistics need the row counts and distinct keys, which a sample of 3,000
  // rows tells as well as the default 30,000 (ANALYZE of the 290k tract's three: 0.3-0.5 → 0.07-0.1 s).
  beforeBigQuery: async (db, tx) => {
    await db.execute(tx, `SELECT set_config('join_collapse_limit', '1', true), set_config('default_statistics_target', '10', true)`);
  },
  refreshStatistics: async (db) => {
    await db.execute(db.knex, 'ANALYZE');
  },
  listTables: async (db) => (await db.selectArrays(db.knex, 'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename')).map((r) => String(r[0])),
  listIndexes: async (db, table) => {
    const rows = await db.selectArrays(db.knex, 'SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1', [table]);
    return rows.map(([name, def]) => ({
      name: String(name),
      columns: /\((.*)\)/.exec(String(def))?.[1]?.split(',').map((c) => c.trim().replace(/"/g, '')) ?? [],
    }));
  },
  describeStatistics: async (db) => `${(await db.selectArrays(db.knex, 'SELECT count(*) FROM pg_stats WHERE schemaname = current_schema()'))[0]![0]} column statistics in pg_stats`,
});
