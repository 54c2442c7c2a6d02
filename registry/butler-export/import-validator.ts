/**
 * Checks an export against the registry (and against itself) inside the import's
 * transaction, before anything is written, with the same rules on every dialect: each
 * dataset's type and RUN exist (earlier in the export or in the registry), each data ID has
 * the type's keys with values of the right types and a record for every dimension in it
 * (in the export or the registry), and each dataset id is new.
 */
import type { Knex } from 'knex';
import { RegistryError } from '../errors.js';
import type { Registry } from '../registry.js';
import { CollectionError } from '../collections/collections.js';
import { formatDataId, makeDataId, requiredValues, type DataId } from '../datasets/data-id.js';
import { DatasetTypeError } from '../datasets/dataset-types.js';
import { DatasetError } from '../datasets/datasets.js';
import type { DimensionRecord } from '../dimensions/dimension-records.js';
import { suggest, type DimensionGroup } from '../universe/dimension-universe.js';
import { atPlace, describePlace, type ExportDocument, type Place } from './butler-yaml.js';
import type { DatasetEntry, DatasetRecordEntry, ExportContent } from './export-reader.js';

/** Error for a data ID naming a dimension value that has no record in the export or the registry. */
export class MissingDimensionRecordError extends RegistryError {
  override name = 'MissingDimensionRecordError';
  constructor(message: string) {
    super(message, 'DATA_ID_RECORD');
  }
}

/** A dimension key a data ID uses, with the first record that uses it. */
interface KeyUse {
  readonly values: readonly (string | number)[];
  readonly place: Place;
}

const CHUNK = 500;

/** Checks `content` before the import writes it; returns the names of every RUN (export and registry). */
export async function validateImport(registry: Registry, doc: ExportDocument, content: ExportContent, tx: Knex.Transaction): Promise<string[]> {
  const rows = await registry.db.arrays(tx, tx('collection').select('name', 'type'));
  const collections = new Map(rows.map(([name, type]) => [String(name), String(type)]));
  const types = new Map((await registry.datasetTypes.all(tx)).map((t) => [t.name, t.dimensions]));
  const uses = new Map<string, Map<string, KeyUse>>();
  const ids = new Map<string, Place>();
  for (const entry of content.entries) {
    if (entry.kind === 'collection' && !collections.has(entry.name)) collections.set(entry.name, entry.type);
    if (entry.kind === 'dataset_type' && !types.has(entry.spec.name)) types.set(entry.spec.name, registry.universe.group(entry.spec.dimensions));
    if (entry.kind === 'dataset') noteDatasets(doc, entry, collections, types, uses, ids);
  }
  await checkRecordsExist(registry, doc, content, uses, tx);
  await checkIdsAreNew(registry, doc, ids, tx);
  return [...collections].filter(([, type]) => type === 'RUN').map(([name]) => name);
}

/** Checks a dataset entry's type, RUN, data IDs and ids (against what is known so far), noting the keys and ids it uses. */
function noteDatasets(doc: ExportDocument, entry: DatasetEntry, collections: ReadonlyMap<string, string>, types: ReadonlyMap<string, DimensionGroup>, uses: Map<string, Map<string, KeyUse>>, ids: Map<string, Place>): void {
  const group = types.get(entry.datasetType);
  if (!group) throw new DatasetTypeError(`${describePlace(doc, entry.place)}: dataset type '${entry.datasetType}' is defined neither earlier in the export nor in the registry${suggest(entry.datasetType, [...types.keys()])}`, 'DATASET_TYPE_MISSING');
  const runType = collections.get(entry.run);
  if (runType !== 'RUN') {
    const problem = runType ? `'${entry.run}' is a ${runType} collection; datasets go into RUN collections` : `RUN '${entry.run}' is defined neither earlier in the export nor in the registry`;
    throw new CollectionError(`${describePlace(doc, { path: [...entry.place.path, 'run'], label: entry.place.label })}: ${problem}`, runType ? 'COLLECTION_TYPE' : 'COLLECTION_MISSING');
  }
  for (const record of entry.records) noteRecord(doc, group, record, uses, ids);
}

/** Checks a record's data IDs and ids, noting the dimension keys it uses and its ids. */
function noteRecord(doc: ExportDocument, group: DimensionGroup, record: DatasetRecordEntry, uses: Map<string, Map<string, KeyUse>>, ids: Map<string, Place>): void {
  record.dataIds.forEach((raw, k) => {
    const place = { path: [...record.place.path, 'data_id', k], label: record.place.label };
    let dataId: DataId;
    try {
      dataId = makeDataId(group.required, requiredValues(group, raw, 'data ID'));
    } catch (e) {
      throw atPlace(doc, place, e);
    }
    noteKeys(group, dataId, { path: place.path, label: `${record.place.label} data ID ${formatDataId(dataId)}` }, uses);
  });
  for (const id of record.ids) {
    const first = ids.get(id);
    if (first) throw new DatasetError(`${describePlace(doc, record.place)}: dataset id ${id} appears twice in the export (first at ${describePlace(doc, first)})`, 'DATASET_CONFLICT');
    ids.set(id, record.place);
  }
}

/** Notes, for each table-backed dimension of `dataId`, the primary key of the record it needs. */
function noteKeys(group: DimensionGroup, dataId: DataId, place: Place, uses: Map<string, Map<string, KeyUse>>): void {
  for (const d of group.required) {
    const element = group.universe.dimension(d);
    if (!element.hasTable) continue;
    const values = [...element.required.map((r) => dataId[r]), dataId[d]];
    if (values.some((v) => v === undefined)) continue;
    const byKey = uses.get(d) ?? new Map<string, KeyUse>();
    const key = keyOf(values);
    if (!byKey.has(key)) byKey.set(key, { values: values as (string | number)[], place });
    uses.set(d, byKey);
  }
}

/** Fails on the first data ID whose dimension record is neither in the export nor in the registry. */
async function checkRecordsExist(registry: Registry, doc: ExportDocument, content: ExportContent, uses: Map<string, Map<string, KeyUse>>, tx: Knex.Transaction): Promise<void> {
  const exported = exportedKeys(registry, content);
  for (const [d, byKey] of uses) {
    const element = registry.universe.dimension(d);
    const wanted = [...byKey].filter(([key]) => !exported.get(d)?.has(key));
    const found = new Set<string>();
    for (let i = 0; i < wanted.length; i += CHUNK) {
      const chunk = wanted.slice(i, i + CHUNK).map(([, use]) => use.values);
      const rows = await registry.db.arrays(tx, tx(d).select(element.primaryKeyColumns).whereIn(element.primaryKeyColumns, chunk as (string | number)[][]));
      for (const row of rows) found.add(keyOf(row));
    }
    const missing = wanted.find(([key]) => !found.has(key));
    if (missing) {
      const [, use] = missing;
      const record = makeDataId(element.primaryKeyColumns, use.values);
      throw new MissingDimensionRecordError(`${describePlace(doc, use.place)}: there is no ${d} record ${formatDataId(record)} in the export or the registry`);
    }
  }
}

/** Primary keys of the records the export defines (or implies), by element. */
function exportedKeys(registry: Registry, content: ExportContent): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (elementName: string, records: readonly DimensionRecord[]) => {
    const columns = registry.universe.element(elementName).primaryKeyColumns;
    const keys = out.get(elementName) ?? new Set<string>();
    for (const r of records) keys.add(keyOf(columns.map((c) => r[c])));
    out.set(elementName, keys);
  };
  for (const entry of content.entries) if (entry.kind === 'dimension') add(entry.element, entry.records);
  for (const [d, records] of content.implied) add(d, records);
  return out;
}

/** Fails on the first dataset id that the registry already holds. */
async function checkIdsAreNew(registry: Registry, doc: ExportDocument, ids: Map<string, Place>, tx: Knex.Transaction): Promise<void> {
  const all = [...ids.keys()];
  for (let i = 0; i < all.length; i += CHUNK) {
    const [row] = await registry.db.arrays(tx, tx('dataset').select('id').whereIn('id', all.slice(i, i + CHUNK)).limit(1));
    if (row) {
      const id = String(row[0]).toLowerCase();
      throw new DatasetError(`${describePlace(doc, ids.get(id)!)}: dataset id ${id} already exists in the registry`, 'DATASET_CONFLICT');
    }
  }
}

/** Key values as comparable text (numbers and numeric strings alike). */
function keyOf(values: readonly unknown[]): string {
  return JSON.stringify(values.map(String));
}
