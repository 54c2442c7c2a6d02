/**
 * Data-ID queries: the distinct data IDs over a set of dimensions that satisfy a --where
 * expression, joining every dimension table needed; spatial families (observations, the
 * skymap) are related through the skypix overlap tables and then refined exactly (polygon
 * overlap in JS), the survivors going to a temporary table that joins like any other.
 * Everything happens on one connection/transaction, with a fixed number of statements
 * whatever the size of the result.
 */
import type { Knex } from 'knex';
import type { Registry } from '../registry.js';
import type { Executor } from '../dialect/database.js';
import { RegistryError } from '../errors.js';
import { HEAP_BYTES, heapHeadroomProblem } from '../memory/heap-budget.js';
import { overlapTable } from '../schema/registry-schema.js';
import { ConvexPolygon, HtmPixelization, regionsOverlap, type Region } from '../spatial/index.js';
import { toBytes } from '../dimensions/dimension-records.js';
import type { DimensionElement, DimensionGroup } from '../universe/dimension-universe.js';
import type { CollectionRecord } from '../collections/collections.js';
import type { DatasetType } from '../datasets/dataset-types.js';
import { SearchPath } from '../datasets/dataset-search.js';
import { logicalOperands, parseWhere, walkWhere, type WhereNode } from './where/index.js';
import type { BindValue } from './bind-values.js';
import { EmptyQueryError, WhereError } from './query-errors.js';
import { analyzeWhere, compileWhere, findContradiction, governorConstraints, overflowError, regionElementFor, type RegionTerm, type WhereAnalysis } from './where-compiler.js';
import { q, TempTables } from './temp-tables.js';

/** What to query. */
export interface DataIdQuerySpec {
  /** Dimensions of the result (required keys are returned; implied ones too with `full`). */
  readonly dimensions: readonly string[];
  /** The --where expression ('' or absent: no constraint). */
  readonly where?: string;
  /** Values for bind parameters. */
  readonly bind?: ReadonlyMap<string, BindValue>;
  /** Dataset types that must exist (in `collections`) for each result row. */
  readonly datasets?: readonly string[];
  /** Collections searched for `datasets` (and checked against the where's governor values). */
  readonly collections?: readonly string[];
  /** Return implied dimension values too. */
  readonly full?: boolean;
  /** Dimensions to sort by (`-name` for descending). */
  readonly orderBy?: readonly string[];
  readonly limit?: number;
  /** Relate spatial families (default true; diagnostics turn it off to test its effect). */
  readonly spatialJoins?: boolean;
}

/** One joined table and the dimension columns it provides. */
interface JoinedTable {
  readonly sql: string;
  readonly alias: string;
  /** dimension -> column name in this table */
  readonly columns: ReadonlyMap<string, string>;
  /** Dimensions of its primary key (joining on these is an index lookup). */
  readonly keys: readonly string[];
}

/** A prepared data-ID query, bound to the transaction it was prepared in. */
export class DataIdQuery {
  /** Whether one of its statements failed (on PostgreSQL that aborts the transaction). */
  private failed = false;

  private constructor(
    private readonly registry: Registry,
    private readonly tx: Executor,
    private readonly temps: TempTables,
    /** Output column names (dimension names). */
    readonly columns: readonly string[],
    /** The SELECT, with `?` placeholders. */
    readonly sql: string,
    readonly bindings: readonly unknown[],
    /** The full dimension group joined (output plus anything the where or datasets needed). */
    readonly group: DimensionGroup,
    /** The error to report for a failed statement (a WhereError for an arithmetic overflow). */
    private readonly explainFailure: (error: unknown) => unknown,
  ) {}

  /**
   * Prepares the query in `tx`: checks names and types, proves obvious emptiness, runs the
   * spatial pre-filters into temporary tables, and writes the final SELECT.
   */
  static async prepare(registry: Registry, tx: Knex.Transaction, spec: DataIdQuerySpec): Promise<DataIdQuery> {
    const scope = await checkedScope(registry, tx, spec);
    const { where } = scope;
    const explainFailure = (e: unknown) => (registry.db.dialect.where.isOverflow(e) ? overflowError(where.ast, registry.universe, where.binds, where.expression) ?? e : e);
    const temps = new TempTables(registry.db, tx);
    await registry.db.dialect.beforeBigQuery(registry.db, tx); // e.g. keep the join order orderJoins writes
    try {
      const joins = planJoins(scope);
      const regionTables = await spatialFilters(scope, temps, joins);
      const { tables, keyExpr, conditions } = orderJoins(joins.tables);
      const bindings: unknown[] = [];
      for (const part of [whereCondition(scope, keyExpr, regionTables), await datasetExistence(scope, keyExpr, joins.elements)]) {
        conditions.push(...part.conditions);
        bindings.push(...part.bindings);
      }
      const { columns, sql } = selectSql(scope, tables, keyExpr, conditions);
      return new DataIdQuery(registry, tx, temps, columns, sql, bindings, scope.all, explainFailure);
    } catch (e) {
      // The first error is the one to report: after a failed statement PostgreSQL refuses the
      // DROPs too (and rolling the transaction back drops the tables anyway).
      await temps.dropAll().catch(() => undefined);
      throw explainFailure(e);
    }
  }

  /** Notes that a statement failed; returns the error to report for it. */
  private failure(error: unknown): unknown {
    this.failed = true;
    return this.explainFailure(error);
  }

  /** Runs one of the query's statements. */
  private async run<T>(statement: () => Promise<T>): Promise<T> {
    try {
      return await statement();
    } catch (e) {
      throw this.failure(e);
    }
  }

  /** All rows (arrays in `columns` order). */
  rows(): Promise<unknown[][]> {
    return this.run(() => this.registry.db.selectArrays(this.tx, this.registry.db.placeholders(this.sql), this.bindings));
  }

  /** Rows in batches, never holding the whole result. */
  async *stream(batchSize = 10_000): AsyncGenerator<unknown[][]> {
    try {
      yield* this.registry.db.stream(this.tx, this.registry.db.placeholders(this.sql), this.bindings, batchSize);
    } catch (e) {
      throw this.failure(e);
    }
  }

  /**
   * Materializes the result into a temporary table (dropped by `dispose`) and indexes it on
   * `indexes` (lists of columns); returns its name.
   */
  async materialize(purpose: string, indexes: readonly (readonly string[])[] = []): Promise<string> {
    const db = this.registry.db;
    const table = await this.run(() => this.temps.createAs(purpose, db.placeholders(this.sql), this.bindings));
    for (const [i, cols] of indexes.entries()) {
      if (cols.length) await db.execute(this.tx, `CREATE INDEX ${q(`${table}_i${i}`)} ON ${q(table)} (${cols.map(q).join(', ')})`);
    }
    await this.temps.analyze(table);
    return table;
  }

  /** The temporary tables of this query (for more tables that live as long as it). */
  get tempTables(): TempTables {
    return this.temps;
  }

  /** The database's plan for the query. */
  explain(): Promise<string> {
    return this.registry.db.explain(this.tx, this.registry.db.placeholders(this.sql), this.bindings);
  }

  /**
   * Drops the temporary tables (call when done). After a failed statement it does what it
   * can without failing: PostgreSQL refuses any statement in the aborted transaction, whose
   * rollback drops the tables anyway.
   */
  async dispose(): Promise<void> {
    const dropped = this.temps.dropAll();
    await (this.failed ? dropped.catch(() => undefined) : dropped);
  }
}

/** Runs a data-ID query in its own transaction and returns every row. */
export async function queryDataIds(registry: Registry, spec: DataIdQuerySpec): Promise<{ columns: readonly string[]; rows: unknown[][] }> {
  return registry.transaction(async (tx) => {
    const query = await DataIdQuery.prepare(registry, tx, spec);
    try {
      return { columns: query.columns, rows: await query.rows() };
    } finally {
      await query.dispose();
    }
  });
}

/** A parsed, checked --where expression. */
interface ParsedWhere {
  readonly ast: WhereNode | null;
  readonly binds: ReadonlyMap<string, BindValue>;
  readonly expression: string;
  readonly analysis: WhereAnalysis;
}

/** What a query is about once checked: its where, its dimensions, its dataset constraints. */
interface QueryScope {
  readonly registry: Registry;
  readonly tx: Knex.Transaction;
  readonly spec: DataIdQuerySpec;
  readonly where: ParsedWhere;
  /** The dimensions asked for. */
  readonly requested: DimensionGroup;
  /** Those plus what the where and the dataset constraints need. */
  readonly all: DimensionGroup;
  readonly datasetTypes: readonly DatasetType[];
}

/** SQL conditions (ANDed) and the values of their `?` placeholders, in order. */
interface Conditions {
  readonly conditions: readonly string[];
  readonly bindings: readonly unknown[];
}

/** Parses and checks the spec: names, types, contradictions, governor values (which may prove it empty). */
async function checkedScope(registry: Registry, tx: Knex.Transaction, spec: DataIdQuerySpec): Promise<QueryScope> {
  const universe = registry.universe;
  const expression = spec.where ?? '';
  const binds = spec.bind ?? new Map<string, BindValue>();
  const ast = parseWhere(expression);
  const analysis = analyzeWhere(ast, universe, binds, expression);
  const contradiction = findContradiction(ast, universe, binds, expression);
  if (contradiction) throw contradiction;
  const datasetTypes = await Promise.all((spec.datasets ?? []).map((t) => registry.datasetTypes.get(t, tx)));
  if (datasetTypes.length && !spec.collections?.length) throw new RegistryError('a dataset constraint needs --collections to search', 'QUERY_COLLECTIONS');
  const requested = universe.group(spec.dimensions);
  const all = universe.group([...requested.names, ...analysis.dimensions, ...datasetTypes.flatMap((t) => t.dimensions.required)]);
  await checkGovernors(registry, tx, ast, binds, expression, spec.collections ?? [], datasetTypes.map((t) => t.name));
  return { registry, tx, spec, where: { ast, binds, expression, analysis }, requested, all, datasetTypes };
}

/** The tables a query joins so far, and the dimensions they provide. */
class JoinPlan {
  readonly tables: JoinedTable[] = [];
  /** Names of the dimension elements joined. */
  readonly elements = new Set<string>();
  private readonly provided = new Set<string>();

  constructor(private readonly all: DimensionGroup) {}

  add(table: JoinedTable): void {
    this.tables.push(table);
    for (const d of table.columns.keys()) this.provided.add(d);
  }

  /** Joins the table of element `e` (once), with the implied values of `all` it carries. */
  addElement(e: DimensionElement): void {
    if (this.elements.has(e.name)) return;
    this.elements.add(e.name);
    const columns = new Map<string, string>();
    for (const d of e.required) columns.set(d, d);
    if (e.key) columns.set(e.name, e.key.name);
    for (const d of e.implies) if (this.all.has(d)) columns.set(d, d);
    this.add({ sql: q(e.name), alias: e.name, columns, keys: elementKeyDims(e) });
  }

  provides(dimension: string): boolean {
    return this.provided.has(dimension);
  }
}

/** The dimension element tables the query needs: its dimensions', those always joined, the where's, and providers of implied values. */
function planJoins({ registry, spec, where, requested, all }: QueryScope): JoinPlan {
  const universe = registry.universe;
  const joins = new JoinPlan(all);
  for (const d of all.required) if (d !== universe.skypix.name) joins.addElement(universe.element(d));
  for (const e of universe.elements.values()) {
    if (e.alwaysJoin && e.required.every((d) => all.has(d))) joins.addElement(e);
  }
  for (const name of where.analysis.elements) joins.addElement(universe.element(name));
  // implied values come from whichever joined table carries them (e.g. exposure.physical_filter);
  // those only reachable through another implied dimension's table need that table too.
  const neededImplied = all.implied.filter((d) => spec.full || where.analysis.dimensions.has(d) || requested.required.includes(d));
  for (const d of neededImplied) {
    if (joins.provides(d)) continue;
    const provider = all.names.map((n) => universe.element(n)).find((e) => e.implies.includes(d) && e.hasTable);
    if (provider) joins.addElement(provider);
  }
  return joins;
}

/**
 * The spatial pre-filters, into temporary tables: exact pairs between the region elements of
 * consecutive spatial families and the skypix overlaps (both joined), and the matches of each
 * region literal of the where (returned, for EXISTS terms).
 */
async function spatialFilters(scope: QueryScope, temps: TempTables, joins: JoinPlan): Promise<Map<RegionTerm, string>> {
  const { registry, tx, spec, where, all } = scope;
  const universe = registry.universe;
  const skypix = universe.skypix.name;
  const present = new Set(all.names);
  const regionElements = universe.spatialFamilies.map((f) => regionElementFor(f, present, universe)).filter((e): e is DimensionElement => e !== null);
  for (let i = 0; spec.spatialJoins !== false && i + 1 < regionElements.length; i++) {
    joins.add(await spatialPairs(registry, tx, temps, regionElements[i]!, regionElements[i + 1]!, where.ast, where.binds, where.expression, where.analysis));
  }
  if (all.has(skypix)) {
    const e = regionElements[0];
    if (!e) throw new RegistryError(`'${skypix}' can only be queried together with a spatial dimension (e.g. visit, patch)`, 'QUERY_SKYPIX');
    const o = overlapTable(e.name, skypix);
    const columns = new Map(elementKeyDims(e).map((d) => [d, d] as [string, string]));
    columns.set(skypix, skypix);
    joins.add({ sql: q(o), alias: o, columns, keys: [...columns.keys()] });
  }
  const regionTables = new Map<RegionTerm, string>();
  for (const term of where.analysis.regionTerms) regionTables.set(term, await regionMatches(registry, tx, temps, universe.element(term.element), term.region));
  return regionTables;
}

/** The SQL expression of dimension `d` in the joined tables. */
function keyOf(keyExpr: ReadonlyMap<string, string>, d: string): string {
  const k = keyExpr.get(d);
  if (!k) throw new RegistryError(`internal: no column for dimension ${d}`, 'INTERNAL');
  return k;
}

/** The compiled where expression; region literal terms become EXISTS over their match tables. */
function whereCondition({ registry, where }: QueryScope, keyExpr: ReadonlyMap<string, string>, regionTables: ReadonlyMap<RegionTerm, string>): Conditions {
  if (!where.ast) return { conditions: [], bindings: [] };
  const universe = registry.universe;
  const regionSql = (term: RegionTerm) => {
    const dims = elementKeyDims(universe.element(term.element));
    return `EXISTS (SELECT 1 FROM ${q(regionTables.get(term)!)} r WHERE ${dims.map((d) => `r.${q(d)} = ${keyExpr.get(d)}`).join(' AND ')})`;
  };
  const compiled = compileWhere(where.ast, universe, where.binds, where.expression, {
    keySql: (d) => keyOf(keyExpr, d),
    columnSql: (element, column) => `${q(element)}.${q(column)}`,
    regionTermSql: regionSql,
    dialect: registry.db.dialect.where,
  }, where.analysis);
  return { conditions: [`(${compiled.sql})`], bindings: compiled.bindings };
}

/**
 * Per dataset constraint, that a dataset of the type exists at the row's data ID in the
 * searched collections (calibrations: certified during the row's observation, when one of the
 * `joined` elements has a time).
 */
async function datasetExistence({ registry, tx, spec, all, datasetTypes }: QueryScope, keyExpr: ReadonlyMap<string, string>, joined: ReadonlySet<string>): Promise<Conditions> {
  if (!datasetTypes.length) return { conditions: [], bindings: [] };
  const universe = registry.universe;
  const path = new SearchPath(await registry.collections.flatten(spec.collections!, tx));
  const ids = (collections: readonly CollectionRecord[]) => collections.map((c) => c.id);
  const marks = (collections: readonly CollectionRecord[]) => collections.map(() => '?').join(', ');
  const conditions: string[] = [];
  const bindings: unknown[] = [];
  for (const type of datasetTypes) {
    const match = (alias: string) => type.dimensions.required.map((d) => ` AND ${alias}.${q(d)} = ${keyExpr.get(d)}`).join('');
    const alternatives: string[] = [];
    if (path.tagged.length) {
      alternatives.push(`EXISTS (SELECT 1 FROM ${q(type.tagTable)} t WHERE t.dataset_type_id = ? AND t.collection_id IN (${marks(path.tagged)})${match('t')})`);
      bindings.push(type.id, ...ids(path.tagged));
    }
    if (path.calibrations.length && type.isCalibration) {
      const temporal = all.names.map((n) => universe.element(n)).find((e) => e.temporal && joined.has(e.name));
      const during = temporal ? ` AND c.timespan_begin < ${q(temporal.name)}.timespan_end AND c.timespan_end > ${q(temporal.name)}.timespan_begin` : '';
      alternatives.push(`EXISTS (SELECT 1 FROM ${q(type.calibTable)} c WHERE c.dataset_type_id = ? AND c.collection_id IN (${marks(path.calibrations)})${match('c')}${during})`);
      bindings.push(type.id, ...ids(path.calibrations));
    }
    conditions.push(alternatives.length ? `(${alternatives.join(' OR ')})` : '(1 = 0)');
  }
  return { conditions, bindings };
}

/** The final `SELECT DISTINCT` over the ordered tables, with its ORDER BY and LIMIT, and its output columns. */
function selectSql({ spec, requested }: QueryScope, tables: readonly JoinedTable[], keyExpr: ReadonlyMap<string, string>, conditions: readonly string[]): { columns: string[]; sql: string } {
  const columns = spec.full ? [...requested.required, ...requested.implied] : [...requested.required];
  const select = columns.map((d) => `${keyOf(keyExpr, d)} AS ${q(d)}`);
  const from = tables.length ? tables.map((t) => (t.sql === q(t.alias) ? t.sql : `${t.sql} ${q(t.alias)}`)).join(' CROSS JOIN ') : '(SELECT 1) AS one';
  let sql = `SELECT DISTINCT ${select.join(', ') || '1'} FROM ${from}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
  if (spec.orderBy?.length) {
    sql += ` ORDER BY ${spec.orderBy.map((o) => {
      const desc = o.startsWith('-');
      const name = desc ? o.slice(1) : o;
      if (!columns.includes(name)) throw new RegistryError(`--order-by '${name}' is not a result column (${columns.join(', ')})`, 'QUERY_ORDER');
      return `${q(name)}${desc ? ' DESC' : ''}`;
    }).join(', ')}`;
  } else if (columns.length) {
    sql += ` ORDER BY ${columns.map(q).join(', ')}`;
  }
  if (spec.limit !== undefined) {
    if (!Number.isInteger(spec.limit) || spec.limit < 0) throw new RegistryError(`--limit must be a non-negative integer`, 'QUERY_LIMIT');
    sql += ` LIMIT ${spec.limit}`;
  }
  return { columns, sql };
}

/**
 * Orders the joined tables so each one meets keys already bound (temporary tables of exact
 * spatial pairs first: they are the most selective), then writes the equality conditions.
 * The order is forced (CROSS JOIN in SQLite; more than eight explicit joins in PostgreSQL):
 * without statistics on fresh temporary tables both planners otherwise start from the
 * dimension tables and multiply visits by exposures before the pairs can prune them.
 */
function orderJoins(pending: readonly JoinedTable[]): { tables: JoinedTable[]; keyExpr: Map<string, string>; conditions: string[] } {
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
function elementKeyDims(e: DimensionElement): string[] {
  return [...e.required, ...(e.isDimension ? [e.name] : [])];
}

/** Columns of an element's table that hold `elementKeyDims`. */
function elementKeyColumns(e: DimensionElement): string[] {
  return e.primaryKeyColumns;
}

/** Below this many regions on the smaller side, pairs are found by a bounding-circle scan in JS. */
const SCAN_LIMIT = 5000;

/**
 * Exact spatial pairs of two region elements (e.g. visit_detector_region x patch). Both
 * sides' regions are read once (narrowed by the where's key-only terms); when one side is
 * small (a tract's patches) every pair is screened by bounding circles in JS, otherwise
 * candidates come from the shared skypix trixels in SQL; either way each candidate is then
 * tested for true polygon overlap. The survivors go to a temporary table, joined like any other.
 */
async function spatialPairs(registry: Registry, tx: Executor, temps: TempTables, a: DimensionElement, b: DimensionElement,
  ast: WhereNode | null, binds: ReadonlyMap<string, BindValue>, expression: string, analysis: WhereAnalysis): Promise<JoinedTable> {
  const db = registry.db;
  const universe = registry.universe;
  const skypix = universe.skypix.name;
  const aDims = elementKeyDims(a), bDims = elementKeyDims(b);
  const pairDims = [...new Set([...aDims, ...bDims])];
  const narrowed = (dims: readonly string[], column: (d: string) => string) => {
    let sql = '';
    const bindings: unknown[] = [];
    for (const node of keyOnlyConjuncts(ast, new Set(dims), universe, binds, expression)) {
      const c = compileWhere(node, universe, binds, expression, { keySql: column, columnSql: () => '', regionTermSql: () => '1 = 1', dialect: db.dialect.where }, analysis);
      sql += ` AND (${c.sql})`;
      bindings.push(...c.bindings);
    }
    return { sql, bindings };
  };
  const side = async (e: DimensionElement, dims: string[]) => {
    const cols = elementKeyColumns(e);
    const filter = narrowed(dims, (d) => `e.${q(cols[dims.indexOf(d)]!)}`);
    const rows = await db.selectArrays(tx, db.placeholders(
      `SELECT ${cols.map((c) => `e.${q(c)}`).join(', ')}, e.region FROM ${q(e.name)} e WHERE e.region IS NOT NULL${filter.sql}`), filter.bindings);
    const heap = heapHeadroomProblem(`decoding ${rows.length} ${e.name} regions for a spatial join`, rows.length * HEAP_BYTES.region);
    if (heap) throw new RegistryError(heap, 'HEAP_HEADROOM');
    const keys = rows.map((r) => r.slice(0, cols.length));
    const regions = rows.map((r) => ConvexPolygon.decode(toBytes(r[cols.length])));
    return { keys, regions };
  };
  const A = await side(a, aDims);
  const B = await side(b, bDims);
  const aIdx = pairDims.map((d) => aDims.indexOf(d)), bIdx = pairDims.map((d) => bDims.indexOf(d));
  const survivors: unknown[][] = [];
  const keep = (i: number, j: number) => {
    const ak = A.keys[i]!, bk = B.keys[j]!;
    // pairs must agree on shared dimensions (e.g. instrument) before geometry matters
    if (pairDims.some((_, k) => aIdx[k]! >= 0 && bIdx[k]! >= 0 && ak[aIdx[k]!] !== bk[bIdx[k]!])) return;
    if (regionsOverlap(A.regions[i]!, B.regions[j]!)) survivors.push(pairDims.map((_, k) => (aIdx[k]! >= 0 ? ak[aIdx[k]!] : bk[bIdx[k]!])));
  };
  if (Math.min(A.keys.length, B.keys.length) <= SCAN_LIMIT) {
    const circles = (regions: Region[]) => {
      const out = new Float64Array(regions.length * 4);
      regions.forEach((r, i) => {
        const c = r.boundingCircle();
        out.set([c.center[0], c.center[1], c.center[2], c.openingAngle], i * 4);
      });
      return out;
    };
    const ca = circles(A.regions), cb = circles(B.regions);
    for (let i = 0; i < A.keys.length; i++) {
      for (let j = 0; j < B.keys.length; j++) {
        const dot = ca[i * 4]! * cb[j * 4]! + ca[i * 4 + 1]! * cb[j * 4 + 1]! + ca[i * 4 + 2]! * cb[j * 4 + 2]!;
        if (dot >= Math.cos(Math.min(Math.PI, ca[i * 4 + 3]! + cb[j * 4 + 3]! + 1e-12))) keep(i, j);
      }
    }
  } else {
    const keyOf = (d: string) => (aDims.includes(d) ? `ao.${q(d)}` : `bo.${q(d)}`);
    const shared = aDims.filter((d) => bDims.includes(d));
    const filter = narrowed(pairDims, keyOf);
    const candidates = await db.selectArrays(tx, db.placeholders(
      `SELECT DISTINCT ${pairDims.map(keyOf).join(', ')} FROM ${q(overlapTable(a.name, skypix))} ao, ${q(overlapTable(b.name, skypix))} bo ` +
      `WHERE ao.${q(skypix)} = bo.${q(skypix)}${shared.map((d) => ` AND ao.${q(d)} = bo.${q(d)}`).join('')}${filter.sql}`), filter.bindings);
    const indexOf = (keys: unknown[][]) => new Map(keys.map((k, i) => [k.join('\u0000'), i]));
    const ai = indexOf(A.keys), bi = indexOf(B.keys);
    const aCols = aDims.map((d) => pairDims.indexOf(d)), bCols = bDims.map((d) => pairDims.indexOf(d));
    for (const p of candidates) {
      const i = ai.get(aCols.map((c) => p[c]).join('\u0000')), j = bi.get(bCols.map((c) => p[c]).join('\u0000'));
      if (i !== undefined && j !== undefined) keep(i, j);
    }
  }
  const table = await temps.create('pairs', universe, pairDims);
  await db.insertRows(tx, table, pairDims, survivors);
  await temps.analyze(table);
  return { sql: q(table), alias: table, columns: new Map(pairDims.map((d) => [d, d] as [string, string])), keys: pairDims };
}

/** Records of `e` whose region truly overlaps `region`, into a temporary table of their keys. */
async function regionMatches(registry: Registry, tx: Executor, temps: TempTables, e: DimensionElement, region: Region): Promise<string> {
  const db = registry.db;
  const skypix = registry.universe.skypix;
  const ranges = new HtmPixelization(skypix.skypix!.level).envelope(region, 64);
  const cols = elementKeyColumns(e);
  const dims = elementKeyDims(e);
  const table = await temps.create('region', registry.universe, dims);
  if (ranges.length) {
    const o = overlapTable(e.name, skypix.name);
    const inRange = ranges.map(() => `(o.${q(skypix.name)} >= ? AND o.${q(skypix.name)} < ?)`).join(' OR ');
    const rows = await db.selectArrays(tx, db.placeholders(
      `SELECT ${cols.map((c) => `e.${q(c)}`).join(', ')}, e.region FROM ${q(e.name)} e WHERE EXISTS (SELECT 1 FROM ${q(o)} o WHERE ${dims.map((d, i) => `o.${q(d)} = e.${q(cols[i]!)}`).join(' AND ')} AND (${inRange}))`),
      ranges.flatMap(([b, end]) => [b, end]));
    const hits = rows.filter((r) => r[cols.length] && regionsOverlap(ConvexPolygon.decode(toBytes(r[cols.length])), region)).map((r) => r.slice(0, cols.length));
    await db.insertRows(tx, table, dims, hits);
  }
  return table;
}

/** Top-level AND terms that reference only keys of `dims` (no fields, regions or timespans). */
function keyOnlyConjuncts(ast: WhereNode | null, dims: ReadonlySet<string>, universe: Registry['universe'], binds: ReadonlyMap<string, BindValue>, expression: string): WhereNode[] {
  if (!ast) return [];
  const keyOnly = (n: WhereNode): boolean => {
    switch (n.kind) {
      case 'Identifier': {
        const r = analyzeWhere(n, universe, binds, expression);
        return r.elements.size === 0 && r.regionTerms.length === 0 && [...r.dimensions].every((d) => dims.has(d));
      }
      case 'Binary': return n.op !== 'OVERLAPS';
      case 'Tuple': case 'Region': return false;
      default: return true;
    }
  };
  const onlyKeys = (root: WhereNode): boolean => {
    let ok = true;
    walkWhere(root, (n) => (ok &&= keyOnly(n)));
    return ok;
  };
  return logicalOperands(ast, 'AND').filter((n) => n.kind !== 'Identifier' && onlyKeys(n));
}

/**
 * Governor values named in the where must exist as records, and (when collections are
 * searched for datasets) appear in those collections' summaries; otherwise the query is
 * doomed, and we say why instead of returning nothing.
 */
async function checkGovernors(registry: Registry, tx: Executor, ast: WhereNode | null, binds: ReadonlyMap<string, BindValue>, expression: string, collections: readonly string[], datasetTypes: readonly string[]): Promise<void> {
  const universe = registry.universe;
  const constraints = governorConstraints(ast, universe, binds, expression);
  for (const [governor, { values, span }] of constraints) {
    const e = universe.dimension(governor);
    const rows = await registry.db.arrays(tx, tx(e.name).select(e.key!.name));
    const known = rows.map((r) => r[0] as string | number);
    const missing = values.filter((v) => !known.includes(v));
    if (missing.length === values.length) {
      throw new EmptyQueryError(`no ${governor} ${missing.map((m) => `'${m}'`).join(', ')} in this repository (known: ${known.map(String).join(', ') || 'none'})`, span.start, expression);
    }
  }
  if (!collections.length || !datasetTypes.length) return;
  const summary = await registry.summaries.get(collections, tx);
  for (const type of datasetTypes) {
    if (!summary.datasetTypes.has(type)) throw new EmptyQueryError(`no dataset of type '${type}' in collections ${collections.join(', ')} (their summaries hold: ${[...summary.datasetTypes].sort().join(', ') || 'nothing'})`);
  }
  for (const [governor, { values, span }] of constraints) {
    const present = summary.governors.get(governor);
    if (present && values.every((v) => !present.has(v))) {
      throw new EmptyQueryError(`collections ${collections.join(', ')} hold no datasets for ${governor} ${values.map((v) => `'${v}'`).join(', ')} (they have: ${[...present].map(String).join(', ') || 'none'})`, span.start, expression);
    }
  }
}

export { WhereError };
