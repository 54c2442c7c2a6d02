/**
 * `qg repo check`: are the indexes there, how big is each table, are planner statistics
 * present, and what plan does the database choose for a representative spatial join?
 * (Statistics can help or hurt — a lost ANALYZE once made a page 10x slower, and ANALYZE
 * has made plans worse here too — so we show the plan rather than assume.)
 */
import type { Repository } from '../repository.js';
import { overlapTable } from '../schema/registry-schema.js';

/** What `checkRepository` found. */
export interface RepoCheckReport {
  readonly dialect: string;
  readonly tables: { name: string; rows: number; indexes: string[] }[];
  /** Tables that should have an index on a column list but do not. */
  readonly missingIndexes: string[];
  /** Whether the database holds planner statistics (sqlite_stat1 / pg_stats rows). */
  readonly statistics: string;
  /** Plan of visit_detector_region x patch through the skypix overlap tables. */
  readonly plan: string;
}

/** Inspects a repository's registry. */
export async function checkRepository(repo: Repository): Promise<RepoCheckReport> {
  const db = repo.registry.db;
  const knex = db.knex;
  const universe = repo.registry.universe;
  const tableNames = await db.dialect.listTables(db);
  const tables: RepoCheckReport['tables'] = [];
  const indexedColumns = new Map<string, (readonly string[])[]>();
  for (const name of tableNames) {
    const [count] = await db.arrays(knex, knex(name).count({ n: '*' }));
    const indexes = await db.dialect.listIndexes(db, name);
    indexedColumns.set(name, indexes.map((i) => i.columns));
    tables.push({ name, rows: Number(count![0]), indexes: indexes.map((i) => `${i.name}(${i.columns.join(', ')})`) });
  }
  const missingIndexes: string[] = [];
  const expect = (table: string, cols: string[]) => {
    const sets = indexedColumns.get(table);
    if (sets && !sets.some((s) => cols.every((c, i) => s[i] === c))) missingIndexes.push(`${table}(${cols.join(', ')})`);
  };
  for (const e of universe.elements.values()) {
    if (!e.hasTable) continue;
    expect(e.name, e.primaryKeyColumns);
    if (e.spatial) expect(overlapTable(e.name, universe.skypix.name), [universe.skypix.name]);
  }
  expect('dataset', ['id']);
  for (const t of await repo.registry.datasetTypes.all()) expect(t.tagTable, ['dataset_type_id', 'collection_id', ...t.dimensions.required]);
  const statistics = await db.dialect.describeStatistics(db, tableNames);
  const px = universe.skypix.name;
  const sample = knex('visit_detector_region as vdr')
    .join(`${overlapTable('visit_detector_region', px)} as vo`, function () {
      this.on('vo.instrument', 'vdr.instrument').andOn('vo.visit', 'vdr.visit').andOn('vo.detector', 'vdr.detector');
    })
    .join(`${overlapTable('patch', px)} as po`, `po.${px}`, `vo.${px}`)
    .join('patch as p', function () {
      this.on('p.skymap', 'po.skymap').andOn('p.tract', 'po.tract').andOn('p.id', 'po.patch');
    })
    .distinct('vdr.visit', 'vdr.detector', 'p.id');
  const { sql, bindings } = db.native(sample);
  const plan = await db.explain(knex, sql, bindings);
  return { dialect: db.dialect.name, tables, missingIndexes, statistics, plan };
}
