/**
 * `qg repo import`: loads a file written by LSST's `butler export` (description "Butler Data
 * Repository Export", version 1.0.x) into a repository, in one transaction, so a bad file
 * leaves nothing half-imported.
 */
import { readFileSync } from 'node:fs';
import type { Knex } from 'knex';
import type { Repository } from '../repository.js';
import { RegistryError } from '../errors.js';
import type { CollectionType } from '../collections/collections.js';
import type { DataId } from '../datasets/data-id.js';
import type { DatasetRef } from '../datasets/datasets.js';
import { FILE_RECORD_COLUMNS } from '../datastore/datastore.js';
import type { DimensionRecord } from '../dimensions/dimension-records.js';
import { checkRelative } from '../datastore/file-template.js';
import { ButlerTime, ButlerTimespan, ButlerUuid, ExportFormatError, parseExportYaml } from './butler-yaml.js';

/** Counts of what an import added. */
export interface ImportSummary {
  dimensionRecords: Record<string, number>;
  collections: number;
  datasetTypes: number;
  datasets: number;
  associations: number;
  certifications: number;
  /** Fields of the export that qg's universe does not have (dropped), by element. */
  droppedFields: Record<string, string[]>;
}

type Entry = Record<string, unknown> & { type?: string };

/** Imports `path` into `repo`. */
export async function importButlerExport(repo: Repository, path: string, options: { skipExistingDimensions?: boolean } = {}): Promise<ImportSummary> {
  const data = parseExportYaml(readFileSync(path, 'utf8'), path) as Record<string, unknown> | null;
  if (!data || data['description'] !== 'Butler Data Repository Export') throw new ExportFormatError(`${path}: not a butler export (description must be 'Butler Data Repository Export')`);
  const version = String(data['version'] ?? '');
  if (!/^1\.0(\.\d+)?$/.test(version)) throw new ExportFormatError(`${path}: export version '${version}' is not supported (qg reads 1.0.x)`);
  const entries = data['data'];
  if (!Array.isArray(entries)) throw new ExportFormatError(`${path}: 'data' must be a list`);
  const registry = repo.registry;
  const universe = registry.universe;
  const summary: ImportSummary = { dimensionRecords: {}, collections: 0, datasetTypes: 0, datasets: 0, associations: 0, certifications: 0, droppedFields: {} };
  const where = (i: number, e: Entry) => `${path}: data[${i}] (type ${e.type}${e['element'] ? `, element ${e['element']}` : ''}${e['name'] ? `, ${e['name']}` : ''}${e['dataset_type'] ? `, dataset type ${e['dataset_type']}` : ''}${e['collection'] ? `, collection ${e['collection']}` : ''})`;

  const run = async (tx: Knex.Transaction) => {
    const chains: [string, string[]][] = [];
    const impliedSeen = new Map<string, Map<string, DimensionRecord>>();
    for (const [i, entry] of (entries as Entry[]).entries()) {
      try {
        switch (entry.type) {
          case 'dimension': {
            const elementName = String(entry['element']);
            const element = universe.element(elementName);
            const known = new Set([...element.primaryKeyColumns, ...element.implies, ...element.fields.map((f) => f.name)]);
            const records = (entry['records'] as Record<string, unknown>[] ?? []).map((raw) => {
              const record: DimensionRecord = {};
              for (const [k, v] of Object.entries(raw)) {
                if (known.has(k)) record[k] = v instanceof ButlerUuid ? v.value : v;
                else if (k === 'region' && element.spatial) record.region = v as DimensionRecord['region'];
                else if (k === 'timespan' && element.temporal) record.timespan = v instanceof ButlerTimespan ? v.toTimespan() : null;
                else if ((k === 'datetime_begin' || k === 'datetime_end') && element.temporal) continue;
                else (summary.droppedFields[elementName] ??= []).includes(k) || summary.droppedFields[elementName]!.push(k);
              }
              if (element.temporal && !('timespan' in raw) && (raw['datetime_begin'] || raw['datetime_end'])) {
                record.timespan = new ButlerTimespan(raw['datetime_begin'] as ButlerTime | null, raw['datetime_end'] as ButlerTime | null).toTimespan();
              }
              rememberImplied(element.implies, element.required, record, impliedSeen);
              return record;
            });
            summary.dimensionRecords[elementName] = (summary.dimensionRecords[elementName] ?? 0) +
              await registry.dimensions.insert(elementName, records, tx, { skipExisting: options.skipExistingDimensions ?? false });
            break;
          }
          case 'collection': {
            const name = String(entry['name']);
            const type = String(entry['collection_type']) as CollectionType;
            await registry.collections.register(name, type, (entry['doc'] as string | undefined) ?? null, tx);
            if (type === 'CHAINED') chains.push([name, ((entry['children'] as unknown[]) ?? []).map(String)]);
            summary.collections++;
            break;
          }
          case 'dataset_type': {
            await registry.datasetTypes.register({
              name: String(entry['name']), dimensions: (entry['dimensions'] as string[]) ?? [],
              storageClass: String(entry['storage_class']), isCalibration: entry['is_calibration'] === true,
            }, tx);
            summary.datasetTypes++;
            break;
          }
          case 'dataset': {
            const typeName = String(entry['dataset_type']);
            const runName = String(entry['run']);
            const type = await registry.datasetTypes.get(typeName, tx);
            const ids: string[] = [];
            const dataIds: DataId[] = [];
            const files: { datasetId: string; path: string; formatter: string }[] = [];
            for (const [j, rec] of ((entry['records'] as Record<string, unknown>[]) ?? []).entries()) {
              const recIds = toList(rec['dataset_id']).map((u) => (u instanceof ButlerUuid ? u.value : String(u)));
              const recDataIds = toList(rec['data_id']) as DataId[];
              if (recIds.length !== recDataIds.length) throw new ExportFormatError(`record ${j}: ${recIds.length} dataset_id(s) but ${recDataIds.length} data_id(s)`);
              ids.push(...recIds);
              dataIds.push(...recDataIds);
              if (rec['path'] !== undefined && rec['path'] !== null) {
                const filePath = String(rec['path']);
                checkRelative(filePath);
                for (const id of recIds) files.push({ datasetId: id, path: filePath, formatter: String(rec['formatter'] ?? '') });
              }
            }
            await registry.datasets.insert(typeName, runName, dataIds, tx, ids);
            await registry.db.insertRows(tx, 'datastore_record', FILE_RECORD_COLUMNS,
              files.map((f) => [f.datasetId, f.path, f.formatter, type.storageClass, null, null]));
            summary.datasets += ids.length;
            break;
          }
          case 'associations': {
            const collection = String(entry['collection']);
            const kind = String(entry['collection_type']);
            if (kind === 'TAGGED') {
              const refs = await registry.datasets.byIds(toList(entry['dataset_ids']).map(uuidText), tx);
              await registry.datasets.associate(collection, refs, tx);
              summary.associations += refs.length;
            } else if (kind === 'CALIBRATION') {
              for (const range of (entry['validity_ranges'] as Record<string, unknown>[]) ?? []) {
                if (!(range['timespan'] instanceof ButlerTimespan)) throw new ExportFormatError('validity range without a !lsst.daf.butler.Timespan');
                const refs: DatasetRef[] = await registry.datasets.byIds(toList(range['dataset_ids']).map(uuidText), tx);
                await registry.datasets.certify(collection, refs, range['timespan'].toTimespan(), tx);
                summary.certifications += refs.length;
              }
            } else {
              throw new ExportFormatError(`associations of collection type '${kind}' are not supported`);
            }
            break;
          }
          default:
            throw new ExportFormatError(`unknown entry type '${entry.type}'`);
        }
      } catch (e) {
        if (e instanceof RegistryError && !(e.message.startsWith(path))) {
          throw new RegistryError(`${where(i, entry)}: ${e.message}`, e.code);
        }
        throw e;
      }
    }
    for (const [parent, children] of chains) await registry.collections.setChain(parent, children, tx);
    await addMissingImplied(repo, impliedSeen, tx, summary);
  };
  await registry.transaction(run);
  await registry.db.refreshStatistics();
  return summary;
}

function toList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

function uuidText(u: unknown): string {
  return u instanceof ButlerUuid ? u.value : String(u);
}

/**
 * Older universes (LSST's version 4, as in exports from 2023) carry `day_obs` as a plain
 * field of exposures and visits; qg's universe makes it an implied dimension. Records of
 * implied dimensions that the export does not define are made from the values seen.
 */
function rememberImplied(implies: readonly string[], required: readonly string[], record: DimensionRecord, seen: Map<string, Map<string, DimensionRecord>>): void {
  for (const d of implies) {
    const value = record[d];
    if (value === undefined || value === null) continue;
    const key = JSON.stringify([d, ...required.map((r) => record[r]), value]);
    const bucket = seen.get(d) ?? new Map<string, DimensionRecord>();
    bucket.set(key, { ...Object.fromEntries(required.map((r) => [r, record[r]])), value });
    seen.set(d, bucket);
  }
}

async function addMissingImplied(repo: Repository, seen: Map<string, Map<string, DimensionRecord>>, tx: Knex.Transaction, summary: ImportSummary): Promise<void> {
  const universe = repo.registry.universe;
  for (const [d, bucket] of seen) {
    const element = universe.dimension(d);
    const records = [...bucket.values()].map((r) => {
      const out: DimensionRecord = {};
      for (const req of element.required) out[req] = r[req];
      out[element.key!.name] = r['value'];
      return out;
    });
    if (records.every((r) => element.required.every((req) => r[req] !== undefined))) {
      const added = await repo.registry.dimensions.insert(d, records, tx, { skipExisting: true });
      if (added) summary.dimensionRecords[d] = (summary.dimensionRecords[d] ?? 0) + added;
    }
  }
}
