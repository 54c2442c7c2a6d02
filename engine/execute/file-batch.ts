/**
 * Writing dataset files in batches. `writePrepared` writes each file to a temporary name (or
 * takes the temporary file a command task wrote, see `stagingPath`) and renames it into
 * place (a reader never sees a partial file); with `flush`, all are fsync'ed
 * concurrently before the renames. Workers write without flushing: the coordinator flushes
 * the files of a whole registration batch at once with `flushFiles` (one disk flush costs
 * about as much as many concurrent ones) before the transaction that registers them commits,
 * so a registered dataset's file is always on disk. Paths and records are exactly those of
 * `Datastore.write` (same template, formatter, checksum); a test keeps the two in step.
 */
import { randomUUID } from 'node:crypto';
import { close, closeSync, fsync, mkdirSync, open, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
// The datastore's surface, not registry/index.js: this runs in worker threads, which should
// not load the database drivers (see worker-main.ts). Type imports cost nothing at run time.
import type { Datastore, StoredFile } from '../../registry/index.js';
import { formatterFor, renderTemplate, sha256 } from '../../registry/datastore/index.js';
import type { DatasetRef } from '../../registry/index.js';

/** One file to write. */
export interface FileToWrite {
  readonly ref: DatasetRef;
  readonly storageClass: string;
  readonly value: unknown;
}

/**
 * A file ready to go into place, with its record: serialized `bytes` to write, or a file a
 * command already wrote at `staged` (an absolute path of a temporary file beside `full`).
 */
export type PreparedFile = {
  readonly file: StoredFile;
  /** Absolute path. */
  readonly full: string;
} & ({ readonly bytes: Uint8Array } | { readonly staged: string });

/** The record and absolute path of `ref`'s file holding `bytes` (path: template plus the formatter's extension). */
function placed(datastore: Datastore, ref: DatasetRef, storageClass: string, bytes: Uint8Array): { file: StoredFile; full: string } {
  const formatter = formatterFor(storageClass);
  const path = renderTemplate(datastore.template, ref) + formatter.extension;
  return { file: { datasetId: ref.id, path, formatter: formatter.name, storageClass, checksum: sha256(bytes), size: bytes.length }, full: datastore.pathOf({ path }) };
}

/** Serializes `items` (formatter by storage class) and computes their paths and records. */
export function prepareFiles(datastore: Datastore, items: readonly FileToWrite[]): PreparedFile[] {
  return items.map(({ ref, storageClass, value }) => {
    const bytes = formatterFor(storageClass).write(value);
    return { ...placed(datastore, ref, storageClass, bytes), bytes };
  });
}

/**
 * A fresh absolute path for a command to write `ref`'s file to: beside its final path, named
 * `<file>.tmp-<uuid><extension>` (a temporary file of that file, for the run's cleaning; the
 * extension kept for tools that choose a format by it).
 */
export function stagingPath(datastore: Datastore, ref: DatasetRef, storageClass: string): string {
  const extension = formatterFor(storageClass).extension;
  return `${datastore.pathOf({ path: renderTemplate(datastore.template, ref) + extension })}.tmp-${randomUUID()}${extension}`;
}

/**
 * The file a command wrote at `staged` for `ref`, ready to be moved into place: read back
 * through the storage class's formatter first (throws what the formatter throws when it is
 * not such a file).
 */
export function prepareStaged(datastore: Datastore, ref: DatasetRef, storageClass: string, staged: string): PreparedFile {
  const bytes = readFileSync(staged);
  formatterFor(storageClass).read(bytes);
  return { ...placed(datastore, ref, storageClass, bytes), staged };
}

/**
 * Writes prepared files, or takes their staged files (fsync'ed when `flush`), and renames them
 * into place; on any failure nothing of this call is left behind (staged files included) and it throws.
 */
export async function writePrepared(files: readonly PreparedFile[], flush = true): Promise<StoredFile[]> {
  const open = files.map((p) => ({ ...p, tmp: 'staged' in p ? p.staged : `${p.full}.tmp-${randomUUID()}`, fd: -1 }));
  const renamed: string[] = [];
  try {
    for (const p of open) {
      if ('staged' in p) {
        p.fd = openSync(p.tmp, 'r');
        continue;
      }
      p.fd = openCreating(p.tmp);
      for (let off = 0; off < p.bytes.length;) off += writeSync(p.fd, p.bytes, off, p.bytes.length - off);
    }
    if (flush) await Promise.all(open.map((p) => new Promise<void>((resolve, reject) => fsync(p.fd, (e) => (e ? reject(e) : resolve())))));
    for (const p of open) {
      closeSync(p.fd);
      p.fd = -1;
    }
    for (const p of open) {
      renameSync(p.tmp, p.full);
      renamed.push(p.full);
    }
    return open.map((p) => p.file);
  } catch (e) {
    for (const p of open) {
      if (p.fd >= 0) {
        try {
          closeSync(p.fd);
        } catch { /* already closed */ }
      }
      rmSync(p.tmp, { force: true });
    }
    for (const full of renamed) rmSync(full, { force: true });
    throw e;
  }
}

/**
 * Opens `path` for writing, creating its folder if it is missing: most files go into a folder
 * an earlier quantum made, so the folder is created on a failed open rather than asked for
 * before each (two system calls per file).
 */
function openCreating(path: string): number {
  try {
    return openSync(path, 'w');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, 'w');
  }
}

/** `prepareFiles` then `writePrepared`. */
export async function writeFiles(datastore: Datastore, items: readonly FileToWrite[], flush = true): Promise<StoredFile[]> {
  return writePrepared(prepareFiles(datastore, items), flush);
}

/**
 * Flushes files to disk (absolute paths), up to `concurrency` at a time; rejects when one is
 * missing or cannot be flushed, naming it.
 */
export async function flushFiles(paths: readonly string[], concurrency = 16): Promise<void> {
  let next = 0;
  const one = (path: string) => new Promise<void>((resolve, reject) => {
    open(path, 'r', (e, fd) => {
      if (e) return reject(new Error(`cannot flush ${path}: ${e.message}`));
      fsync(fd, (e2) => close(fd, () => (e2 ? reject(new Error(`cannot flush ${path}: ${e2.message}`)) : resolve())));
    });
  });
  const lane = async () => {
    while (next < paths.length) await one(paths[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, lane));
}
