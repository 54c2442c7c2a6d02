/**
 * The files an export's datasets name. A path is accepted only inside its own run's folder
 * (what `{run}` renders to, as for every file qg writes), and so never names the registry
 * database or `qg.yaml` (they sit in the repository root, outside every run folder), a file
 * of another run (including a run whose folder is nested inside this one's), or one of qg's
 * own files in the run folder (any name starting with `_`: `_run.lock`, `_events.jsonl`,
 * `_graph.qg`). A `qg run` that deletes a stale imported dataset's file can then delete only
 * a file of that run's own outputs. Paths must be canonical (no empty, `.` or `..` segments).
 *
 * Each accepted file is then looked at: one that is present must be a regular file reached
 * without symbolic links, and gets its size and checksum recorded; one that is absent is
 * recorded as not transferred (NULL size and checksum).
 */
import { lstatSync, readFileSync, realpathSync, rmSync, type Stats } from 'node:fs';
import { join, relative, isAbsolute } from 'node:path';
import { checkRelative, PathError, runFolder } from '../datastore/file-template.js';
import { sha256 } from '../datastore/datastore.js';
import { placeFile } from '../ingest/raw-transfer.js';
import { formatDataId } from '../datasets/data-id.js';
import { atPlace, type ExportDocument, type Place } from './butler-yaml.js';
import type { DatasetRecordEntry, ExportEntry } from './export-reader.js';

/** What the import records about a file: its size and checksum, or NULLs when it is not in the repository. */
export interface ImportedFile {
  readonly path: string;
  readonly formatter: string;
  readonly checksum: string | null;
  readonly size: number | null;
}

/** Checks the file of every dataset record; returns what to record for each record that has one. */
export function checkImportFiles(root: string, runs: readonly string[], doc: ExportDocument, entries: readonly ExportEntry[]): Map<DatasetRecordEntry, ImportedFile> {
  const owners = folderOwners(runs);
  const realRoot = realpathSync(root);
  const seen = new Map<string, Pick<ImportedFile, 'checksum' | 'size'>>();
  const out = new Map<DatasetRecordEntry, ImportedFile>();
  for (const entry of entries) {
    if (entry.kind !== 'dataset') continue;
    for (const record of entry.records) {
      if (!record.file) continue;
      const { path, formatter } = record.file;
      const place: Place = { path: [...record.place.path, 'path'], label: `${record.place.label} data ID ${formatDataId(record.dataIds[0]!)}` };
      try {
        checkPlacement(path, entry.run, owners);
        const facts = seen.get(path) ?? look(realRoot, path);
        seen.set(path, facts);
        out.set(record, { path, formatter, ...facts });
      } catch (e) {
        throw atPlace(doc, place, e);
      }
    }
  }
  return out;
}

/**
 * Transfers the files an export names from the export's folder `sourceDir` into the
 * repository at `root` (copy, or hard link), before {@link checkImportFiles} looks at them:
 * every path is first checked as there (inside its own run's folder, not qg's files), and a
 * source must be a regular file inside `sourceDir` reached without symbolic links. A path the
 * export folder does not hold is left to the repository (as without a transfer); one the
 * repository already holds is kept when identical and refused when different. Returns the
 * absolute paths it created (to remove if the import then fails).
 */
export async function transferImportFiles(root: string, sourceDir: string, runs: readonly string[], doc: ExportDocument, entries: readonly ExportEntry[], mode: 'copy' | 'link'): Promise<string[]> {
  const owners = folderOwners(runs);
  const realRoot = realpathSync(root);
  const realSource = realpathSync(sourceDir);
  if (realSource === realRoot) return [];
  const jobs = new Map<string, Place>();
  for (const entry of entries) {
    if (entry.kind !== 'dataset') continue;
    for (const record of entry.records) {
      if (!record.file || jobs.has(record.file.path)) continue;
      const place: Place = { path: [...record.place.path, 'path'], label: `${record.place.label} data ID ${formatDataId(record.dataIds[0]!)}` };
      try {
        checkPlacement(record.file.path, entry.run, owners);
      } catch (e) {
        throw atPlace(doc, place, e);
      }
      jobs.set(record.file.path, place);
    }
  }
  const placed: string[] = [];
  try {
    for (const [path, place] of jobs) {
      try {
        const src = join(realSource, path);
        const stat = lstatOrUndefined(src);
        if (!stat) continue;
        const rel = relative(realSource, realpathSync(src));
        if (stat.isSymbolicLink() || rel !== path || isAbsolute(rel)) throw new PathError(`source '${src}' is reached through a symbolic link`);
        if (!stat.isFile()) throw new PathError(`source '${src}' is not a regular file`);
        const present = lstatOrUndefined(join(realRoot, path));
        if (present) {
          if (present.isFile() && !present.isSymbolicLink() && present.size === stat.size && sha256(readFileSync(join(realRoot, path))) === sha256(readFileSync(src))) continue;
          throw new PathError(`path '${path}' already exists in the repository with other content; nothing was imported`);
        }
        await placeFile(realRoot, src, path, mode, { checksum: false });
        placed.push(join(realRoot, path));
      } catch (e) {
        throw atPlace(doc, place, e);
      }
    }
  } catch (e) {
    for (const p of placed) rmSync(p, { force: true });
    throw e;
  }
  return placed;
}

/** Runs by folder (several when names differ only in characters that are not path-safe); runs without a folder are left out. */
function folderOwners(runs: readonly string[]): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const run of runs) {
    let folder: string;
    try {
      folder = runFolder(run);
    } catch {
      continue; // e.g. an absolute name registered before names were checked: it can hold no files
    }
    owners.set(folder, [...(owners.get(folder) ?? []), run]);
  }
  return owners;
}

/** Refuses a path outside `run`'s folder, in another run's folder, on one of qg's own files, or not canonical. */
function checkPlacement(path: string, run: string, owners: ReadonlyMap<string, readonly string[]>): void {
  checkRelative(path);
  const segments = path.split('/');
  if (path.includes('\0') || segments.some((s) => s === '' || s === '.')) throw new PathError(`path '${path}' is not canonical (empty or '.' segments)`);
  const folder = runFolder(run);
  if (!path.startsWith(`${folder}/`)) throw new PathError(`path '${path}' is outside its run folder '${folder}/' (run '${run}')`);
  const inside = segments.slice(folder.split('/').length);
  if (inside.some((s) => s.startsWith('_'))) throw new PathError(`path '${path}' names one of qg's own files (names starting with '_' in a run folder are qg's)`);
  for (let n = segments.length - 1; n >= folder.split('/').length; n--) {
    const other = owners.get(segments.slice(0, n).join('/'))?.find((r) => r !== run);
    if (other) throw new PathError(`path '${path}' is inside the folder of run '${other}', not of run '${run}'`);
  }
}

/** Size and checksum of a present file; NULLs for an absent one. */
function look(realRoot: string, path: string): Pick<ImportedFile, 'checksum' | 'size'> {
  const full = join(realRoot, path);
  const stat = lstatOrUndefined(full);
  if (!stat) return { checksum: null, size: null };
  if (stat.isSymbolicLink() || realpathSync(full) !== full) throw new PathError(`path '${path}' is reached through a symbolic link`);
  if (!stat.isFile()) throw new PathError(`path '${path}' is not a regular file`);
  return { checksum: sha256(readFileSync(full)), size: stat.size };
}

/** `lstat`, or undefined when nothing is there (also when a parent is not a folder). */
function lstatOrUndefined(full: string): Stats | undefined {
  try {
    return lstatSync(full, { throwIfNoEntry: false });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}
