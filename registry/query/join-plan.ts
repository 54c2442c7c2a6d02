/**
 * The tables of a data-ID query and the order they are joined in: dimension element tables,
 * temporary tables of spatial pre-filters, skypix overlaps; which column provides each
 * dimension, and the equalities that relate them.
 */
import type { DimensionElement, DimensionGroup } from '../universe/dimension-universe.js';
import { q } from './temp-tables.js';

/** One joined table and the dimension columns it provides. */
export interface JoinedTable {
  readonly sql: string;
  readonly alias: string;
  /** dimension -> column name in this table */
  readonly columns: ReadonlyMap<string, string>;
  /** Dimensions of its primary key (joining on these is an index lookup). */
  readonly keys: readonly string[];
  /** The dimension element whose table this is (none for temporary and overlap tables). */
  readonly element?: string;
  /** Elements that have a record for every row of this table (its rows were read from them, or checked against them). */
  readonly guarantees?: readonly string[];
}

/** The tables a query joins so far, and the dimensions they provide. */
export class JoinPlan {
  readonly tables: JoinedTable[] = [];
  /** Names of the dimension elements joined. */
  readonly elements = new Set<string>();
  private readonly provided = new Set<string>();
  /** Joined elements with timespans: calibration lookups read them, so they stay. */
  private readonly temporal = new Set<string>();

  constructor(private readonly all: DimensionGroup) {}

  add(table: JoinedTable): void {
    this.tables.push(table);
    for (const d of table.columns.keys()) this.provided.add(d);
  }

  /** Joins the table of element `e` (once), with the implied values of `all` it carries. */
  addElement(e: DimensionElement): void {
    if (this.elements.has(e.name)) return;
    this.elements.add(e.name);
    if (e.temporal) this.temporal.add(e.name);
    const columns = new Map<string, string>();
    for (const d of e.required) columns.set(d, d);
    if (e.key) columns.set(e.name, e.key.name);
    for (const d of e.implies) if (this.all.has(d)) columns.set(d, d);
    this.add({ sql: q(e.name), alias: e.name, columns, keys: elementKeyDims(e), element: e.name });
  }

  /**
   * Drops element tables that add nothing: no implied value, no column the where reads
   * (`needed`), no timespan, and records that another joined table already guarantees (the
   * exact spatial pairs were read from patches and checked against their tracts and
   * skymaps). Each one is an index lookup per result row that can only say yes.
   */
  dropGuaranteed(needed: ReadonlySet<string>): void {
    for (let i = this.tables.length - 1; i >= 0; i--) {
      const t = this.tables[i]!;
      const e = t.element;
      if (!e || needed.has(e) || this.temporal.has(e) || t.columns.size !== t.keys.length) continue;
      if (!this.tables.some((other) => other !== t && other.guarantees?.includes(e))) continue;
      this.tables.splice(i, 1);
      this.elements.delete(e);
    }
  }

  provides(dimension: string): boolean {
    return this.provided.has(dimension);
  }
}

/**
 * Orders the joined tables so each one meets keys already bound (temporary tables of exact
 * spatial pairs first: they are the most selective), then writes the equality conditions.
 * The order is forced (CROSS JOIN in SQLite; more than eight explicit joins in PostgreSQL):
 * without statistics on fresh temporary tables both planners otherwise start from the
 * dimension tables and multiply visits by exposures before the pairs can prune them.
 */
export function orderJoins(pending: readonly JoinedTable[]): { tables: JoinedTable[]; keyExpr: Map<string, string>; conditions: string[] } {
  const remaining = [...pending];
  const tables: JoinedTable[] = [];
  const bound = new Set<string>();
  const take = (i: number) => {
    const [t] = remaining.splice(i, 1);
    tables.push(t!);
    for (const d of t!.columns.keys()) bound.add(d);
  };
  for (let i = remaining.length - 1; i >= 0; i--) if (remaining[i]!.alias.startsWith('qg_')) take(i);
  tables.reverse();
  while (remaining.length) {
    let best = 0, bestScore = -1;
    remaining.forEach((t, i) => {
      // key columns make index lookups; implied ones (exposure.physical_filter) only filter
      const hits = t.keys.filter((d) => bound.has(d)).length;
      const others = [...t.columns.keys()].filter((d) => !t.keys.includes(d) && bound.has(d)).length;
      const score = hits * 4 + (hits === t.keys.length ? 2 : 0) + (others ? 1 : 0);
      if (score > bestScore) [best, bestScore] = [i, score];
    });
    take(best);
  }
  const keyExpr = new Map<string, string>();
  const fromKey = new Set<string>();
  const conditions: string[] = [];
  for (const t of tables) {
    for (const [d, column] of t.columns) {
      const here = `${q(t.alias)}.${q(column)}`;
      const isKey = t.keys.includes(d);
      const there = keyExpr.get(d);
      if (!there) {
        keyExpr.set(d, here);
        if (isKey) fromKey.add(d);
      } else if (isKey || fromKey.has(d)) {
        conditions.push(`${here} = ${there}`);
        if (isKey) fromKey.add(d);
      }
      // Two implied values (visit.physical_filter, exposure.physical_filter) are not compared:
      // the keys already relate the rows, and the redundant equality ruins row estimates.
    }
  }
  return { tables, keyExpr, conditions };
}

/** Key dimensions of an element's rows (its required dimensions plus itself). */
export function elementKeyDims(e: DimensionElement): string[] {
  return [...e.required, ...(e.isDimension ? [e.name] : [])];
}

/** Columns of an element's table that hold `elementKeyDims`. */
export function elementKeyColumns(e: DimensionElement): string[] {
  return e.primaryKeyColumns;
}
