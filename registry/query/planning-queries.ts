/**
 * The SQL of planning a quantum graph, over the data-ID rows of a build materialized in a
 * temporary table: numbered projections (the distinct data IDs of each task and dataset type,
 * numbered `idx` in SQL), edge pairs between them, find-first resolution of inputs, batched
 * prerequisite lookups and the outputs already present. One statement each, whatever the
 * size of the graph; everything in the build's transaction, on its temporary tables.
 */
import type { Executor } from '../dialect/database.js';
import type { CollectionRecord } from '../collections/collections.js';
import type { DatasetType } from '../datasets/dataset-types.js';
import { CANDIDATE_COLUMNS, candidateRows, dataIdColumns, firstInSearchOrder, SearchPath, unionAll, type CandidateShape } from '../datasets/dataset-search.js';
import type { Registry } from '../registry.js';
import { overlapTable } from '../schema/registry-schema.js';
import type { DimensionElement, DimensionGroup } from '../universe/dimension-universe.js';
import { q, type TempTables } from './temp-tables.js';

/** A numbered projection: a temporary table of distinct data IDs over `group`, numbered `idx` from 0. */
export interface Projection {
  readonly table: string;
  readonly group: DimensionGroup;
}

/** A dataset found for the row `idx` of a projection. */
export interface FoundAt {
  readonly idx: number;
  readonly datasetId: string;
  readonly collectionId: number;
  readonly runId: number;
}

/** A prerequisite found for a quantum. */
export interface PrerequisiteFound extends FoundAt {
  /** Its data ID values (the type's required dimensions, or the one skypix shard). */
  readonly dataId: readonly unknown[];
  /** Another dataset as good (in the same collection), when the choice is ambiguous. */
  readonly rival: string | null;
}

/** How a prerequisite relates to a quantum's data ID. */
export type PrerequisiteMatch =
  /** By the data ID values the two share; calibrations also by validity during `temporal`'s timespan. */
  | { readonly kind: 'dataId'; readonly temporal?: DimensionElement }
  /** Shards of the skypix dimension that overlap the region of `region`. */
  | { readonly kind: 'shard'; readonly region: DimensionElement };

/** The planning statements of one build, over its materialized data-ID rows. */
export class PlanningQueries {
  /** @param rows the materialized data-ID table (see DataIdQuery.materialize) */
  constructor(private readonly registry: Registry, private readonly tx: Executor, private readonly temps: TempTables, readonly rows: string) {}

  /**
   * Projects `group` (required + implied columns) out of the rows, numbers it in the order of
   * its required keys, indexes it; returns it with its required key values in `idx` order.
   */
  async numberedProjection(purpose: string, group: DimensionGroup): Promise<{ projection: Projection; keys: unknown[][] }> {
    const db = this.registry.db;
    const { names, required } = group;
    const order = required.length ? required.map(q).join(', ') : '1';
    const table = await this.temps.createAs(purpose,
      `SELECT ROW_NUMBER() OVER (ORDER BY ${order}) - 1 AS idx${names.map((n) => `, ${q(n)}`).join('')} FROM (SELECT DISTINCT ${names.map(q).join(', ') || '1 AS one'} FROM ${q(this.rows)}) s`, []);
    if (required.length) await db.execute(this.tx, `CREATE INDEX ${q(`${table}_k`)} ON ${q(table)} (${required.map(q).join(', ')})`);
    await this.temps.analyze(table);
    const keys = await db.selectArrays(this.tx, `SELECT ${required.map(q).join(', ') || '1'} FROM ${q(table)} ORDER BY idx`);
    return { projection: { table, group }, keys };
  }

  /** The (quantum idx, dataset idx) pairs the rows relate, as two parallel arrays. */
  async edgePairs(quanta: Projection, datasets: Projection): Promise<{ quanta: Int32Array; datasets: Int32Array }> {
    const dims = [...new Set([...quanta.group.required, ...datasets.group.required])];
    const on = (alias: string, cols: readonly string[]) => cols.map((d) => `${alias}.${q(d)} = p.${q(d)}`).join(' AND ') || '1 = 1';
    const result = await this.registry.db.selectArrays(this.tx, `SELECT qt.idx, dt.idx FROM (SELECT DISTINCT ${dims.map(q).join(', ') || '1 AS one'} FROM ${q(this.rows)}) p ` +
      `JOIN ${q(quanta.table)} qt ON ${on('qt', quanta.group.required)} JOIN ${q(datasets.table)} dt ON ${on('dt', datasets.group.required)}`);
    const qs = new Int32Array(result.length), ds = new Int32Array(result.length);
    for (let i = 0; i < result.length; i++) {
      qs[i] = Number(result[i]![0]);
      ds[i] = Number(result[i]![1]);
    }
    return { quanta: qs, datasets: ds };
  }

  /** Find-first: per row of `at`, the dataset of `type` in the first of the RUN and TAGGED `collections` holding one. */
  async firstDatasets(at: Projection, type: DatasetType, collections: readonly CollectionRecord[]): Promise<FoundAt[]> {
    const candidates = candidateRows(type, new SearchPath(collections), 'tag', this.atRows(at));
    return candidates ? this.foundAt(firstInSearchOrder(candidates, ['idx'], ['idx', ...CANDIDATE_COLUMNS])) : [];
  }

  /** Every dataset of `type` in the RUN and TAGGED `collections` at the rows of `at`. */
  async datasetsAt(at: Projection, type: DatasetType, collections: readonly CollectionRecord[]): Promise<FoundAt[]> {
    const candidates = candidateRows(type, new SearchPath(collections), 'tag', this.atRows(at));
    return candidates ? this.foundAt(candidates) : [];
  }

  /**
   * One batched lookup of prerequisite `type` for every quantum of `quanta`, find-first in
   * `inputs` per quantum (and per shard, for sharded types).
   */
  async prerequisites(quanta: Projection, type: DatasetType, inputs: readonly CollectionRecord[], match: PrerequisiteMatch): Promise<PrerequisiteFound[]> {
    const path = new SearchPath(inputs);
    const leading = ['qt.idx AS idx'];
    const qt = `${q(quanta.table)} qt`;
    let candidates: string | null;
    let dataId: string[];
    if (match.kind === 'shard') {
      const skypix = this.registry.universe.skypix.name;
      const keys = [...match.region.required, ...(match.region.isDimension ? [match.region.name] : [])];
      const overlap = `${qt} JOIN ${q(overlapTable(match.region.name, skypix))} o ON ${keys.map((d) => `o.${q(d)} = qt.${q(d)}`).join(' AND ')}`;
      dataId = ['shard'];
      candidates = candidateRows(type, path, 'tag', { leading, trailing: [`t.${q(skypix)} AS shard`], join: { from: overlap, on: `t.${q(skypix)} = o.${q(skypix)}` } });
    } else {
      const dims = type.dimensions.required;
      dataId = dims.map(q);
      const join = { from: qt, on: dims.map((d) => `t.${q(d)} = qt.${q(d)}`).join(' AND ') || '1 = 1' };
      const shape: CandidateShape = { leading, trailing: dataIdColumns(dims), join };
      candidates = unionAll([
        candidateRows(type, path, 'tag', shape),
        match.temporal && type.isCalibration ? candidateRows(type, path, 'calib', { ...shape, join: duringTimespanOf(match.temporal, join) }) : null,
      ]);
    }
    if (!candidates) return [];
    const partition = match.kind === 'shard' ? ['idx', 'shard'] : ['idx'];
    const rows = await this.registry.db.selectArrays(this.tx, firstInSearchOrder(candidates, partition, ['idx', ...CANDIDATE_COLUMNS, ...dataId], { ties: true }));
    // one per quantum (and shard): the first row; another dataset of the same collection is its rival
    const first = new Map<string, unknown[]>();
    const rivals = new Map<string, string>();
    for (const r of rows) {
      const key = match.kind === 'shard' ? `${r[0]}/${r[4]}` : String(r[0]);
      const chosen = first.get(key);
      if (!chosen) first.set(key, r);
      else if (chosen[1] !== r[1] && !rivals.has(key)) rivals.set(key, String(r[1]));
    }
    return [...first].map(([key, r]) => ({
      idx: Number(r[0]), datasetId: String(r[1]), collectionId: Number(r[2]), runId: Number(r[3]), dataId: r.slice(4), rival: rivals.get(key) ?? null,
    }));
  }

  /** Candidate rows joined to the rows of projection `at`, led by its `idx`. */
  private atRows(at: Projection): CandidateShape {
    return { leading: ['dt.idx AS idx'], join: { from: `${q(at.table)} dt`, on: at.group.required.map((d) => `t.${q(d)} = dt.${q(d)}`).join(' AND ') || '1 = 1' } };
  }

  private async foundAt(sql: string): Promise<FoundAt[]> {
    const rows = await this.registry.db.selectArrays(this.tx, sql);
    return rows.map(([idx, datasetId, collectionId, runId]) => ({ idx: Number(idx), datasetId: String(datasetId), collectionId: Number(collectionId), runId: Number(runId) }));
  }
}

/** `join` through the timespan table of `temporal` (`e`), with `t` valid during it. */
function duringTimespanOf(temporal: DimensionElement, join: { from: string; on: string }): { from: string; on: string } {
  const keys = [...temporal.required, temporal.name];
  const on = temporal.primaryKeyColumns.map((col, i) => `e.${q(col)} = qt.${q(keys[i]!)}`).join(' AND ');
  return { from: `${join.from} JOIN ${q(temporal.name)} e ON ${on}`, on: `${join.on} AND t.timespan_begin < e.timespan_end AND t.timespan_end > e.timespan_begin` };
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
