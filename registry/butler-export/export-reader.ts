/**
 * Turns a parsed butler export into typed entries, checking its shape before anything is
 * written: every entry and record has the fields it needs, with the right types; no string
 * holds a NUL character (PostgreSQL refuses them, SQLite would keep them); collection names
 * are relative `/`-separated paths; storage classes and dimensions are known; and dimension
 * records are converted to qg's universe. Errors name the file, the line and the entry.
 */
import { RegistryError } from '../errors.js';
import { COLLECTION_TYPES, CollectionError, type CollectionType } from '../collections/collections.js';
import type { DataId } from '../datasets/data-id.js';
import type { DatasetTypeSpec } from '../datasets/dataset-types.js';
import { formatterFor } from '../datastore/formatters.js';
import { DimensionRecordError, type DimensionRecord } from '../dimensions/dimension-records.js';
import type { Timespan } from '../time/tai-time.js';
import type { DimensionElement, DimensionUniverse } from '../universe/dimension-universe.js';
import { atPlace, ButlerTime, ButlerTimespan, ButlerUuid, describePlace, ExportFormatError, type ExportDocument, type Place } from './butler-yaml.js';

/** Records of one dimension element. */
export interface DimensionEntry {
  readonly kind: 'dimension';
  readonly place: Place;
  readonly element: string;
  readonly records: readonly DimensionRecord[];
}

/** A collection (a CHAINED one with its children). */
export interface CollectionEntry {
  readonly kind: 'collection';
  readonly place: Place;
  readonly name: string;
  readonly type: CollectionType;
  readonly doc: string | null;
  readonly children: readonly string[];
}

/** A dataset type definition. */
export interface DatasetTypeEntry {
  readonly kind: 'dataset_type';
  readonly place: Place;
  readonly spec: DatasetTypeSpec;
}

/** One record of a dataset entry: datasets (ids with their data IDs) sharing at most one file. */
export interface DatasetRecordEntry {
  readonly place: Place;
  /** Lower-case UUIDs. */
  readonly ids: readonly string[];
  /** As exported (checked against the dataset type later). */
  readonly dataIds: readonly DataId[];
  readonly file: { readonly path: string; readonly formatter: string } | null;
}

/** Datasets of one type in one RUN. */
export interface DatasetEntry {
  readonly kind: 'dataset';
  readonly place: Place;
  readonly datasetType: string;
  readonly run: string;
  readonly records: readonly DatasetRecordEntry[];
}

/** Datasets tagged into a TAGGED collection. */
export interface TaggedEntry {
  readonly kind: 'tagged';
  readonly place: Place;
  readonly collection: string;
  readonly ids: readonly string[];
}

/** Datasets certified into a CALIBRATION collection, by validity range. */
export interface CalibrationEntry {
  readonly kind: 'calibration';
  readonly place: Place;
  readonly collection: string;
  readonly ranges: readonly { readonly place: Place; readonly timespan: Timespan; readonly ids: readonly string[] }[];
}

/** One entry of the export's `data` list. */
export type ExportEntry = DimensionEntry | CollectionEntry | DatasetTypeEntry | DatasetEntry | TaggedEntry | CalibrationEntry;

/** What an export holds, checked for shape. */
export interface ExportContent {
  readonly entries: readonly ExportEntry[];
  /**
   * Records of implied dimensions that the export's records name but do not define (LSST's
   * universe 4 has `day_obs` as a plain field of exposures; qg's implies it), by element.
   */
  readonly implied: ReadonlyMap<string, readonly DimensionRecord[]>;
  /** Fields of the export that qg's universe does not have (dropped), by element. */
  readonly droppedFields: Readonly<Record<string, string[]>>;
}

type Fields = Readonly<Record<string, unknown>>;

const NUL_PROBLEM = 'NUL characters (\\0) are not allowed';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Reads and checks the content of a parsed export (`description`, `version` 1.0.x, `data`). */
export function readExport(doc: ExportDocument, universe: DimensionUniverse): ExportContent {
  return new ExportReader(doc, universe).read();
}

class ExportReader {
  private readonly droppedFields: Record<string, string[]> = {};
  private readonly implied = new Map<string, Map<string, DimensionRecord>>();

  constructor(private readonly doc: ExportDocument, private readonly universe: DimensionUniverse) {}

  read(): ExportContent {
    const root = this.mapping(this.doc.value, { path: [], label: 'the document' });
    if (root['description'] !== 'Butler Data Repository Export') throw this.fail({ path: [], label: 'the document' }, "not a butler export (description must be 'Butler Data Repository Export')");
    const version = String(root['version'] ?? '');
    if (!/^1\.0(\.\d+)?$/.test(version)) throw this.fail({ path: ['version'], label: 'version' }, `export version '${version}' is not supported (qg reads 1.0.x)`);
    const path: (string | number)[] = [];
    const problem = findBadValue(root, path);
    if (problem) throw this.fail({ path, label: path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').slice(1) }, problem);
    const data = root['data'];
    if (!Array.isArray(data)) throw this.fail({ path: ['data'], label: 'data' }, "'data' must be a list");
    const entries = data.map((raw, i) => this.entry(raw, i));
    return { entries, implied: this.impliedRecords(), droppedFields: this.droppedFields };
  }

  private entry(raw: unknown, i: number): ExportEntry {
    const base: Place = { path: ['data', i], label: `data[${i}]` };
    const e = this.mapping(raw, base);
    const about = ['element', 'name', 'dataset_type', 'run', 'collection'].filter((k) => typeof e[k] === 'string')
      .map((k) => `${k === 'dataset_type' ? 'dataset type' : k} ${String(e[k])}`);
    const place: Place = { path: base.path, label: `data[${i}] (${['type ' + String(e['type']), ...about].join(', ')})` };
    try {
      return this.typedEntry(e, place);
    } catch (error) {
      throw atPlace(this.doc, place, error);
    }
  }

  private typedEntry(e: Fields, place: Place): ExportEntry {
    switch (e['type']) {
      case 'dimension': return this.dimensionEntry(e, place);
      case 'collection': return this.collectionEntry(e, place);
      case 'dataset_type': return this.datasetTypeEntry(e, place);
      case 'dataset': return this.datasetEntry(e, place);
      case 'associations': return this.associationsEntry(e, place);
      default: throw this.fail(place, `unknown entry type '${String(e['type'])}' (expected dimension, collection, dataset_type, dataset or associations)`);
    }
  }

  private dimensionEntry(e: Fields, place: Place): DimensionEntry {
    const name = this.text(e, 'element', place);
    const element = this.checked(sub(place, 'element'), () => this.universe.element(name));
    if (!element.hasTable) throw this.fail(place, `'${name}' is a skypix dimension and has no records`);
    const records = this.list(e, 'records', place).map((raw, n) => this.dimensionRecord(element, raw, n, sub(place, 'records', n)));
    return { kind: 'dimension', place, element: name, records };
  }

  /** A record in qg's universe: known columns kept, timespans built, other fields dropped (and listed). */
  private dimensionRecord(element: DimensionElement, value: unknown, n: number, place: Place): DimensionRecord {
    const raw = this.mapping(value, place);
    const known = new Set([...element.primaryKeyColumns, ...element.implies, ...element.fields.map((f) => f.name)]);
    const record: DimensionRecord = {};
    for (const [k, v] of Object.entries(raw)) {
      if (known.has(k) && (Array.isArray(v) || isPlainObject(v))) throw this.fail(sub(place, k), `'${k}' must be a single value, not ${describeValue(v)}`);
      if (known.has(k)) record[k] = v instanceof ButlerUuid ? v.value : v;
      else if (k === 'region' && element.spatial) record.region = v as DimensionRecord['region'];
      else if (k === 'timespan' && element.temporal) record.timespan = v instanceof ButlerTimespan ? v.toTimespan() : null;
      else if (!((k === 'datetime_begin' || k === 'datetime_end') && element.temporal)) this.drop(element.name, k);
    }
    if (element.temporal && !('timespan' in raw) && (raw['datetime_begin'] || raw['datetime_end'])) {
      record.timespan = new ButlerTimespan(raw['datetime_begin'] as ButlerTime | null, raw['datetime_end'] as ButlerTime | null).toTimespan();
    }
    for (const key of element.primaryKeyColumns) {
      if (record[key] === undefined || record[key] === null) throw atPlace(this.doc, place, new DimensionRecordError(`${element.name} record #${n + 1} lacks '${key}'`));
    }
    this.rememberImplied(element, record);
    return record;
  }

  private drop(element: string, field: string): void {
    const list = (this.droppedFields[element] ??= []);
    if (!list.includes(field)) list.push(field);
  }

  /** Notes the implied dimension values of `record` (a record of each is made unless the export has it). */
  private rememberImplied(element: DimensionElement, record: DimensionRecord): void {
    for (const d of element.implies) {
      const value = record[d];
      if (value === undefined || value === null) continue;
      const implied = this.universe.dimension(d);
      const out: DimensionRecord = Object.fromEntries(implied.required.map((r) => [r, record[r]]));
      if (Object.values(out).some((v) => v === undefined)) continue;
      out[implied.key!.name] = value;
      const bucket = this.implied.get(d) ?? new Map<string, DimensionRecord>();
      bucket.set(JSON.stringify(Object.values(out)), out);
      this.implied.set(d, bucket);
    }
  }

  private impliedRecords(): Map<string, DimensionRecord[]> {
    return new Map([...this.implied].map(([d, bucket]) => [d, [...bucket.values()]]));
  }

  private collectionEntry(e: Fields, place: Place): CollectionEntry {
    const name = this.collectionName(e, 'name', place);
    const type = this.text(e, 'collection_type', place) as CollectionType;
    if (!COLLECTION_TYPES.includes(type)) throw this.fail(sub(place, 'collection_type'), `unknown collection type '${type}' (expected ${COLLECTION_TYPES.join(', ')})`);
    const doc = e['doc'] === undefined || e['doc'] === null ? null : this.text(e, 'doc', place);
    const children = type === 'CHAINED' && e['children'] !== undefined ? this.list(e, 'children', place).map((_, j) => this.collectionName(e['children'] as Fields, j, sub(place, 'children'))) : [];
    return { kind: 'collection', place, name, type, doc, children };
  }

  private datasetTypeEntry(e: Fields, place: Place): DatasetTypeEntry {
    const name = this.text(e, 'name', place);
    const dimensions = this.list(e, 'dimensions', place).map((_, j) => this.text(e['dimensions'] as Fields, j, sub(place, 'dimensions')));
    const storageClass = this.text(e, 'storage_class', place);
    const isCalibration = e['is_calibration'] ?? false;
    if (typeof isCalibration !== 'boolean') throw this.fail(sub(place, 'is_calibration'), "'is_calibration' must be true or false");
    this.checked(sub(place, 'dimensions'), () => this.universe.group(dimensions));
    this.checked(sub(place, 'storage_class'), () => formatterFor(storageClass));
    return { kind: 'dataset_type', place, spec: { name, dimensions, storageClass, isCalibration } };
  }

  private datasetEntry(e: Fields, place: Place): DatasetEntry {
    const datasetType = this.text(e, 'dataset_type', place);
    const run = this.collectionName(e, 'run', place);
    const records = this.list(e, 'records', place).map((raw, j) => this.datasetRecord(raw, { path: [...place.path, 'records', j], label: `${place.label} records[${j}]` }));
    return { kind: 'dataset', place, datasetType, run, records };
  }

  private datasetRecord(raw: unknown, place: Place): DatasetRecordEntry {
    const rec = this.mapping(raw, place);
    const ids = this.uuids(rec, 'dataset_id', place);
    const dataIds = toList(rec['data_id']).map((d, k) => this.mapping(d, sub(place, 'data_id', k)) as DataId);
    if (!ids.length || ids.length !== dataIds.length) throw this.fail(place, `${ids.length} dataset_id(s) but ${dataIds.length} data_id(s) (each dataset needs both)`);
    if (rec['path'] === undefined || rec['path'] === null) return { place, ids, dataIds, file: null };
    return { place, ids, dataIds, file: { path: this.text(rec, 'path', place), formatter: this.text(rec, 'formatter', place) } };
  }

  private associationsEntry(e: Fields, place: Place): TaggedEntry | CalibrationEntry {
    const collection = this.collectionName(e, 'collection', place);
    const kind = this.text(e, 'collection_type', place);
    if (kind === 'TAGGED') return { kind: 'tagged', place, collection, ids: this.uuids(e, 'dataset_ids', place) };
    if (kind !== 'CALIBRATION') throw this.fail(sub(place, 'collection_type'), `associations of collection type '${kind}' are not supported`);
    const ranges = this.list(e, 'validity_ranges', place).map((raw, j) => {
      const rangePlace = { path: [...place.path, 'validity_ranges', j], label: `${place.label} validity_ranges[${j}]` };
      const range = this.mapping(raw, rangePlace);
      const timespan = range['timespan'];
      if (!(timespan instanceof ButlerTimespan)) throw this.fail(sub(rangePlace, 'timespan'), 'a validity range needs a !lsst.daf.butler.Timespan');
      return { place: rangePlace, timespan: timespan.toTimespan(), ids: this.uuids(range, 'dataset_ids', rangePlace) };
    });
    return { kind: 'calibration', place, collection, ranges };
  }

  /**
   * A collection name: `/`-separated non-empty segments, none of them `.` or `..`, without
   * whitespace or commas (a RUN's name is also its folder, so it may not be absolute).
   */
  private collectionName(e: Fields, key: string | number, place: Place): string {
    const name = this.text(e, key, place);
    if (/[\s,]/.test(name) || name.split('/').some((s) => s === '' || s === '.' || s === '..')) {
      throw atPlace(this.doc, sub(place, key), new CollectionError(`invalid collection name '${name}': names are '/'-separated non-empty segments other than '.' and '..', without whitespace or commas`));
    }
    return name;
  }

  /** One UUID or a list of them (`!uuid` or plain text), in lower case. */
  private uuids(e: Fields, key: string, place: Place): string[] {
    return toList(e[key]).map((u, k) => {
      const id = (u instanceof ButlerUuid ? u.value : String(u)).toLowerCase();
      if (!UUID_RE.test(id)) throw this.fail(sub(place, key, k), `'${id}' is not a UUID`);
      return id;
    });
  }

  private text(e: Fields, key: string | number, place: Place): string {
    const value = e[key];
    if (typeof value !== 'string' || !value) throw this.fail(sub(place, key), `'${key}' must be a non-empty string, not ${describeValue(value)}`);
    return value;
  }

  private list(e: Fields, key: string, place: Place): unknown[] {
    const value = e[key];
    if (!Array.isArray(value)) throw this.fail(sub(place, key), `'${key}' must be a list, not ${describeValue(value)}`);
    return value;
  }

  private mapping(value: unknown, place: Place): Fields {
    if (!isPlainObject(value)) throw this.fail(place, `expected a mapping, not ${describeValue(value)}`);
    return value;
  }

  /** Runs a registry check, placing its error. */
  private checked<T>(place: Place, check: () => T): T {
    try {
      return check();
    } catch (e) {
      throw atPlace(this.doc, place, e);
    }
  }

  private fail(place: Place, message: string): RegistryError {
    return new ExportFormatError(`${describePlace(this.doc, place)}: ${message}`);
  }
}

/** `place` narrowed to a child node (same label: messages name the entry or record). */
function sub(place: Place, ...keys: (string | number)[]): Place {
  return { path: [...place.path, ...keys], label: place.label };
}

function toList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}

function isPlainObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  return JSON.stringify(value) ?? String(value);
}

/**
 * What is wrong with the first bad value in `value`, leaving `path` pointing at it: a string
 * (value or key) holding a NUL character, or an alias to an enclosing node (a cycle).
 */
function findBadValue(value: unknown, path: (string | number)[], enclosing = new Set<object>()): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? NUL_PROBLEM : undefined;
  if (typeof value !== 'object' || value === null || !(Array.isArray(value) || isPlainObject(value))) return undefined;
  if (enclosing.has(value)) return 'an alias may not refer to a node that encloses it';
  enclosing.add(value);
  for (const [key, child] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    path.push(key);
    const problem = typeof key === 'string' && key.includes('\0') ? NUL_PROBLEM : findBadValue(child, path, enclosing);
    if (problem) return problem;
    path.pop();
  }
  enclosing.delete(value);
  return undefined;
}
