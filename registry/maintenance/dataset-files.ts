/**
 * The files of datasets, for maintenance and run cleaning: their records in bulk, the datasets
 * and files of a run, which paths some dataset still names, and deleting the files of registrations already removed. Deletion is narrow on
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
import type { DatasetType } from '../datasets/dataset-types.js';
import { RegistryError, type MaintenanceErrorCode } from '../errors.js';
import { FILE_RECORD_COLUMNS, storedFileOf, type StoredFile } from '../datastore/datastore.js';
import { runFolder } from '../datastore/file-template.js';
import { q } from '../query/temp-tables.js';

/** Ids or paths per `IN (...)` list: well below every driver's bind limit. */
export const MAINTENANCE_CHUNK = 500;

/** Error of a maintenance command; `code` decides the exit status (USAGE_* and PATH* are the user's). */
export class MaintenanceError extends RegistryError {
  override name = 'MaintenanceError';
  constructor(message: string, override readonly code: MaintenanceErrorCode) {
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

/** A dataset of a RUN, with its file record when it has one. */
export interface RunDataset {
  /** Lower-case UUID. */
  readonly id: string;
  readonly file: StoredFile | null;
  /** Its data ID values, in the order of its type's required dimensions. */
  readonly dataId: readonly unknown[];
}

/**
 * The datasets of `type` in RUN `runId` with their file records; with `ids`, only those (in
 * chunked `IN` lists), else all of them in one statement.
 */
export async function runDatasets(registry: Registry, type: DatasetType, runId: number, ids: readonly string[] | null = null, tx: Executor = registry.knex): Promise<RunDataset[]> {
  const db = registry.db;
  const dims = type.dimensions.required;
  const out: RunDataset[] = [];
  for (const chunk of ids ? chunked(ids) : [[]]) {
    const rows = await db.selectArrays(tx, db.placeholders(
      `SELECT t.dataset_id, ${FILE_RECORD_COLUMNS.slice(1).map((c) => `r.${c}`).join(', ')}${dims.map((d) => `, t.${q(d)}`).join('')} ` +
      `FROM ${q(type.tagTable)} t LEFT JOIN ${q('datastore_record')} r ON r.dataset_id = t.dataset_id ` +
      `WHERE t.dataset_type_id = ? AND t.collection_id = ?${chunk.length ? ` AND t.dataset_id IN (${chunk.map(() => '?').join(', ')})` : ''}`),
    [type.id, runId, ...chunk]);
    for (const row of rows) {
      out.push({ id: String(row[0]).toLowerCase(), file: row[1] === null || row[1] === undefined ? null : storedFileOf(row), dataId: row.slice(FILE_RECORD_COLUMNS.length) });
    }
  }
  return out;
}

/** Paths of every file registered for datasets of RUN `runId`. */
export async function runFilePaths(registry: Registry, runId: number, tx: Executor = registry.knex): Promise<Set<string>> {
  const db = registry.db;
  const rows = await db.selectArrays(tx, db.placeholders(`SELECT r.path FROM ${q('datastore_record')} r JOIN ${q('dataset')} d ON d.id = r.dataset_id WHERE d.run_id = ?`), [runId]);
  return new Set(rows.map(([p]) => String(p)));
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
