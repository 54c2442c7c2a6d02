/**
 * Formatters turn in-memory objects into file bytes and back, chosen by storage class.
 * Images (`ExposureF`, `ImageF`) are FITS; tables (`ArrowTable`) are Arrow IPC files;
 * dictionaries and logs are JSON; configs are YAML.
 */
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
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

const yaml: Formatter = {
  name: 'yaml',
  extension: '.yaml',
  write: (value) => new TextEncoder().encode(stringifyYaml(value)),
  read: (bytes) => parseYaml(new TextDecoder().decode(bytes)),
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

const BY_STORAGE_CLASS: Record<string, Formatter> = {
  ExposureF: fits,
  Exposure: fits,
  ImageF: fits,
  ArrowTable: arrow,
  DataFrame: arrow,
  SourceCatalog: arrow,
  SimpleCatalog: arrow,
  StructuredDataDict: json,
  TaskMetadata: json,
  ButlerLogRecords: json,
  SkyMap: json,
  Config: yaml,
  Packages: yaml,
};

/** The formatter for `storageClass`. */
export function formatterFor(storageClass: string): Formatter {
  const f = BY_STORAGE_CLASS[storageClass];
  if (!f) throw new FormatterError(`no formatter for storage class '${storageClass}' (known: ${Object.keys(BY_STORAGE_CLASS).join(', ')})`);
  return f;
}
