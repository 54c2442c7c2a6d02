/**
 * Files of datasets under the repository root. Writes are atomic: bytes go to a temporary
 * file in the target folder, are flushed, then renamed into place; the caller registers the
 * dataset only after `write` returns. Every file gets a SHA-256 checksum.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, openSync, writeSync, fsyncSync, closeSync, renameSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { RegistryError, type DatastoreErrorCode } from '../errors.js';
import type { DatasetRef } from '../datasets/datasets.js';
import { DEFAULT_TEMPLATE, renderTemplate, resolveInside } from './file-template.js';
import { formatterFor } from './formatters.js';

/** What the registry stores about a dataset's file. */
export interface StoredFile {
  readonly datasetId: string;
  readonly path: string;
  readonly formatter: string;
  readonly storageClass: string;
  readonly checksum: string;
  readonly size: number;
}

/** Columns of the registry's `datastore_record` table, in the order of `StoredFile`'s fields. */
export const FILE_RECORD_COLUMNS: readonly string[] = ['dataset_id', 'path', 'formatter', 'storage_class', 'checksum', 'file_size'];

/**
 * The `StoredFile` of a `datastore_record` row read in {@link FILE_RECORD_COLUMNS} order (a
 * NULL checksum reads as ''); `datasetId` defaults to the row's own.
 */
export function storedFileOf(row: readonly unknown[], datasetId = String(row[0])): StoredFile {
  return { datasetId, path: String(row[1]), formatter: String(row[2]), storageClass: String(row[3]), checksum: String(row[4] ?? ''), size: Number(row[5]) };
}

/** Error for a missing, truncated or corrupt file; names the dataset and its path. */
export class DatastoreError extends RegistryError {
  override name = 'DatastoreError';
  constructor(message: string, override readonly code: DatastoreErrorCode) {
    super(message, code);
  }
}

/** Writes and reads dataset files. */
export class Datastore {
  constructor(readonly root: string, readonly template: string = DEFAULT_TEMPLATE) {}

  /** Serializes `value` with the storage class's formatter and writes it atomically. */
  write(ref: DatasetRef, storageClass: string, value: unknown): StoredFile {
    const formatter = formatterFor(storageClass);
    const path = renderTemplate(this.template, ref) + formatter.extension;
    const bytes = formatter.write(value);
    writeAtomically(resolveInside(this.root, path), bytes);
    return { datasetId: ref.id, path, formatter: formatter.name, storageClass, checksum: sha256(bytes), size: bytes.length };
  }

  /** Reads and deserializes a stored file; failures name the dataset and the path. */
  read(ref: DatasetRef, file: StoredFile, options: { verifyChecksum?: boolean } = {}): unknown {
    const bytes = this.readBytes(ref, file, options);
    try {
      return formatterFor(file.storageClass).read(bytes);
    } catch (e) {
      throw new DatastoreError(`cannot read ${describe(ref, file)}: ${(e as Error).message}`, 'FILE_CORRUPT');
    }
  }

  /**
   * The bytes of a stored file, checked against its record: present (FILE_MISSING), of the
   * recorded size (FILE_SIZE) and, when asked, of the recorded SHA-256 (FILE_CHECKSUM).
   */
  readBytes(ref: DatasetRef, file: StoredFile, options: { verifyChecksum?: boolean } = {}): Uint8Array {
    const full = resolveInside(this.root, file.path);
    const what = describe(ref, file);
    if (!existsSync(full)) throw new DatastoreError(`file of ${what} is missing`, 'FILE_MISSING');
    const bytes = readFileSync(full);
    if (bytes.length !== file.size) throw new DatastoreError(`file of ${what} has ${bytes.length} bytes, expected ${file.size} (truncated or replaced)`, 'FILE_SIZE');
    if (options.verifyChecksum && sha256(bytes) !== file.checksum) throw new DatastoreError(`file of ${what} fails its checksum`, 'FILE_CHECKSUM');
    return bytes;
  }

  /** Absolute path of a stored file. */
  pathOf(file: { path: string }): string {
    return resolveInside(this.root, file.path);
  }

  /** Deletes a stored file if present (cleanup of partial outputs). */
  remove(file: { path: string }): void {
    rmSync(resolveInside(this.root, file.path), { force: true });
  }

  /** Whether a stored file exists with its recorded size. */
  exists(file: StoredFile): boolean {
    const full = resolveInside(this.root, file.path);
    return existsSync(full) && statSync(full).size === file.size;
  }
}

/** A dataset and its file, for messages. */
function describe(ref: DatasetRef, file: StoredFile): string {
  return `${ref.datasetType} ${JSON.stringify(ref.dataId)} (${file.path})`;
}

/** Writes `bytes` to `path` via a flushed temporary file and a rename. */
export function writeAtomically(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${randomUUID()}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** Hex SHA-256 of `bytes`. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
