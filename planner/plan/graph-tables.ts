/**
 * Temporary tables of a build: the distinct data IDs of each task's quanta and each dataset
 * type's datasets, projected from the materialized data-ID rows and numbered in SQL
 * (`idx`), so edges come back as integer pairs with no per-row objects in JS.
 */
import { quoteIdentifier as q, type Database, type Executor, type DimensionGroup, type TempTables } from '../../registry/index.js';
import type { DataIdColumns } from '../graph/quantum-graph.js';

/** A numbered projection of the rows table. */
export interface NumberedTable {
  readonly table: string;
  readonly group: DimensionGroup;
  readonly count: number;
  readonly dataIds: DataIdColumns;
}

/** Projects `group` (required + implied columns) out of `rows`, numbers it, indexes it and reads its required columns. */
export async function numberedProjection(db: Database, tx: Executor, temps: TempTables, rows: string, purpose: string, group: DimensionGroup): Promise<NumberedTable> {
  const names = group.names;
  const required = group.required;
  const order = required.length ? required.map(q).join(', ') : '1';
  const sql = `SELECT ROW_NUMBER() OVER (ORDER BY ${order}) - 1 AS idx${names.map((n) => `, ${q(n)}`).join('')} FROM (SELECT DISTINCT ${names.map(q).join(', ') || '1 AS one'} FROM ${q(rows)}) s`;
  const table = await temps.createAs(purpose, sql, []);
  if (required.length) await db.execute(tx, `CREATE INDEX ${q(`${table}_k`)} ON ${q(table)} (${required.map(q).join(', ')})`);
  await temps.analyze(table);
  const data = await db.selectArrays(tx, `SELECT ${['idx', ...required].map(q).join(', ')} FROM ${q(table)} ORDER BY idx`);
  return { table, group, count: data.length, dataIds: columnsOf(required, data, 1) };
}

/** Splits array rows into typed columns (numbers into Float64Array, strings into arrays). */
export function columnsOf(names: readonly string[], rows: readonly unknown[][], first = 0): DataIdColumns {
  const out: Record<string, Float64Array | string[]> = {};
  names.forEach((name, j) => {
    const c = first + j;
    if (rows.length && typeof rows[0]![c] === 'number') {
      const col = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) col[i] = rows[i]![c] as number;
      out[name] = col;
    } else {
      out[name] = rows.map((r) => String(r[c]));
    }
  });
  return out;
}

/** Integer pairs (quantum idx, dataset idx) related by the rows table. */
export async function edgePairs(db: Database, tx: Executor, rows: string, quanta: NumberedTable, datasets: NumberedTable): Promise<{ quanta: Int32Array; datasets: Int32Array }> {
  if (quanta === datasets) {
    // same dimensions, same numbering: quantum i writes (or reads) dataset i
    const identity = Int32Array.from({ length: quanta.count }, (_, i) => i);
    return { quanta: identity, datasets: identity };
  }
  const dims = [...new Set([...quanta.group.required, ...datasets.group.required])];
  const on = (alias: string, cols: readonly string[]) => cols.map((d) => `${alias}.${q(d)} = p.${q(d)}`).join(' AND ') || '1 = 1';
  const sql = `SELECT qt.idx, dt.idx FROM (SELECT DISTINCT ${dims.map(q).join(', ') || '1 AS one'} FROM ${q(rows)}) p ` +
    `JOIN ${q(quanta.table)} qt ON ${on('qt', quanta.group.required)} JOIN ${q(datasets.table)} dt ON ${on('dt', datasets.group.required)}`;
  const result = await db.selectArrays(tx, sql);
  const qs = new Int32Array(result.length), ds = new Int32Array(result.length);
  for (let i = 0; i < result.length; i++) {
    qs[i] = Number(result[i]![0]);
    ds[i] = Number(result[i]![1]);
  }
  return { quanta: qs, datasets: ds };
}
