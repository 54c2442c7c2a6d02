/**
 * `qg repo export`: writes the registry's content in the format LSST's `butler export`
 * writes (version 1.0.2), so `import -> export -> import` gives the same registry.
 */
import type { Repository } from '../repository.js';
import type { Registry } from '../registry.js';
import type { CollectionRecord } from '../collections/collections.js';
import type { Executor } from '../dialect/database.js';
import { TIME_MAX, TIME_MIN } from '../time/tai-time.js';
import { ButlerTime, ButlerTimespan, ButlerUuid, stringifyExportYaml } from './butler-yaml.js';

/** One entry of the export's `data` list. */
type ExportEntry = Record<string, unknown>;

/** Builds the export document of `repo` as YAML text. */
export async function exportButlerYaml(repo: Repository): Promise<string> {
  const registry = repo.registry;
  const tx: Executor = registry.knex;
  const data: ExportEntry[] = await dimensionEntries(registry, tx);
  const collections = await registry.collections.query();
  data.push(...(await collectionEntries(registry, collections)));
  data.push(...(await datasetEntries(registry, tx, collections.filter((c) => c.type === 'RUN'))));
  data.push(...(await associationEntries(registry, tx, collections)));
  return stringifyExportYaml({
    description: 'Butler Data Repository Export', version: '1.0.2',
    universe_version: registry.universe.version, universe_namespace: registry.universe.namespace, data,
  });
}

/** One `dimension` entry per element with a table and records; temporal elements' timespans as Butler timespans. */
async function dimensionEntries(registry: Registry, tx: Executor): Promise<ExportEntry[]> {
  const entries: ExportEntry[] = [];
  for (const element of registry.universe.elements.values()) {
    if (!element.hasTable) continue;
    const records = await registry.dimensions.query(element.name, tx);
    if (!records.length) continue;
    entries.push({
      type: 'dimension', element: element.name,
      records: records.map((r) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(r)) {
          if (k === 'timespan') continue;
          out[k] = v;
        }
        if (element.temporal) {
          const ts = r.timespan;
          out['timespan'] = ts ? ButlerTimespan.from(ts) : null;
        }
        return out;
      }),
    });
  }
  return entries;
}

/** One `collection` entry per collection, with a chain's children. */
async function collectionEntries(registry: Registry, collections: readonly CollectionRecord[]): Promise<ExportEntry[]> {
  const entries: ExportEntry[] = [];
  for (const c of collections) {
    const entry: ExportEntry = { type: 'collection', collection_type: c.type, name: c.name };
    if (c.doc) entry['doc'] = c.doc;
    if (c.type === 'RUN') Object.assign(entry, { host: null, timespan_begin: null, timespan_end: null });
    if (c.type === 'CHAINED') entry['children'] = await registry.collections.getChain(c.name);
    entries.push(entry);
  }
  return entries;
}

/** Per dataset type its `dataset_type` entry, then one `dataset` entry per run holding some (sorted by ID, with their files). */
async function datasetEntries(registry: Registry, tx: Executor, runs: readonly CollectionRecord[]): Promise<ExportEntry[]> {
  const entries: ExportEntry[] = [];
  const files = new Map<string, { path: string; formatter: string }>();
  for (const [id, path, formatter] of await registry.db.arrays(tx, tx('datastore_record').select('dataset_id', 'path', 'formatter'))) {
    files.set(String(id), { path: String(path), formatter: String(formatter) });
  }
  for (const type of await registry.datasetTypes.all()) {
    entries.push({
      type: 'dataset_type', name: type.name, dimensions: type.dimensions.names,
      storage_class: type.storageClass, is_calibration: type.isCalibration,
    });
    for (const run of runs) {
      const refs = (await registry.datasets.query(type.name, [run.name], tx)).sort((a, b) => a.id.localeCompare(b.id));
      if (!refs.length) continue;
      entries.push({
        type: 'dataset', dataset_type: type.name, run: run.name,
        records: refs.map((ref) => {
          const file = files.get(ref.id);
          return { dataset_id: [new ButlerUuid(ref.id)], data_id: [ref.dataId], ...(file ? { path: file.path, formatter: file.formatter } : {}) };
        }),
      });
    }
  }
  return entries;
}

/** The `associations` entries of TAGGED and CALIBRATION collections that hold datasets, in collection order. */
async function associationEntries(registry: Registry, tx: Executor, collections: readonly CollectionRecord[]): Promise<ExportEntry[]> {
  const entries: ExportEntry[] = [];
  for (const c of collections) {
    const entry = c.type === 'TAGGED' ? await taggedAssociations(registry, tx, c) : c.type === 'CALIBRATION' ? await calibrationAssociations(registry, tx, c) : undefined;
    if (entry) entries.push(entry);
  }
  return entries;
}

/** A TAGGED collection's dataset IDs, sorted (undefined when it holds none). */
async function taggedAssociations(registry: Registry, tx: Executor, c: CollectionRecord): Promise<ExportEntry | undefined> {
  const ids: string[] = [];
  for (const type of await registry.datasetTypes.all()) ids.push(...(await registry.datasets.query(type.name, [c.name], tx)).map((r) => r.id));
  if (!ids.length) return undefined;
  return { type: 'associations', collection: c.name, collection_type: 'TAGGED', dataset_ids: ids.sort().map((i) => new ButlerUuid(i)) };
}

/** A CALIBRATION collection's datasets grouped by validity range, ranges by start (undefined when it holds none); unbounded ends are null. */
async function calibrationAssociations(registry: Registry, tx: Executor, c: CollectionRecord): Promise<ExportEntry | undefined> {
  const ranges = new Map<string, { begin: bigint; end: bigint; ids: string[] }>();
  for (const type of await registry.datasetTypes.all()) {
    if (!type.isCalibration) continue;
    const rows = await registry.db.arrays(tx, tx(type.calibTable).select('dataset_id')
      .select(registry.db.exactInt('timespan_begin'), registry.db.exactInt('timespan_end'))
      .where({ dataset_type_id: type.id, collection_id: c.id }));
    for (const [id, b, e] of rows) {
      const key = `${b}/${e}`;
      const range = ranges.get(key) ?? { begin: BigInt(String(b)), end: BigInt(String(e)), ids: [] };
      range.ids.push(String(id));
      ranges.set(key, range);
    }
  }
  if (!ranges.size) return undefined;
  return {
    type: 'associations', collection: c.name, collection_type: 'CALIBRATION',
    validity_ranges: [...ranges.values()].sort((a, b) => (a.begin < b.begin ? -1 : a.begin > b.begin ? 1 : 0)).map((r) => ({
      timespan: new ButlerTimespan(r.begin <= TIME_MIN ? null : new ButlerTime(r.begin), r.end >= TIME_MAX ? null : new ButlerTime(r.end)),
      dataset_ids: r.ids.sort().map((i) => new ButlerUuid(i)),
    })),
  };
}
