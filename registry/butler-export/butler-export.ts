/**
 * `qg repo export`: writes the registry's content in the format LSST's `butler export`
 * writes (version 1.0.2), so `import -> export -> import` gives the same registry.
 */
import type { Repository } from '../repository.js';
import type { Executor } from '../dialect/database.js';
import { TIME_MAX, TIME_MIN } from '../time/tai-time.js';
import { ButlerTime, ButlerTimespan, ButlerUuid, stringifyExportYaml } from './butler-yaml.js';

/** Builds the export document of `repo` as YAML text. */
export async function exportButlerYaml(repo: Repository): Promise<string> {
  const registry = repo.registry;
  const tx: Executor = registry.knex;
  const data: Record<string, unknown>[] = [];
  for (const element of registry.universe.elements.values()) {
    if (!element.hasTable) continue;
    const records = await registry.dimensions.query(element.name, tx);
    if (!records.length) continue;
    data.push({
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
  const collections = await registry.collections.query();
  for (const c of collections) {
    const entry: Record<string, unknown> = { type: 'collection', collection_type: c.type, name: c.name };
    if (c.doc) entry['doc'] = c.doc;
    if (c.type === 'RUN') Object.assign(entry, { host: null, timespan_begin: null, timespan_end: null });
    if (c.type === 'CHAINED') entry['children'] = await registry.collections.getChain(c.name);
    data.push(entry);
  }
  const runs = collections.filter((c) => c.type === 'RUN');
  const files = new Map<string, { path: string; formatter: string }>();
  for (const [id, path, formatter] of await registry.db.arrays(tx, tx('datastore_record').select('dataset_id', 'path', 'formatter'))) {
    files.set(String(id), { path: String(path), formatter: String(formatter) });
  }
  for (const type of await registry.datasetTypes.all()) {
    data.push({
      type: 'dataset_type', name: type.name, dimensions: type.dimensions.names,
      storage_class: type.storageClass, is_calibration: type.isCalibration,
    });
    for (const run of runs) {
      const refs = (await registry.datasets.query(type.name, [run.name], tx)).sort((a, b) => a.id.localeCompare(b.id));
      if (!refs.length) continue;
      data.push({
        type: 'dataset', dataset_type: type.name, run: run.name,
        records: refs.map((ref) => {
          const file = files.get(ref.id);
          return { dataset_id: [new ButlerUuid(ref.id)], data_id: [ref.dataId], ...(file ? { path: file.path, formatter: file.formatter } : {}) };
        }),
      });
    }
  }
  for (const c of collections) {
    if (c.type === 'TAGGED') {
      const ids: string[] = [];
      for (const type of await registry.datasetTypes.all()) ids.push(...(await registry.datasets.query(type.name, [c.name], tx)).map((r) => r.id));
      if (ids.length) data.push({ type: 'associations', collection: c.name, collection_type: 'TAGGED', dataset_ids: ids.sort().map((i) => new ButlerUuid(i)) });
    } else if (c.type === 'CALIBRATION') {
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
      if (!ranges.size) continue;
      data.push({
        type: 'associations', collection: c.name, collection_type: 'CALIBRATION',
        validity_ranges: [...ranges.values()].sort((a, b) => (a.begin < b.begin ? -1 : a.begin > b.begin ? 1 : 0)).map((r) => ({
          timespan: new ButlerTimespan(r.begin <= TIME_MIN ? null : new ButlerTime(r.begin), r.end >= TIME_MAX ? null : new ButlerTime(r.end)),
          dataset_ids: r.ids.sort().map((i) => new ButlerUuid(i)),
        })),
      });
    }
  }
  return stringifyExportYaml({
    description: 'Butler Data Repository Export', version: '1.0.2',
    universe_version: registry.universe.version, universe_namespace: registry.universe.namespace, data,
  });
}
