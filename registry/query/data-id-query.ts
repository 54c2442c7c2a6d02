/**
 * Data-ID queries: the distinct data IDs over a set of dimensions that satisfy a --where
 * expression, joining every dimension table needed (join-plan.ts) and the temporary tables of
 * the spatial pre-filters (spatial-filters.ts), with dataset-existence constraints.
 * Everything happens on one connection/transaction, with a fixed number of statements
 * whatever the size of the result.
 */
import type { Knex } from 'knex';
import type { Registry } from '../registry.js';
import type { Executor } from '../dialect/database.js';
import { RegistryError } from '../errors.js';
import type { DimensionGroup } from '../universe/dimension-universe.js';
import type { CollectionRecord } from '../collections/collections.js';
import type { DatasetType } from '../datasets/dataset-types.js';
import { SearchPath } from '../datasets/dataset-search.js';
import { parseWhere, type WhereNode } from './where/index.js';
import type { BindValue } from './bind-values.js';
import { EmptyQueryError, WhereError } from './query-errors.js';
import { analyzeWhere, compileWhere, findContradiction, governorConstraints, overflowError, type RegionTerm, type WhereAnalysis } from './where-compiler.js';
import { elementKeyDims, JoinOrder, JoinPlan } from './join-plan.js';
import { spatialFilters } from './spatial-filters.js';
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
    /** The same without its ORDER BY (unless a LIMIT needs it): what a table is filled with. */
    private readonly unorderedSql: string,
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
      joins.dropGuaranteed(scope.where.analysis.elements);
      const order = new JoinOrder(joins.tables, scope.governors);
      const conditions = [...order.conditions];
      const bindings: unknown[] = [];
      for (const part of [whereCondition(scope, order, regionTables), await datasetExistence(scope, order, joins.elements)]) {
        conditions.push(...part.conditions);
        bindings.push(...part.bindings);
      }
      const { columns, sql, unordered, withBindings } = selectSql(scope, order, conditions);
      return new DataIdQuery(registry, tx, temps, columns, sql, unordered, [...withBindings, ...bindings], scope.all, explainFailure);
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
    const table = await this.run(() => this.temps.createAs(purpose, db.placeholders(this.unorderedSql), this.bindings));
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
export interface ParsedWhere {
  readonly ast: WhereNode | null;
  readonly binds: ReadonlyMap<string, BindValue>;
  readonly expression: string;
  readonly analysis: WhereAnalysis;
}

/** What a query is about once checked: its where, its dimensions, its dataset constraints. */
export interface QueryScope {
  readonly registry: Registry;
  readonly tx: Knex.Transaction;
  readonly spec: DataIdQuerySpec;
  readonly where: ParsedWhere;
  /** The dimensions asked for. */
  readonly requested: DimensionGroup;
  /** Those plus what the where and the dataset constraints need. */
  readonly all: DimensionGroup;
  readonly datasetTypes: readonly DatasetType[];
  /** The values the where fixes for governor dimensions (instrument = 'X' at its top level). */
  readonly governors: ReadonlyMap<string, readonly unknown[]>;
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
  const constraints = governorConstraints(ast, universe, binds, expression);
  await checkGovernors(registry, tx, constraints, expression, spec.collections ?? [], datasetTypes.map((t) => t.name));
  const governors = new Map([...constraints].map(([d, { values }]) => [d, values]));
  return { registry, tx, spec, where: { ast, binds, expression, analysis }, requested, all, datasetTypes, governors };
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

/** The SQL expression of dimension `d` in the joined tables. */
function keyOf(keyExpr: ReadonlyMap<string, string>, d: string): string {
  const k = keyExpr.get(d);
  if (!k) throw new RegistryError(`internal: no column for dimension ${d}`, 'INTERNAL');
  return k;
}

/** The compiled where expression; region literal terms become EXISTS over their match tables. */
function whereCondition({ registry, where }: QueryScope, order: JoinOrder, regionTables: ReadonlyMap<RegionTerm, string>): Conditions {
  if (!where.ast) return { conditions: [], bindings: [] };
  const universe = registry.universe;
  const keyExpr = order.keyExpr;
  const regionSql = (term: RegionTerm) => {
    const dims = elementKeyDims(universe.element(term.element));
    return `EXISTS (SELECT 1 FROM ${q(regionTables.get(term)!)} r WHERE ${dims.map((d) => `r.${q(d)} = ${keyExpr.get(d)}`).join(' AND ')})`;
  };
  const compiled = compileWhere(where.ast, universe, where.binds, where.expression, {
    keySql: (d) => keyOf(keyExpr, d),
    columnSql: (element, column) => order.columnSql(element, column),
    regionTermSql: regionSql,
    dialect: registry.db.dialect.where,
  }, where.analysis);
  return { conditions: [`(${compiled.sql})`], bindings: compiled.bindings };
}

/**
 * Per dataset constraint, that a dataset of the type exists at the row's data ID in the
 * searched collections (calibrations: certified during the row's observation, when one of the
 * `joined` elements has a time). A dimension the where fixes to one value (`governors`, e.g.
 * skymap = 'x') is matched to that value: a type with only such dimensions (a skyMap) is then
 * looked up once, not once per row.
 */
async function datasetExistence({ registry, tx, spec, all, datasetTypes, governors }: QueryScope, order: JoinOrder, joined: ReadonlySet<string>): Promise<Conditions> {
  if (!datasetTypes.length) return { conditions: [], bindings: [] };
  const keyExpr = order.keyExpr;
  const universe = registry.universe;
  const path = new SearchPath(await registry.collections.flatten(spec.collections!, tx));
  const ids = (collections: readonly CollectionRecord[]) => collections.map((c) => c.id);
  const marks = (collections: readonly CollectionRecord[]) => collections.map(() => '?').join(', ');
  const conditions: string[] = [];
  const bindings: unknown[] = [];
  for (const type of datasetTypes) {
    const fixed = (d: string) => governors.get(d)?.length === 1;
    const match = (alias: string) => type.dimensions.required.map((d) => ` AND ${alias}.${q(d)} = ${fixed(d) ? '?' : keyExpr.get(d)}`).join('');
    const matchValues = type.dimensions.required.filter(fixed).map((d) => governors.get(d)![0]);
    const alternatives: string[] = [];
    if (path.tagged.length) {
      alternatives.push(`EXISTS (SELECT 1 FROM ${q(type.tagTable)} t WHERE t.dataset_type_id = ? AND t.collection_id IN (${marks(path.tagged)})${match('t')})`);
      bindings.push(type.id, ...ids(path.tagged), ...matchValues);
    }
    if (path.calibrations.length && type.isCalibration) {
      const temporal = all.names.map((n) => universe.element(n)).find((e) => e.temporal && joined.has(e.name));
      const during = temporal ? ` AND c.timespan_begin < ${order.columnSql(temporal.name, 'timespan_end')} AND c.timespan_end > ${order.columnSql(temporal.name, 'timespan_begin')}` : '';
      alternatives.push(`EXISTS (SELECT 1 FROM ${q(type.calibTable)} c WHERE c.dataset_type_id = ? AND c.collection_id IN (${marks(path.calibrations)})${match('c')}${during})`);
      bindings.push(type.id, ...ids(path.calibrations), ...matchValues);
    }
    conditions.push(alternatives.length ? `(${alternatives.join(' OR ')})` : '(1 = 0)');
  }
  return { conditions, bindings };
}

/**
 * The final SELECT over the ordered tables, with its ORDER BY and LIMIT, and its output
 * columns. DISTINCT only when the query joins dimensions it does not return: every table
 * joined is keyed by dimensions (an element's records, the spatial pairs, each row once), so
 * rows that return every joined dimension's key are distinct already, and the DISTINCT would
 * only sort (0.13-0.23 s of the 290k-quanta build's 0.64 s rows table).
 */
function selectSql({ spec, requested, all }: QueryScope, order: JoinOrder, conditions: readonly string[]): { columns: string[]; sql: string; unordered: string; withBindings: readonly unknown[] } {
  const columns = spec.full ? [...requested.required, ...requested.implied] : [...requested.required];
  const select = columns.map((d) => `${keyOf(order.keyExpr, d)} AS ${q(d)}`);
  const { with: prefix, withBindings, from } = order.fromSql();
  const distinct = !columns.length || all.required.some((d) => !requested.required.includes(d)) ? 'DISTINCT ' : '';
  const unordered = `${prefix}SELECT ${distinct}${select.join(', ') || '1'} FROM ${from || '(SELECT 1) AS one'}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
  let sql = unordered;
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
  return { columns, sql, unordered: spec.limit === undefined ? unordered : sql, withBindings };
}

/**
 * Governor values named in the where must exist as records, and (when collections are
 * searched for datasets) appear in those collections' summaries; otherwise the query is
 * doomed, and we say why instead of returning nothing.
 */
async function checkGovernors(registry: Registry, tx: Executor, constraints: ReturnType<typeof governorConstraints>, expression: string, collections: readonly string[], datasetTypes: readonly string[]): Promise<void> {
  const universe = registry.universe;
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
