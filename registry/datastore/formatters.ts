/**
 * Formatters turn in-memory objects into file bytes and back, chosen by storage class.
 * Images (`ExposureF`, `ImageF`) are FITS; tables and catalogs (`ArrowTable`, `DataFrame`,
 * `SourceCatalog`, `ExposureCatalog`, ...) are Arrow IPC files; dictionaries, task metadata,
 * property sets and logs are JSON; configs are YAML. A storage class not listed here cannot
 * be read or written (the planner refuses a runnable task that uses one).
 */
import { createRequire } from 'node:module';
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import { RegistryError } from '../errors.js';
import { exposureFromFits, exposureToFits } from './exposure-fits.js';

/** Reads and writes one kind of object. */
export interface Formatter {
  readonly name: string;
  readonly extension: string;
  write(value: unknown): Uint8Array;
  read(bytes: Uint8Array): unknown;
}

/** Error for a storage class without a formatter or an object of the wrong shape. */
export class FormatterError extends RegistryError {
  override name = 'FormatterError';
  constructor(message: string) {
    super(message, 'FORMATTER');
  }
}

const json: Formatter = {
  name: 'json',
  extension: '.json',
  write: (value) => new TextEncoder().encode(JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 1)),
  read: (bytes) => JSON.parse(new TextDecoder().decode(bytes)),
};

// yaml (CommonJS) loads with the first config read or written: every worker thread imports
// this module at start-up, and most never touch a YAML file.
const require = createRequire(import.meta.url);
const yamlModule = (): typeof import('yaml') => require('yaml') as typeof import('yaml');

const yaml: Formatter = {
  name: 'yaml',
  extension: '.yaml',
  write: (value) => new TextEncoder().encode(yamlModule().stringify(value)),
  read: (bytes) => yamlModule().parse(new TextDecoder().decode(bytes)),
};

const arrow: Formatter = {
  name: 'arrow',
  extension: '.arrow',
  write: (value) => tableToIPC(value as Table, 'file'),
  read: (bytes) => tableFromIPC(bytes),
};

const fits: Formatter = {
  name: 'fits',
  extension: '.fits',
  write: (value) => exposureToFits(value),
  read: (bytes) => exposureFromFits(bytes),
};

/** Files kept as their bytes (e.g. UVH5 visibilities, which the radio tasks decode themselves). */
const bytes: Formatter = {
  name: 'bytes',
  extension: '.uvh5',
  write: (value) => {
    if (!(value instanceof Uint8Array)) throw new FormatterError(`expected the file's bytes (a Uint8Array), got ${typeof value}`);
    return value;
  },
  read: (bytes) => bytes,
};

const BY_STORAGE_CLASS: Readonly<Record<string, Formatter>> = {
  ExposureF: fits,
  Exposure: fits,
  ImageF: fits,
  ArrowTable: arrow,
  ArrowAstropy: arrow,
  ArrowNumpy: arrow,
  DataFrame: arrow,
  SourceCatalog: arrow,
  SimpleCatalog: arrow,
  ExposureCatalog: arrow,
  StructuredDataDict: json,
  TaskMetadata: json,
  PropertySet: json,
  PropertyList: json,
  ButlerLogRecords: json,
  SkyMap: json,
  Config: yaml,
  Packages: yaml,
  Visibilities: bytes,
};

/** Whether qg has a formatter for `storageClass`. */
export function hasFormatter(storageClass: string): boolean {
  return Object.hasOwn(BY_STORAGE_CLASS, storageClass);
}

/** The storage classes qg has a formatter for. */
export function formattedStorageClasses(): string[] {
  return Object.keys(BY_STORAGE_CLASS);
}

/** The formatter for `storageClass`. */
export function formatterFor(storageClass: string): Formatter {
  if (!hasFormatter(storageClass)) throw new FormatterError(`no formatter for storage class '${storageClass}' (known: ${formattedStorageClasses().join(', ')})`);
  return BY_STORAGE_CLASS[storageClass]!;
}
