/**
 * Formatters turn in-memory objects into file bytes and back, chosen by storage class.
 * Images (`ExposureF`, `ImageF`) are FITS; tables and catalogs (`ArrowTable`, `DataFrame`,
 * `SourceCatalog`, `ExposureCatalog`, ...) are Arrow IPC files; dictionaries, task metadata,
 * property sets and logs are JSON; configs are YAML. A storage class not listed here cannot
 * be read or written (the planner refuses a runnable task that uses one).
 */
import { createRequire } from 'node:module';
import type { Table } from 'apache-arrow';
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

// apache-arrow (146 modules, 0.05-0.15 s) is not imported with this module either: worker
// threads import the datastore at start-up, and many quanta read and write no table.
// registry/index.ts supplies it at once (arrow-tables.ts), so code that imports the registry's
// public surface reads and writes tables as before; a worker thread awaits loadFormatters().
let arrowLibrary: typeof import('apache-arrow') | undefined;

/** Gives the Arrow formatter its library (arrow-tables.ts and loadFormatters do). */
export function provideArrow(library: typeof import('apache-arrow')): void {
  arrowLibrary = library;
}

function arrowModule(): typeof import('apache-arrow') {
  if (!arrowLibrary) throw new FormatterError('apache-arrow is not loaded yet: await loadFormatters(storageClasses) before reading or writing Arrow tables');
  return arrowLibrary;
}

const arrow: Formatter = {
  name: 'arrow',
  extension: '.arrow',
  write: (value) => arrowModule().tableToIPC(value as Table, 'file'),
  read: (bytes) => arrowModule().tableFromIPC(bytes),
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

/** Resolves once the formatters of `storageClasses` can read and write (loads apache-arrow if one needs it). */
export async function loadFormatters(storageClasses: Iterable<string>): Promise<void> {
  if (arrowLibrary) return;
  for (const storageClass of storageClasses) {
    if (BY_STORAGE_CLASS[storageClass] === arrow) {
      provideArrow(await import('apache-arrow'));
      return;
    }
  }
}

/** The formatter for `storageClass`. */
export function formatterFor(storageClass: string): Formatter {
  if (!hasFormatter(storageClass)) throw new FormatterError(`no formatter for storage class '${storageClass}' (known: ${formattedStorageClasses().join(', ')})`);
  return BY_STORAGE_CLASS[storageClass]!;
}
