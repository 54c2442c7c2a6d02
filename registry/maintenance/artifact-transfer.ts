/**
 * Dataset files out of the repository: `qg retrieve-artifacts` (LSST's `butler
 * retrieve-artifacts`: the files of chosen datasets into a folder) and `qg repo export
 * --transfer` (the export YAML plus every dataset file at its repository-relative path, so that
 * `qg repo import` of that folder gives a repository that can run). Files are checked against
 * their records (present, size, and the SHA-256 of copies), written atomically, and never over
 * an existing file unless asked (`clobber`); a destination inside the repository is refused.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Repository } from '../repository.js';
import type { DatasetRef } from '../datasets/datasets.js';
import { FILE_RECORD_COLUMNS, storedFileOf, writeAtomically, type StoredFile } from '../datastore/datastore.js';
import { PathError } from '../datastore/file-template.js';
import { placeFile, unplaceFile, type TransferMode } from '../ingest/raw-transfer.js';
import { exportButlerYaml } from '../butler-export/butler-export.js';
import { fileRecordsOf, MaintenanceError } from './dataset-files.js';

/** How files leave the repository: a copy (checksum verified) or a hard link; symlinks only for retrieve-artifacts. */
export type ArtifactTransfer = Extract<TransferMode, 'copy' | 'link' | 'symlink'>;

/** File name of the YAML inside an export folder (as LSST's `Butler.export(directory=...)` writes it). */
export const EXPORT_FILE = 'export.yaml';

/** Options of {@link retrieveArtifacts}. */
export interface RetrieveOptions {
  readonly transfer?: ArtifactTransfer;
  /** Keep the repository-relative path under the destination (default); otherwise only the file name. */
  readonly preservePath?: boolean;
  /** Replace files already at the destination. */
  readonly clobber?: boolean;
}

/** What {@link retrieveArtifacts} did. */
export interface RetrieveResult {
  /** Absolute paths written. */
  readonly written: readonly string[];
  /** Datasets that have no file in the repository (nothing to retrieve). */
  readonly withoutFile: readonly DatasetRef[];
}

/** Refuses a destination inside the repository root (its files, or a run folder, could be overwritten). */
function checkOutsideRepository(repo: Repository, dest: string): string {
  const full = resolve(dest);
  let probe = full;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  const real = join(realpathSync(probe), relative(probe, full));
  const rel = relative(realpathSync(repo.root), real);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) throw new PathError(`destination '${dest}' is inside the repository ${repo.root}; choose a folder outside it`);
  return full;
}

/** Checks that a stored file is there with its recorded size; returns its absolute path. */
function sourceOf(repo: Repository, file: StoredFile, what: string): string {
  const full = repo.datastore.pathOf(file);
  const stat = lstatSync(full, { throwIfNoEntry: false });
  if (!stat?.isFile()) throw new MaintenanceError(`the file of ${what} (${file.path}) is missing from the repository`, 'FILE_MISSING');
  if (stat.size !== file.size) throw new MaintenanceError(`the file of ${what} (${file.path}) has ${stat.size} bytes, its record says ${file.size}`, 'FILE_SIZE');
  return full;
}

/** Places `src` at `target` under `dest`; a copy must match the recorded checksum. */
async function place(dest: string, src: string, file: StoredFile, target: string, mode: ArtifactTransfer): Promise<string> {
  const placed = await placeFile(dest, src, target, mode, { checksum: mode === 'copy' });
  if (mode === 'copy' && file.checksum && placed.checksum !== file.checksum) {
    await unplaceFile(dest, placed, mode);
    throw new MaintenanceError(`the file ${file.path} does not match its recorded SHA-256 (changed on disk since it was written)`, 'FILE_CHECKSUM');
  }
  return join(dest, target);
}

/** Copies (or links) the files of `datasets` into folder `dest` (created when missing). */
export async function retrieveArtifacts(repo: Repository, datasets: readonly DatasetRef[], dest: string, options: RetrieveOptions = {}): Promise<RetrieveResult> {
  const mode = options.transfer ?? 'copy';
  const root = checkOutsideRepository(repo, dest);
  const files = await fileRecordsOf(repo.registry, datasets.map((d) => d.id));
  const withoutFile = datasets.filter((d) => !files.has(d.id));
  const jobs = new Map<string, { file: StoredFile; ref: DatasetRef }>();
  for (const ref of datasets) {
    const file = files.get(ref.id);
    if (!file) continue;
    const target = options.preservePath === false ? basename(file.path) : file.path;
    const other = jobs.get(target);
    if (other && other.file.path !== file.path) {
      throw new PathError(`two files would both go to ${join(root, target)} (${other.file.path} and ${file.path}); keep their paths (drop --no-preserve-path)`);
    }
    jobs.set(target, { file, ref });
  }
  const existing = [...jobs.keys()].filter((t) => existsSync(join(root, t)));
  if (existing.length && !options.clobber) {
    throw new PathError(`${existing.length} file(s) already exist under ${root}, e.g. ${existing.slice(0, 3).join(', ')}; nothing was written (pass --clobber to replace them)`);
  }
  const sources = [...jobs.entries()].map(([target, { file, ref }]) => [target, file, sourceOf(repo, file, `${ref.datasetType} ${JSON.stringify(ref.dataId)}`)] as const);
  mkdirSync(root, { recursive: true });
  const written: string[] = [];
  for (const [target, file, src] of sources) written.push(await place(root, src, file, target, mode));
  return { written, withoutFile };
}

/** What {@link exportWithFiles} wrote. */
export interface ExportWithFilesResult {
  /** The export YAML (`<dir>/export.yaml`). */
  readonly exportFile: string;
  readonly files: number;
}

/**
 * Writes `<dir>/export.yaml` and, beside it, every dataset file of the repository at its
 * repository-relative path (the paths the YAML records). `dir` must be absent or empty and
 * outside the repository; every file is checked before anything is written, and on failure
 * what was written is removed.
 */
export async function exportWithFiles(repo: Repository, dir: string, mode: Exclude<ArtifactTransfer, 'symlink'>): Promise<ExportWithFilesResult> {
  const root = checkOutsideRepository(repo, dir);
  if (existsSync(root) && readdirSync(root).length) throw new PathError(`export folder '${dir}' exists and is not empty`);
  const registry = repo.registry;
  const yaml = await exportButlerYaml(repo);
  const rows = await registry.db.arrays(registry.knex, registry.knex('datastore_record').select(FILE_RECORD_COLUMNS).orderBy('path'));
  const byPath = new Map<string, StoredFile>();
  for (const row of rows) {
    const f = storedFileOf(row);
    if (f.size === null || Number.isNaN(f.size) || row[5] === null) continue; // recorded as not transferred: nothing to take
    byPath.set(f.path, f);
  }
  const sources = [...byPath.values()].map((f) => [f, sourceOf(repo, f, `dataset ${f.datasetId}`)] as const);
  const created = !existsSync(root);
  mkdirSync(root, { recursive: true });
  try {
    for (const [file, src] of sources) await place(root, src, file, file.path, mode);
    writeAtomically(join(root, EXPORT_FILE), new TextEncoder().encode(yaml));
  } catch (e) {
    if (created) rmSync(root, { recursive: true, force: true });
    else for (const name of readdirSync(root)) rmSync(join(root, name), { recursive: true, force: true });
    throw e;
  }
  return { exportFile: join(root, EXPORT_FILE), files: sources.length };
}
