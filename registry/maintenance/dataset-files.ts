/**
 * The files of datasets, for maintenance: their records in bulk, which paths some dataset
 * still names, and deleting the files of registrations already removed. Deletion is narrow on
 * purpose (README "Data safety"): a file goes only if it lies under its run's folder, is not
 * one of qg's own files (a name starting with `_` in the run folder: `_run.lock`,
 * `_events.jsonl`, `_graph.qg`), and no dataset of any run names it any more. Callers remove
 * registrations first, then call {@link deleteUnnamedFiles}, so a registered dataset always
 * has its file.
 */
import { rmdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Executor } from '../dialect/database.js';
import type { Registry } from '../registry.js';
import type { Repository } from '../repository.js';
import { RegistryError } from '../errors.js';
import { FILE_RECORD_COLUMNS, storedFileOf, type StoredFile } from '../datastore/datastore.js';
import { runFolder } from '../datastore/file-template.js';
import { q } from '../query/temp-tables.js';

/** Ids or paths per `IN (...)` list: well below every driver's bind limit. */
export const MAINTENANCE_CHUNK = 500;

/** Error of a maintenance command; `code` decides the exit status (USAGE_* and PATH* are the user's). */
export class MaintenanceError extends RegistryError {
  override name = 'MaintenanceError';
  constructor(message: string, code = 'MAINTENANCE') {
    super(message, code);
  }
}

/** Splits `items` into chunks of {@link MAINTENANCE_CHUNK}. */
export function chunked<T>(items: readonly T[], size = MAINTENANCE_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** File records of datasets by (lower-case) id; datasets without one are absent. Chunked `IN` lists. */
export async function fileRecordsOf(registry: Registry, ids: readonly string[], tx: Executor = registry.knex): Promise<Map<string, StoredFile>> {
  const db = registry.db;
  const out = new Map<string, StoredFile>();
  for (const chunk of chunked([...new Set(ids.map((i) => i.toLowerCase()))])) {
    const rows = await db.selectArrays(tx, db.placeholders(
      `SELECT ${FILE_RECORD_COLUMNS.join(', ')} FROM ${q('datastore_record')} WHERE dataset_id IN (${chunk.map(() => '?').join(', ')})`), chunk);
    for (const row of rows) {
      const id = String(row[0]).toLowerCase();
      out.set(id, storedFileOf(row, id));
    }
  }
  return out;
}

/** Which of `paths` some dataset (of any run) has as its file (chunked `IN` lists). */
export async function pathsStillNamed(registry: Registry, paths: readonly string[], tx: Executor = registry.knex): Promise<Set<string>> {
  const db = registry.db;
  const out = new Set<string>();
  for (const chunk of chunked([...new Set(paths)])) {
    const rows = await db.selectArrays(tx, db.placeholders(`SELECT path FROM ${q('datastore_record')} WHERE path IN (${chunk.map(() => '?').join(', ')})`), chunk);
    for (const [p] of rows) out.add(String(p));
  }
  return out;
}

/** A file whose registration was removed: its repository-relative path and the RUN its dataset was in. */
export interface OrphanedFile {
  readonly path: string;
  readonly run: string;
}

/** What {@link deleteUnnamedFiles} did. */
export interface FileDeletion {
  readonly deleted: number;
  /** Files left in place, with why. */
  readonly kept: readonly { readonly path: string; readonly reason: 'named by another dataset' | 'outside its run folder' | "one of qg's own files" }[];
}

/**
 * Whether repository-relative `path` may be deleted as a file of RUN `run`: under the run's
 * folder and not one of qg's own files (a `_` name anywhere below the run folder).
 */
export function isRunDatasetFile(path: string, run: string): 'ok' | 'outside its run folder' | "one of qg's own files" {
  let folder: string;
  try {
    folder = runFolder(run);
  } catch {
    return 'outside its run folder';
  }
  if (!path.startsWith(`${folder}/`)) return 'outside its run folder';
  if (path.slice(folder.length + 1).split('/').some((s) => s.startsWith('_') || s === '..' || s === '.' || s === '')) return "one of qg's own files";
  return 'ok';
}

/**
 * Deletes the files of datasets whose registrations are already gone: each only if it lies
 * under its run's folder, is not one of qg's files, and no dataset names it any more. Emptied
 * folders below the run folder (and the run folder itself, when empty) are removed.
 */
export async function deleteUnnamedFiles(repo: Repository, files: readonly OrphanedFile[]): Promise<FileDeletion> {
  const kept: { path: string; reason: FileDeletion['kept'][number]['reason'] }[] = [];
  const candidates: OrphanedFile[] = [];
  for (const f of files) {
    const verdict = isRunDatasetFile(f.path, f.run);
    if (verdict === 'ok') candidates.push(f);
    else kept.push({ path: f.path, reason: verdict });
  }
  const named = await pathsStillNamed(repo.registry, candidates.map((f) => f.path));
  let deleted = 0;
  const folders = new Map<string, string>();
  const done = new Set<string>();
  for (const f of candidates) {
    if (done.has(f.path)) continue;
    done.add(f.path);
    if (named.has(f.path)) {
      kept.push({ path: f.path, reason: 'named by another dataset' });
      continue;
    }
    const full = repo.datastore.pathOf(f);
    try {
      rmSync(full);
      deleted++;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    folders.set(dirname(full), repo.datastore.pathOf({ path: runFolder(f.run) }));
  }
  for (const [folder, top] of folders) removeEmptyFolders(folder, top);
  return { deleted, kept };
}

/** Removes `folder` and its parents up to and including `top` while they are empty. */
function removeEmptyFolders(folder: string, top: string): void {
  for (let d = folder; d === top || d.startsWith(`${top}/`); d = dirname(d)) {
    try {
      rmdirSync(d);
    } catch {
      return; // not empty (qg's own files, other datasets, a nested run) or gone
    }
    if (d === top) return;
  }
}
