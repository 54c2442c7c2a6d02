/**
 * The SQL of planning a quantum graph, over the data-ID rows of a build materialized in a
 * temporary table: one read of the rows (the planner numbers the distinct data IDs of each
 * task and dataset type and relates them in JS), find-first resolution of inputs, batched
 * prerequisite lookups and the outputs already present, over projection tables of the groups
 * they join. One statement each, whatever the size of the graph; everything in the build's
 * transaction, on its temporary tables.
 */
import type { Executor, ResultColumn } from '../dialect/database.js';
import type { CollectionRecord } from '../collections/collections.js';
import type { DatasetType } from '../datasets/dataset-types.js';
import { candidateRows, dataIdColumns, SearchPath, unionAll, type CandidateShape } from '../datasets/dataset-search.js';
import type { Registry } from '../registry.js';
import { overlapTable } from '../schema/registry-schema.js';
import type { DimensionElement, DimensionGroup } from '../universe/dimension-universe.js';
import { keyKind, q, type TempTables } from './temp-tables.js';

/**
 * The distinct data IDs over `group` of the rows, numbered by the planner; the queries here
 * return each found dataset with the number of its data ID.
 */
export interface Projection {
  readonly group: DimensionGroup;
  /** How many data IDs (numbered 0 .. count-1). */
  readonly count: number;
  /** The number (`idx`) of the data ID whose required values (in `group.required` order) lead `row`; -1 for none. */
  locate(row: readonly unknown[]): number;
}

/** A dataset found for the row `idx` of a projection. */
export interface FoundAt {
  readonly idx: number;
  readonly datasetId: string;
  readonly collectionId: number;
  readonly runId: number;
}

/** What one prerequisite lookup found: its datasets, each once, and which quanta take which. */
export interface PrerequisiteLookup {
  readonly datasets: readonly {
    readonly id: string;
    readonly runId: number;
    /** Its data ID values (the type's required dimensions, or the one skypix shard). */
    readonly dataId: readonly unknown[];
  }[];
  /** (quantum idx, index into `datasets`) pairs, by quantum (then shard). */
  readonly pairs: { readonly quanta: Int32Array; readonly datasets: Int32Array };
  /** The first quantum with another dataset as good as its choice (in the same collection), when any. */
  readonly ambiguous: { readonly idx: number; readonly datasetId: string; readonly rival: string } | null;
}

/** The planning statements of one build, over its materialized data-ID rows. */
export class PlanningQueries {
  /** @param rows the materialized data-ID table (see DataIdQuery.materialize) */
  constructor(private readonly registry: Registry, private readonly tx: Executor, private readonly temps: TempTables, readonly rows: string) {}

  /** The projection table of each group a lookup joined, by group key. */
  private readonly tables = new Map<string, Promise<string>>();
  /** The timespans read (see `timespans`), by group and element: a task's calibration types share one read. */
  private readonly spans = new Map<string, Promise<unknown[][]>>();

  /** How many rows there are, and their values of `columns` (dimension keys), column by column. */
  async rowColumns(columns: readonly string[]): Promise<{ count: number; values: unknown[][] }> {
    const read: ResultColumn[] = columns.length ? columns.map((name) => ({ name, kind: keyKind(this.registry.universe, name) })) : [{ name: 'one', kind: 'int' }];
    const sql = `SELECT ${columns.length ? columns.map(q).join(', ') : '1 AS one'} FROM ${q(this.rows)}`;
    const values = await this.registry.db.selectColumns(this.tx, sql, [], read);
    return { count: values[0]!.length, values: columns.length ? values : [] };
  }

  /** The rows' distinct combinations of `columns` (dimensions): one statement. */
  async distinctRows(columns: readonly string[]): Promise<unknown[][]> {
    return this.registry.db.selectArrays(this.tx, `SELECT DISTINCT ${columns.map(q).join(', ')} FROM ${q(this.rows)}`);
  }

  /**
   * The rows' distinct data IDs over `group` (required and implied values) as a temporary
   * table (indexed on its required keys where the dialect needs it), made on first use: only
   * the groups the lookups join.
   */
  private tableOf(group: DimensionGroup): Promise<string> {
    let table = this.tables.get(group.key);
    if (!table) {
      table = this.projectionTable(group);
      this.tables.set(group.key, table);
    }
    return table;
  }

  private async projectionTable(group: DimensionGroup): Promise<string> {
    const { names, required } = group;
    const table = await this.temps.createAs(`p${this.tables.size}`, `SELECT DISTINCT ${names.map(q).join(', ') || '1 AS one'} FROM ${q(this.rows)}`, []);
    if (required.length && this.registry.db.dialect.indexesTemporaryKeys) await this.registry.db.execute(this.tx, `CREATE INDEX ${q(`${table}_k`)} ON ${q(table)} (${required.map(q).join(', ')})`);
    await this.temps.analyze(table, required);
    return table;
  }

  /** Find-first: per data ID of `at`, the dataset of `type` in the first of the RUN and TAGGED `collections` holding one. */
  async firstDatasets(at: Projection, type: DatasetType, collections: readonly CollectionRecord[]): Promise<FoundAt[]> {
    const candidates = candidateRows(type, new SearchPath(collections), 'tag', await this.atRows(at));
    if (!candidates) return [];
    // column by column: a tract's raws are 127k candidates (selectColumns)
    const k = at.group.required.length;
    const columns = await this.registry.db.selectColumns(this.tx, candidates, [], [
      ...at.group.required.map((d, i) => ({ name: `k${i}`, kind: keyKind(this.registry.universe, d) })),
      { name: 'dataset_id', kind: 'string' }, { name: 'collection_id', kind: 'int' }, { name: 'run_id', kind: 'int' }, { name: 'search_rank', kind: 'int' },
    ]);
    const [ids, collectionIds, runIds, ranks] = columns.slice(k) as [unknown[], unknown[], unknown[], unknown[]];
    const key = new Array<unknown>(k);
    const idx = Int32Array.from(ids, (_, i) => {
      for (let c = 0; c < k; c++) key[c] = columns[c]![i];
      return locateOrFail(at, key);
    });
    // a RUN or TAGGED collection holds one dataset per data ID: the first collection's is the one
    const { first } = firstBySearchRank(ids.length, idx, at.count, (i) => ids[i], (i) => Number(ranks[i]));
    const out: FoundAt[] = [];
    for (const i of first) if (i >= 0) out.push({ idx: idx[i]!, datasetId: String(ids[i]), collectionId: Number(collectionIds[i]), runId: Number(runIds[i]) });
    return out;
  }

  /** Every dataset of `type` in the RUN and TAGGED `collections` at the data IDs of `at`. */
  async datasetsAt(at: Projection, type: DatasetType, collections: readonly CollectionRecord[]): Promise<FoundAt[]> {
    const candidates = candidateRows(type, new SearchPath(collections), 'tag', await this.atRows(at));
    const k = at.group.required.length;
    return candidates ? (await this.registry.db.selectArrays(this.tx, candidates)).map((r) => found(locateOrFail(at, r), r, k)) : [];
  }

  /**
   * One batched lookup of a prerequisite `type` sharded by skypix, for every quantum of
   * `quanta`: the shards overlapping the region of its `region` element, each found first in
   * `inputs`.
   */
  async shardPrerequisites(quanta: Projection, type: DatasetType, inputs: readonly CollectionRecord[], region: DimensionElement): Promise<PrerequisiteLookup> {
    const skypix = this.registry.universe.skypix.name;
    const regionKeys = [...region.required, ...(region.isDimension ? [region.name] : [])];
    const qt = `${q(await this.tableOf(quanta.group))} qt`;
    const overlap = `${qt} JOIN ${q(overlapTable(region.name, skypix))} o ON ${regionKeys.map((d) => `o.${q(d)} = qt.${q(d)}`).join(' AND ')}`;
    const candidates = candidateRows(type, new SearchPath(inputs), 'tag', {
      leading: keyColumns('qt', quanta.group), trailing: [`t.${q(skypix)} AS shard`], join: { from: overlap, on: `t.${q(skypix)} = o.${q(skypix)}` },
    });
    if (!candidates) return { datasets: [], pairs: { quanta: new Int32Array(0), datasets: new Int32Array(0) }, ambiguous: null };
    const rows = await this.registry.db.selectArrays(this.tx, candidates);
    // per (quantum, shard) the candidates of the first collection in search order: the first
    // is chosen, another dataset there is its rival (the choice is ambiguous)
    const k = quanta.group.required.length;
    const idx = Int32Array.from(rows, (r) => locateOrFail(quanta, r));
    const { slots, count, order } = shardSlots(rows, idx, k + 3);
    const { first, rival } = firstBySearchRank(rows.length, slots, count, (i) => rows[i]![k], (i) => Number(rows[i]![k + 4]));
    return prerequisiteLookup(rows, idx, first, rival, order, k, 1);
  }

  /**
   * The datasets of `type` that a data ID of `quanta` may take as a prerequisite, each once per
   * collection (and validity range): those in the RUN and TAGGED collections of `inputs` and,
   * with `calibrations`, those certified in its CALIBRATION collections, at the data-ID values
   * of some data ID of `quanta`. One statement, whatever the number of quanta: rows of
   * dataset_id, collection_id, run_id, the type's data-ID values, the validity range's begin
   * and end (TAI ns as text; NULL for a RUN or TAGGED collection) and the search rank.
   */
  async prerequisiteCandidates(quanta: Projection, type: DatasetType, inputs: readonly CollectionRecord[], calibrations: boolean): Promise<unknown[][]> {
    const dims = type.dimensions.required;
    const qt = q(await this.tableOf(quanta.group));
    const where = dims.length ? `EXISTS (SELECT 1 FROM ${qt} qt WHERE ${dims.map((d) => `qt.${q(d)} = t.${q(d)}`).join(' AND ')})` : undefined;
    const shape = (validity: readonly string[]): CandidateShape => ({ trailing: [...dataIdColumns(dims), ...validity], ...(where ? { where } : {}) });
    const path = new SearchPath(inputs);
    const candidates = unionAll([
      candidateRows(type, path, 'tag', shape(['NULL AS valid_begin', 'NULL AS valid_end'])),
      calibrations ? candidateRows(type, path, 'calib', shape(['CAST(t.timespan_begin AS TEXT) AS valid_begin', 'CAST(t.timespan_end AS TEXT) AS valid_end'])) : null,
    ]);
    return candidates ? this.registry.db.selectArrays(this.tx, candidates) : [];
  }

  /**
   * The timespans of the records of `temporal` that data IDs of `quanta` name: rows of its
   * keys (its required dimensions, then itself), begin and end (TAI ns as text). One statement
   * per group and element.
   */
  timespans(quanta: Projection, temporal: DimensionElement): Promise<unknown[][]> {
    const key = `${quanta.group.key}/${temporal.name}`;
    let rows = this.spans.get(key);
    if (!rows) this.spans.set(key, (rows = this.readTimespans(quanta.group, temporal)));
    return rows;
  }

  private async readTimespans(group: DimensionGroup, temporal: DimensionElement): Promise<unknown[][]> {
    const keys = [...temporal.required, temporal.name];
    const on = temporal.primaryKeyColumns.map((col, i) => `e.${q(col)} = k.${q(keys[i]!)}`).join(' AND ');
    return this.registry.db.selectArrays(this.tx, `SELECT ${keys.map((d) => `k.${q(d)}`).join(', ')}, CAST(e.timespan_begin AS TEXT), CAST(e.timespan_end AS TEXT) ` +
      `FROM (SELECT DISTINCT ${keys.map(q).join(', ')} FROM ${q(await this.tableOf(group))}) k JOIN ${q(temporal.name)} e ON ${on}`);
  }

  /** Candidate rows joined to the data IDs of `at`, led by their required keys. */
  private async atRows(at: Projection): Promise<CandidateShape> {
    const on = at.group.required.map((d) => `t.${q(d)} = dt.${q(d)}`).join(' AND ') || '1 = 1';
    return { leading: keyColumns('dt', at.group), join: { from: `${q(await this.tableOf(at.group))} dt`, on } };
  }

}

/** `<alias>.<d> AS k<i>` for each required dimension of `group`. */
function keyColumns(alias: string, group: DimensionGroup): string[] {
  return group.required.map((d, i) => `${alias}.${q(d)} AS k${i}`);
}

/** A found dataset from a candidate row (`k` key values, then CANDIDATE_COLUMNS) of data ID `idx`. */
function found(idx: number, r: readonly unknown[], k: number): FoundAt {
  return { idx, datasetId: String(r[k]), collectionId: Number(r[k + 1]), runId: Number(r[k + 2]) };
}

/**
 * Find-first over `n` candidates, in JS (cheaper than a window over them in SQL): per slot
 * (a partition: candidate i's is `slots[i]`), `first` the candidate of least search rank
 * (`rank(i)`) and `rival` another of that rank naming another dataset (`id(i)`), or -1.
 */
function firstBySearchRank(n: number, slots: Int32Array, count: number, id: (i: number) => unknown, rank: (i: number) => number): { first: Int32Array; rival: Int32Array } {
  const first = new Int32Array(count).fill(-1), rival = new Int32Array(count).fill(-1);
  const best = new Float64Array(count);
  for (let i = 0; i < n; i++) {
    const s = slots[i]!;
    const r = rank(i);
    if (first[s]! < 0 || r < best[s]!) {
      first[s] = i;
      best[s] = r;
      rival[s] = -1;
    } else if (r === best[s] && rival[s]! < 0 && id(first[s]!) !== id(i)) {
      rival[s] = i;
    }
  }
  return { first, rival };
}

/** One slot per (quantum, shard) of the rows (shard in column `shardAt`), and the slots ordered by quantum then shard. */
function shardSlots(rows: readonly unknown[][], idx: Int32Array, shardAt: number): { slots: Int32Array; count: number; order: number[] } {
  const byKey = new Map<string, number>();
  const keys: { idx: number; shard: unknown }[] = [];
  const slots = Int32Array.from(rows, (r, i) => {
    const key = `${idx[i]}/${String(r[shardAt])}`;
    let s = byKey.get(key);
    if (s === undefined) byKey.set(key, (s = keys.push({ idx: idx[i]!, shard: r[shardAt] }) - 1));
    return s;
  });
  const order = keys.map((_, s) => s).sort((a, b) => keys[a]!.idx - keys[b]!.idx || compareValues(keys[a]!.shard, keys[b]!.shard));
  return { slots, count: keys.length, order };
}

/** The lookup's datasets (each once, in the order of the slots that chose them) and pairs, from the chosen rows. */
function prerequisiteLookup(rows: readonly unknown[][], idx: Int32Array, first: Int32Array, rival: Int32Array, order: Iterable<number>, k: number, width: number): PrerequisiteLookup {
  const datasets: { id: string; runId: number; dataId: unknown[] }[] = [];
  const byId = new Map<string, number>();
  const qs: number[] = [], ds: number[] = [];
  let ambiguous: PrerequisiteLookup['ambiguous'] = null;
  for (const s of order) {
    const i = first[s]!;
    if (i < 0) continue;
    const r = rows[i]!;
    const id = String(r[k]);
    if (rival[s]! >= 0 && !ambiguous) ambiguous = { idx: idx[i]!, datasetId: id, rival: String(rows[rival[s]!]![k]) };
    let d = byId.get(id);
    if (d === undefined) byId.set(id, (d = datasets.push({ id, runId: Number(r[k + 2]), dataId: r.slice(k + 3, k + 3 + width) }) - 1));
    qs.push(idx[i]!);
    ds.push(d);
  }
  return { datasets, pairs: { quanta: Int32Array.from(qs), datasets: Int32Array.from(ds) }, ambiguous };
}

/** Orders data ID values: numbers numerically, strings by code unit. */
function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a), y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The number of the data ID that leads `row`; the projection was made from the same rows, so it has one. */
function locateOrFail(at: Projection, row: readonly unknown[]): number {
  const idx = at.locate(row);
  if (idx < 0) throw new Error(`internal: data ID ${JSON.stringify(row.slice(0, at.group.required.length))} is not among the numbered ones`);
  return idx;
}

/** Whether the table of `element` holds no record at all (one `LIMIT 1` probe). */
export async function hasNoRecords(registry: Registry, element: DimensionElement): Promise<boolean> {
  return (await registry.db.selectArrays(registry.knex, `SELECT 1 FROM ${q(element.name)} LIMIT 1`)).length === 0;
}

/**
 * Up to `limit` distinct validity ranges (TAI ns, half-open) for which `type` is certified in
 * `calibrations` at the data ID values `dataId` (some of its dimensions).
 */
export async function certifiedRanges(registry: Registry, type: DatasetType, calibrations: readonly CollectionRecord[], dataId: Readonly<Record<string, string | number>>, limit: number): Promise<[bigint, bigint][]> {
  const { db, knex } = registry;
  const rows = await db.arrays(knex, knex(type.calibTable)
    .distinct(db.exactInt('timespan_begin'), db.exactInt('timespan_end'))
    .where('dataset_type_id', type.id).whereIn('collection_id', calibrations.map((c) => c.id)).where(dataId).limit(limit));
  return rows.map(([b, e]) => [BigInt(String(b)), BigInt(String(e))]);
}
