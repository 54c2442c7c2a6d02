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

/** Name of the WITH that joins the tables a spatial pair meets through one table's keys. */
const GROUP = 'qg_group';

/**
 * The tables of a data-ID query in join order and the SQL that relates them. Each one meets
 * keys already bound (temporary tables of exact spatial pairs first: they are the most
 * selective). The order is forced (CROSS JOIN in SQLite; more than eight explicit joins in
 * PostgreSQL): without statistics on fresh temporary tables both planners otherwise start
 * from the dimension tables and multiply visits by exposures before the pairs can prune them.
 *
 * Tables reached from the pairs only through the keys of the first one joined after them
 * (a visit, its definition, exposures and filter) are joined once among themselves in a
 * materialized WITH, which each pair meets through one lookup: a tract's 241k pairs made
 * four index lookups each for what 6k visits determine (0.55 → 0.40 s for its rows table).
 * Columns of those tables are read through `columnSql`, which exports them from the WITH.
 */
export class JoinOrder {
  /** dimension -> SQL expression of its value, outside the WITH. */
  readonly keyExpr: Map<string, string>;
  /** Equalities relating the tables, outside the WITH. */
  readonly conditions: string[];
  /** The tables of the FROM list (the WITH as one of them). */
  private readonly outer: JoinedTable[];
  /** The tables joined in the WITH, and its conditions and their values. */
  private readonly group: JoinedTable[];
  private readonly groupConditions: string[] = [];
  private readonly groupBindings: unknown[] = [];
  /** Columns of the grouped tables read outside: export name -> expression inside. */
  private readonly exported = new Map<string, string>();

  /**
   * `constants`: values the where fixes for governor dimensions; the WITH keeps to them (its
   * rows are made before the pairs restrict them).
   */
  constructor(pending: readonly JoinedTable[], constants: ReadonlyMap<string, readonly unknown[]> = new Map()) {
    const tables = greedyOrder(pending);
    const satellites = pairSatellites(tables);
    this.group = satellites.length >= 2 ? satellites : [];
    this.outer = tables;
    if (this.group.length) {
      const inner = equalities(this.group);
      this.groupConditions.push(...inner.conditions);
      for (const [d, values] of constants) {
        const expr = inner.keyExpr.get(d);
        if (!expr || !values.length) continue;
        this.groupConditions.push(`${expr} IN (${values.map(() => '?').join(', ')})`);
        this.groupBindings.push(...values);
      }
      const columns = new Map<string, string>();
      for (const [d, { table, column }] of inner.sources) columns.set(d, this.exportName(table, column));
      const withTable: JoinedTable = { sql: q(GROUP), alias: GROUP, columns, keys: [...inner.fromKey] };
      const others = tables.filter((t) => !this.group.includes(t));
      this.outer = [...others.filter(isPairTable), withTable, ...others.filter((t) => !isPairTable(t))];
    }
    ({ keyExpr: this.keyExpr, conditions: this.conditions } = equalities(this.outer));
  }

  /** SQL reading `column` of the table joined as `alias`. */
  columnSql(alias: string, column: string): string {
    if (!this.group.some((t) => t.alias === alias)) return `${q(alias)}.${q(column)}`;
    return `${q(GROUP)}.${q(this.exportName(alias, column))}`;
  }

  /**
   * The FROM list, and the WITH to write before the SELECT (with the values of its
   * placeholders, which come first). Call once every column has been read through `columnSql`.
   */
  fromSql(): { with: string; withBindings: readonly unknown[]; from: string } {
    const from = joinList(this.outer);
    if (!this.group.length) return { with: '', withBindings: [], from };
    const select = [...this.exported].map(([name, expr]) => `${expr} AS ${q(name)}`).join(', ');
    const where = this.groupConditions.length ? ` WHERE ${this.groupConditions.join(' AND ')}` : '';
    return { with: `WITH ${q(GROUP)} AS MATERIALIZED (SELECT ${select} FROM ${joinList(this.group)}${where}) `, withBindings: this.groupBindings, from };
  }

  /** Exports a grouped table's column from the WITH; returns its name there. */
  private exportName(alias: string, column: string): string {
    const name = `${alias}.${column}`;
    this.exported.set(name, `${q(alias)}.${q(column)}`);
    return name;
  }
}

function joinList(tables: readonly JoinedTable[]): string {
  return tables.map((t) => (t.sql === q(t.alias) ? t.sql : `${t.sql} ${q(t.alias)}`)).join(' CROSS JOIN ');
}

function isPairTable(t: JoinedTable): boolean {
  return t.alias.startsWith('qg_');
}

/** Temporary tables first, then each table that meets the most bound keys. */
function greedyOrder(pending: readonly JoinedTable[]): JoinedTable[] {
  const remaining = [...pending];
  const tables: JoinedTable[] = [];
  const bound = new Set<string>();
  const take = (i: number) => {
    const [t] = remaining.splice(i, 1);
    tables.push(t!);
    for (const d of t!.columns.keys()) bound.add(d);
  };
  for (let i = remaining.length - 1; i >= 0; i--) if (isPairTable(remaining[i]!)) take(i);
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
  return tables;
}

/**
 * The tables after the spatial pairs that meet them only through the keys of the first one
 * (all of whose keys the pairs bind): each of the others meets a key that one or another of
 * them provides, and no key that only the pairs or tables outside provide. They join among
 * themselves into at most one row set per value of the first one's keys.
 */
function pairSatellites(tables: readonly JoinedTable[]): JoinedTable[] {
  const pairs = tables.filter(isPairTable);
  const first = tables[pairs.length];
  const outside = new Set(pairs.flatMap((t) => [...t.columns.keys()]));
  if (!pairs.length || !first || !first.keys.every((d) => outside.has(d))) return [];
  const group = [first];
  const inside = new Set(first.columns.keys());
  for (const t of tables.slice(pairs.length + 1)) {
    if (t.keys.some((d) => inside.has(d)) && t.keys.every((d) => inside.has(d) || !outside.has(d))) {
      group.push(t);
      for (const d of t.columns.keys()) inside.add(d);
    } else {
      for (const d of t.columns.keys()) outside.add(d);
    }
  }
  return group;
}

/**
 * The equality conditions relating `tables` (in join order) and the expression of each
 * dimension: the column that first provides it, and which column that is.
 */
function equalities(tables: readonly JoinedTable[]) {
  const keyExpr = new Map<string, string>();
  const sources = new Map<string, { table: string; column: string }>();
  const fromKey = new Set<string>();
  const conditions: string[] = [];
  for (const t of tables) {
    for (const [d, column] of t.columns) {
      const here = `${q(t.alias)}.${q(column)}`;
      const isKey = t.keys.includes(d);
      const there = keyExpr.get(d);
      if (!there) {
        keyExpr.set(d, here);
        sources.set(d, { table: t.alias, column });
        if (isKey) fromKey.add(d);
      } else if (isKey || fromKey.has(d)) {
        conditions.push(`${here} = ${there}`);
        if (isKey) fromKey.add(d);
      }
      // Two implied values (visit.physical_filter, exposure.physical_filter) are not compared:
      // the keys already relate the rows, and the redundant equality ruins row estimates.
    }
  }
  return { keyExpr, sources, fromKey, conditions };
}

/** Key dimensions of an element's rows (its required dimensions plus itself). */
export function elementKeyDims(e: DimensionElement): string[] {
  return [...e.required, ...(e.isDimension ? [e.name] : [])];
}

/** Columns of an element's table that hold `elementKeyDims`. */
export function elementKeyColumns(e: DimensionElement): string[] {
  return e.primaryKeyColumns;
}
