/**
 * Datasets: insertion into RUNs, TAGGED association, CALIBRATION certification with
 * half-open validity ranges, and find-first lookups over ordered collection lists. Writes are
 * bulk (one prepared statement per table per call) and keep collection summaries current.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { bigintValue, type Database, type Executor } from '../dialect/database.js';
import { RegistryError, type DatasetErrorCode } from '../errors.js';
import type { CollectionRecord, Collections } from '../collections/collections.js';
import { governorSummaryTable } from '../schema/registry-schema.js';
import { TIME_MAX, TIME_MIN, taiToIso, type Timespan } from '../time/tai-time.js';
import { formatDataId, makeDataId, requiredValues, type DataId } from './data-id.js';
import { CANDIDATE_COLUMNS, candidateRows, dataIdColumns, firstInSearchOrder, SearchPath, unionAll } from './dataset-search.js';
import { q } from '../query/temp-tables.js';
import type { DatasetType, DatasetTypes } from './dataset-types.js';

/** A resolved dataset: its id, type, data ID (required keys) and RUN. */
export interface DatasetRef {
  readonly id: string;
  readonly datasetType: string;
  readonly dataId: DataId;
  readonly run: string;
}

/** Error for dataset-level conflicts (duplicates, overlapping validity ranges). */
export class DatasetError extends RegistryError {
  override name = 'DatasetError';
  constructor(message: string, override readonly code: DatasetErrorCode = 'DATASET') {
    super(message, code);
  }
}

/** Ids per `IN (...)` list: well below every driver's bind limit. */
const ID_CHUNK = 500;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Dataset operations; every method takes an optional executor so callers can batch in one transaction. */
export class Datasets {
  constructor(
    private readonly db: Database,
    private readonly collections: Collections,
    private readonly types: DatasetTypes,
  ) {}

  private async collectionOfType(name: string, type: CollectionRecord['type'], tx: Executor): Promise<CollectionRecord> {
    const record = await this.collections.get(name, tx);
    if (record.type !== type) throw new DatasetError(`collection '${name}' is ${record.type}, expected ${type}`, 'COLLECTION_TYPE');
    return record;
  }

  /**
   * Inserts new datasets of one type into RUN `run`. Ids are random UUIDs unless given.
   * A data ID already present in the run is an error naming it.
   */
  async insert(datasetType: string, run: string, dataIds: readonly DataId[], tx: Executor, ids?: readonly string[]): Promise<DatasetRef[]> {
    if (!isTransaction(tx)) return this.db.transaction((trx) => this.insert(datasetType, run, dataIds, trx, ids));
    const type = await this.types.get(datasetType, tx);
    const runRecord = await this.collectionOfType(run, 'RUN', tx);
    const keyed = dataIds.map((d) => requiredValues(type.dimensions, d, `${datasetType} data ID`));
    const refIds = ids ? ids.map((id) => id.toLowerCase()) : dataIds.map(() => randomUUID());
    for (const id of refIds) if (!UUID_RE.test(id)) throw new DatasetError(`'${id}' is not a UUID`);
    const now = Date.now();
    await this.db.insertRows(tx, 'dataset', ['id', 'dataset_type_id', 'run_id', 'ingest_date'], refIds.map((id) => [id, type.id, runRecord.id, now]));
    await this.insertTags(type, runRecord, refIds, keyed, tx);
    return refIds.map((id, i) => ({ id, datasetType, run, dataId: makeDataId(type.dimensions.required, keyed[i]!) }));
  }

  private async insertTags(type: DatasetType, collection: CollectionRecord, ids: readonly string[], keyed: readonly (string | number)[][], tx: Executor): Promise<void> {
    const columns = ['dataset_type_id', 'collection_id', 'dataset_id', ...type.dimensions.required];
    try {
      // In a savepoint: on PostgreSQL a failed statement aborts the transaction, and the
      // explanation below needs to query it.
      await inSavepoint(tx, (sp) => this.db.insertRows(sp, type.tagTable, columns, ids.map((id, i) => [type.id, collection.id, id, ...keyed[i]!])));
    } catch (e) {
      throw await this.explainTagConflict(type, collection, keyed, e, tx);
    }
    await this.updateSummary(collection, type, keyed, tx);
  }

  /** Turns a unique-key violation into a message naming the duplicate data ID. */
  private async explainTagConflict(type: DatasetType, collection: CollectionRecord, keyed: readonly (string | number)[][], error: unknown, tx: Executor): Promise<Error> {
    if (!/unique|duplicate/i.test(String((error as Error)?.message))) return error as Error;
    const seen = new Set<string>();
    for (const k of keyed) {
      const key = JSON.stringify(k);
      if (seen.has(key)) return new DatasetError(`${type.name} ${formatDataId(makeDataId(type.dimensions.required, k))} appears twice in the datasets given for '${collection.name}'`, 'DATASET_CONFLICT');
      seen.add(key);
    }
    const existing = await this.db.arrays(tx, tx(type.tagTable).select(type.dimensions.required).where({ dataset_type_id: type.id, collection_id: collection.id }));
    for (const row of existing) {
      if (seen.has(JSON.stringify(row))) {
        return new DatasetError(`${type.name} ${formatDataId(makeDataId(type.dimensions.required, row))} already exists in collection '${collection.name}'`, 'DATASET_CONFLICT');
      }
    }
    return error as Error;
  }

  /** Records that `collection` holds datasets of `type` with these governor values. */
  private async updateSummary(collection: CollectionRecord, type: DatasetType, keyed: readonly (string | number)[][], tx: Executor): Promise<void> {
    await this.db.insertRows(tx, 'collection_summary_dataset_type', ['collection_id', 'dataset_type_id'], [[collection.id, type.id]], { ignoreConflicts: true });
    for (const governor of type.dimensions.governors) {
      const column = type.dimensions.required.indexOf(governor);
      const values = [...new Set(keyed.map((k) => k[column]!))];
      await this.db.insertRows(tx, governorSummaryTable(governor), ['collection_id', governor], values.map((v) => [collection.id, v]), { ignoreConflicts: true });
    }
  }

  /** Looks up datasets by id (type, run, data ID); unknown ids are an error listing a few. */
  async byIds(ids: readonly string[], tx: Executor): Promise<DatasetRef[]> {
    const unique = [...new Set(ids.map((i) => i.toLowerCase()))];
    const found = new Map<string, DatasetRef>();
    for (let start = 0; start < unique.length; start += ID_CHUNK) {
      const chunk = unique.slice(start, start + ID_CHUNK);
      const rows = await this.db.arrays(tx, tx('dataset').select('id', 'dataset_type_id', 'run_id').whereIn('id', chunk));
      const byType = new Map<number, [string, number][]>();
      for (const [id, typeId, runId] of rows) {
        const list = byType.get(Number(typeId)) ?? [];
        list.push([String(id), Number(runId)]);
        byType.set(Number(typeId), list);
      }
      for (const [typeId, list] of byType) {
        const type = await this.types.byId(typeId, tx);
        const dims = await this.db.arrays(tx, tx(type.tagTable).select(['dataset_id', ...type.dimensions.required])
          .whereIn('dataset_id', list.map(([id]) => id)).andWhere('dataset_type_id', type.id)
          .whereIn('collection_id', list.map(([, run]) => run)));
        const runOf = new Map(list);
        for (const [id, ...values] of dims) {
          const runId = runOf.get(String(id));
          if (runId === undefined || found.has(String(id))) continue;
          const run = await this.collections.byId(runId, tx);
          found.set(String(id), { id: String(id), datasetType: type.name, run: run.name, dataId: makeDataId(type.dimensions.required, values) });
        }
      }
    }
    const missing = unique.filter((id) => !found.has(id));
    if (missing.length) throw new DatasetError(`${missing.length} unknown dataset id(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`, 'DATASET_MISSING');
    return ids.map((id) => found.get(id.toLowerCase())!);
  }

  /** Adds existing datasets to TAGGED collection `tagged` (one per type and data ID). */
  async associate(tagged: string, refs: readonly DatasetRef[], tx: Executor): Promise<void> {
    if (!isTransaction(tx)) return this.db.transaction((trx) => this.associate(tagged, refs, trx));
    const collection = await this.collectionOfType(tagged, 'TAGGED', tx);
    for (const [typeName, group] of groupBy(refs, (r) => r.datasetType)) {
      const type = await this.types.get(typeName, tx);
      const keyed = group.map((r) => requiredValues(type.dimensions, r.dataId));
      await this.insertTags(type, collection, group.map((r) => r.id), keyed, tx);
    }
  }

  /**
   * Certifies calibration datasets in CALIBRATION collection `calib` for `[begin, end)`.
   * A range overlapping an existing one for the same dataset type and data ID (or two in the
   * same call) is an error naming both.
   */
  async certify(calib: string, refs: readonly DatasetRef[], timespan: Timespan, tx: Executor): Promise<void> {
    if (!isTransaction(tx)) return this.db.transaction((trx) => this.certify(calib, refs, timespan, trx));
    const collection = await this.collectionOfType(calib, 'CALIBRATION', tx);
    if (!(timespan.begin < timespan.end)) throw new DatasetError(`empty validity range [${fmtTime(timespan.begin)}, ${fmtTime(timespan.end)})`, 'CALIB_RANGE');
    for (const [typeName, group] of groupBy(refs, (r) => r.datasetType)) {
      const type = await this.types.get(typeName, tx);
      if (!type.isCalibration) throw new DatasetError(`dataset type '${typeName}' is not a calibration type and cannot be certified`, 'CALIB_TYPE');
      const keyed = group.map((r) => requiredValues(type.dimensions, r.dataId));
      const seen = new Map<string, DatasetRef>();
      group.forEach((r, i) => {
        const key = JSON.stringify(keyed[i]);
        const other = seen.get(key);
        if (other) throw new DatasetError(`cannot certify ${typeName} ${formatDataId(r.dataId)} twice for the same range (datasets ${other.id} and ${r.id})`, 'CALIB_OVERLAP');
        seen.set(key, r);
      });
      const dims = type.dimensions.required;
      const existing = await this.db.arrays(tx, tx(type.calibTable)
        .select(['dataset_id', ...dims])
        .select(this.db.exactInt('timespan_begin'), this.db.exactInt('timespan_end'))
        .where({ dataset_type_id: type.id, collection_id: collection.id })
        .andWhere('timespan_begin', '<', bigintValue(timespan.end)).andWhere('timespan_end', '>', bigintValue(timespan.begin)));
      for (const row of existing) {
        const key = JSON.stringify(row.slice(1, 1 + dims.length));
        const clash = seen.get(key);
        if (clash) {
          const [b, e] = row.slice(1 + dims.length).map((v) => BigInt(String(v)));
          throw new DatasetError(
            `cannot certify ${typeName} ${formatDataId(clash.dataId)} in '${calib}' for [${fmtTime(timespan.begin)}, ${fmtTime(timespan.end)}): ` +
            `dataset ${row[0]} is already certified there for the overlapping range [${fmtTime(b!)}, ${fmtTime(e!)})`, 'CALIB_OVERLAP');
        }
      }
      await this.db.insertRows(tx, type.calibTable, ['dataset_type_id', 'collection_id', 'dataset_id', ...dims, 'timespan_begin', 'timespan_end'],
        group.map((r, i) => [type.id, collection.id, r.id, ...keyed[i]!, timespan.begin, timespan.end]));
      await this.updateSummary(collection, type, keyed, tx);
    }
  }

  /**
   * Removes the validity of `datasetType` in `calib` over `timespan` (optionally only for
   * some data IDs). Ranges that stick out of it are trimmed, and split in two when needed.
   */
  async decertify(calib: string, datasetType: string, timespan: Timespan, tx: Executor, dataIds?: readonly DataId[]): Promise<number> {
    if (!isTransaction(tx)) return this.db.transaction((trx) => this.decertify(calib, datasetType, timespan, trx, dataIds));
    const collection = await this.collectionOfType(calib, 'CALIBRATION', tx);
    const type = await this.types.get(datasetType, tx);
    const dims = type.dimensions.required;
    const wanted = dataIds ? new Set(dataIds.map((d) => JSON.stringify(requiredValues(type.dimensions, d)))) : null;
    const rows = await this.db.arrays(tx, tx(type.calibTable)
      .select(['id', 'dataset_id', ...dims])
      .select(this.db.exactInt('timespan_begin'), this.db.exactInt('timespan_end'))
      .where({ dataset_type_id: type.id, collection_id: collection.id })
      .andWhere('timespan_begin', '<', bigintValue(timespan.end)).andWhere('timespan_end', '>', bigintValue(timespan.begin)));
    const hits = rows.filter((r) => !wanted || wanted.has(JSON.stringify(r.slice(2, 2 + dims.length))));
    if (!hits.length) return 0;
    const remainders: unknown[][] = [];
    for (const r of hits) {
      const [b, e] = r.slice(2 + dims.length).map((v) => BigInt(String(v)));
      const keys = r.slice(2, 2 + dims.length);
      if (b! < timespan.begin) remainders.push([type.id, collection.id, r[1], ...keys, b, timespan.begin]);
      if (e! > timespan.end) remainders.push([type.id, collection.id, r[1], ...keys, timespan.end, e]);
    }
    for (let i = 0; i < hits.length; i += ID_CHUNK) {
      await tx(type.calibTable).whereIn('id', hits.slice(i, i + ID_CHUNK).map((r) => Number(r[0]))).delete();
    }
    await this.db.insertRows(tx, type.calibTable, ['dataset_type_id', 'collection_id', 'dataset_id', ...dims, 'timespan_begin', 'timespan_end'], remainders);
    return hits.length;
  }

  /**
   * Find-first search for many data IDs of one type in an ordered collection list, in one
   * query. CALIBRATION collections need `time`, the instant at which a certification must be
   * valid. Returns refs in the order of `dataIds` (undefined where none is found).
   */
  async findFirst(datasetType: string, collections: readonly string[], dataIds: readonly DataId[], tx: Executor, time?: bigint): Promise<(DatasetRef | undefined)[]> {
    const type = await this.types.get(datasetType, tx);
    const dims = type.dimensions.required;
    const path = new SearchPath(await this.collections.flatten(collections, tx));
    if (path.calibrations.length && time === undefined) {
      throw new DatasetError(`finding ${datasetType} in CALIBRATION collection(s) needs a time (none given)`, 'CALIB_NEEDS_TIME');
    }
    const candidates = unionAll([
      candidateRows(type, path, 'tag', { trailing: dataIdColumns(dims) }),
      candidateRows(type, path, 'calib', { trailing: dataIdColumns(dims), where: 't.timespan_begin <= ? AND t.timespan_end > ?' }),
    ]);
    const keyed = dataIds.map((d) => requiredValues(type.dimensions, d));
    if (!candidates) return keyed.map(() => undefined);
    const sql = firstInSearchOrder(candidates, dims.map(q), [...CANDIDATE_COLUMNS, ...dims.map(q)]);
    const rows = await this.db.selectArrays(tx, this.db.placeholders(sql), path.calibrations.length ? [time, time] : []);
    const first = new Map(rows.map(([datasetId, , runId, ...values]) => [JSON.stringify(values), { id: String(datasetId), run: Number(runId) }]));
    const out: (DatasetRef | undefined)[] = [];
    for (const values of keyed) {
      const b = first.get(JSON.stringify(values));
      out.push(b && { id: b.id, datasetType, dataId: makeDataId(dims, values), run: (await this.collections.byId(b.run, tx)).name });
    }
    return out;
  }

  /** Every dataset of a type in the given collections, in search order (find-first per data ID when asked). */
  async query(datasetType: string, collections: readonly string[], tx: Executor, options: { findFirst?: boolean } = {}): Promise<(DatasetRef & { collection: string })[]> {
    const type = await this.types.get(datasetType, tx);
    const dims = type.dimensions.required;
    const path = new SearchPath((await this.collections.flatten(collections, tx)).filter((c) => c.type !== 'CALIBRATION' || !options.findFirst));
    const candidates = unionAll([
      candidateRows(type, path, 'tag', { trailing: dataIdColumns(dims) }),
      candidateRows(type, path, 'calib', { trailing: dataIdColumns(dims), distinct: true }),
    ]);
    if (!candidates) return [];
    const columns = [...CANDIDATE_COLUMNS, ...dims.map(q)];
    const found = options.findFirst ? firstInSearchOrder(candidates, dims.map(q), columns) : `SELECT ${columns.join(', ')} FROM (${candidates}) c`;
    const rows = await this.db.selectArrays(tx, `${found} ORDER BY ${['search_rank', ...dims.map(q)].join(', ')}`);
    const out: (DatasetRef & { collection: string })[] = [];
    for (const [id, collectionId, runId, ...values] of rows) {
      out.push({
        id: String(id), datasetType, dataId: makeDataId(dims, values),
        run: (await this.collections.byId(Number(runId), tx)).name,
        collection: (await this.collections.byId(Number(collectionId), tx)).name,
      });
    }
    return out;
  }

  /** Deletes datasets by id, in chunks of `IN` lists (their tags, certifications and file records go with them). */
  async remove(ids: readonly string[], tx: Executor): Promise<void> {
    for (let i = 0; i < ids.length; i += ID_CHUNK) await tx('dataset').whereIn('id', ids.slice(i, i + ID_CHUNK)).delete();
  }
}

/** Whether `tx` is a transaction (writes that must be all-or-nothing start one otherwise). */
function isTransaction(tx: Executor): tx is Knex.Transaction {
  return (tx as { isTransaction?: boolean }).isTransaction === true;
}

/** Runs `fn` in a savepoint of `tx`, so its failure leaves `tx` usable. */
function inSavepoint<T>(tx: Executor, fn: (sp: Executor) => Promise<T>): Promise<T> {
  return isTransaction(tx) ? tx.transaction((sp) => fn(sp)) : fn(tx);
}

function fmtTime(t: bigint): string {
  if (t <= TIME_MIN) return '-inf';
  if (t >= TIME_MAX) return '+inf';
  return `${taiToIso(t)} TAI`;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k) ?? [];
    list.push(item);
    out.set(k, list);
  }
  return out;
}
