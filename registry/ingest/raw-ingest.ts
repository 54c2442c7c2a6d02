/**
 * Raw ingest: FITS files on disk -> `raw` datasets in a RUN collection, with the dimension
 * records they need. Per batch of files: headers are read (once, through the header
 * cache), translated by the instrument's config, checked against what the batch, the rest
 * of this ingest and the registry already hold; the files are then put in place
 * (copy/link/symlink atomically, or direct) and only then registered, in one transaction
 * per batch. A file that fails any step is listed with its reason and nothing of it is
 * registered; the rest of its batch goes on.
 */
import { randomUUID } from 'node:crypto';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { RegistryError, type IngestErrorCode } from '../errors.js';
import type { Executor } from '../dialect/database.js';
import type { DatasetRef } from '../datasets/datasets.js';
import { FitsError } from '../datastore/fits/index.js';
import { formatterFor } from '../datastore/formatters.js';
import { renderTemplate } from '../datastore/file-template.js';
import type { StoredFile } from '../datastore/datastore.js';
import type { DimensionRecord } from '../dimensions/dimension-records.js';
import type { Repository } from '../repository.js';
import { HeaderCache } from './header-cache.js';
import { HeaderTranslator, type RawTranslation } from './header-translation.js';
import { pathInsideRoot, placeFile, TRANSFER_MODES, unplaceFile, type PlacedFile, type TransferMode } from './raw-transfer.js';
import { loadTranslationConfig, shippedTranslation, validateTranslationConfig, type TranslationConfig } from './translation-config.js';

/** Name of the dataset type raws are registered as. */
export const RAW_DATASET_TYPE = 'raw';
/** Storage class of raws. */
export const RAW_STORAGE_CLASS = 'ExposureF';
/** Dimensions of raws. */
export const RAW_DIMENSIONS: readonly string[] = ['instrument', 'exposure', 'detector'];

/** File names a directory scan picks up. */
const FITS_NAME = /\.(fits?|fts)$/i;

/** Error that stops a whole ingest (bad options, a refused path); per-file problems are {@link IngestFailure}s. */
export class IngestError extends RegistryError {
  override name = 'IngestError';
  constructor(message: string, override readonly code: IngestErrorCode) {
    super(message, code);
  }
}

/**
 * Why a file was not ingested:
 * - `NOT_FOUND`: the path does not exist.
 * - `UNREADABLE`: not a readable FITS file (not FITS, truncated, no permission...).
 * - `TRANSLATION`: the header does not translate (missing keyword, bad value, not this instrument).
 * - `DUPLICATE`: another file of this ingest has the same data ID.
 * - `CONFLICT`: its exposure disagrees with another file's or the registry's record of it.
 * - `ALREADY_INGESTED`: the run already holds a raw with this data ID.
 * - `TRANSFER`: the file could not be copied/linked into the repository.
 * - `REGISTRATION`: the registry refused it (the message says why).
 */
export type IngestFailureCode = 'NOT_FOUND' | 'UNREADABLE' | 'TRANSLATION' | 'DUPLICATE' | 'CONFLICT' | 'ALREADY_INGESTED' | 'TRANSFER' | 'REGISTRATION';

/** A file that was not ingested. */
export interface IngestFailure {
  /** The file's path (absolute). */
  readonly path: string;
  readonly code: IngestFailureCode;
  /** For people. */
  readonly reason: string;
  /** The data ID, when the header translated. */
  readonly dataId?: RawTranslation['dataId'];
}

/** An ingested raw: its dataset ref and the file it came from. */
export interface IngestedRaw extends DatasetRef {
  /** The original file (absolute path). */
  readonly source: string;
  /** Where the datastore keeps it, relative to the repository root. */
  readonly storedPath: string;
}

/** Progress after each batch. */
export interface IngestProgress {
  /** Files handled so far (ingested, failed or planned). */
  readonly done: number;
  readonly total: number;
  readonly ingested: number;
  readonly failed: number;
}

/** Options of {@link ingestRaws}. */
export interface IngestOptions {
  /** The instrument (must match the translation config's `instrument`). */
  readonly instrument: string;
  /**
   * A translation config object, or the path of one in YAML; the shipped config of the
   * instrument (`registry/ingest/instruments/`) when absent.
   */
  readonly translation?: TranslationConfig | string;
  /** RUN collection to register into (default `<instrument>/raw/all`). */
  readonly run?: string;
  /**
   * `copy` (default), `link` (hard link), `symlink`, or `direct` (register the file where it
   * is: only for files inside the repository root, since no stored path may leave it).
   */
  readonly transfer?: TransferMode;
  /** Files per registry transaction (default 200). */
  readonly batchSize?: number;
  /** Header reads and transfers in flight at once (default 8). */
  readonly concurrency?: number;
  /** Read and translate only: report what would be ingested, write nothing but the header cache. */
  readonly dryRun?: boolean;
  /** Record SHA-256 checksums (default true; `copy` always computes one as it copies). */
  readonly checksum?: boolean;
  /** The header cache (default: the repository's `.qg/header-cache.json`). */
  readonly headerCache?: HeaderCache;
  /** Called after each batch. */
  readonly onProgress?: (progress: IngestProgress) => void;
}

/** What {@link ingestRaws} did. */
export interface IngestResult {
  readonly run: string;
  readonly dryRun: boolean;
  /** Raws registered (empty in a dry run), in input order. */
  readonly ingested: IngestedRaw[];
  /** Dry run only: the files that would be ingested and their data IDs. */
  readonly planned: { readonly source: string; readonly dataId: RawTranslation['dataId'] }[];
  /** Files not ingested, with reasons, in input order. */
  readonly failed: IngestFailure[];
  /** Files considered. */
  readonly files: number;
  /** Headers read from disk / served by the cache. */
  readonly headerReads: number;
  readonly headerCacheHits: number;
  /** Wall time, seconds. */
  readonly seconds: number;
}

/** One file through the batch pipeline. */
interface Item {
  readonly path: string;
  translation?: RawTranslation;
  failure?: IngestFailure;
  id?: string;
  placed?: PlacedFile;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Expands files and directories into FITS files: directories are searched recursively for
 * `*.fits`, `*.fit`, `*.fts` (hidden entries skipped); a file named explicitly is taken
 * whatever its name. Symlinks are followed; each real file appears once (first mention
 * wins). Paths that do not exist come back as `NOT_FOUND` failures.
 */
export async function collectRawFiles(paths: readonly string[]): Promise<{ files: string[]; missing: IngestFailure[] }> {
  const files: string[] = [];
  const missing: IngestFailure[] = [];
  const seenFiles = new Set<string>();
  const seenDirs = new Set<string>();
  const addFile = async (path: string) => {
    const real = await realpath(path);
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    files.push(path);
  };
  const walk = async (dir: string): Promise<void> => {
    const real = await realpath(dir);
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    const entries = (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
    for (const name of entries) {
      const full = join(dir, name);
      let info;
      try {
        info = await stat(full);
      } catch {
        continue; // a dangling symlink inside a scanned folder is not an input
      }
      if (info.isDirectory()) await walk(full);
      else if (info.isFile() && FITS_NAME.test(name)) await addFile(full);
    }
  };
  for (const given of paths) {
    const path = resolve(given);
    let info;
    try {
      info = await stat(path);
    } catch (e) {
      missing.push({ path, code: 'NOT_FOUND', reason: `cannot open ${given}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}` });
      continue;
    }
    if (info.isDirectory()) await walk(path);
    else await addFile(path);
  }
  return { files, missing };
}

/** Resolves the `translation` option into a validated config. */
function resolveTranslation(options: IngestOptions): TranslationConfig {
  const t = options.translation;
  const config = t === undefined ? shippedTranslation(options.instrument) : typeof t === 'string' ? loadTranslationConfig(t) : validateTranslationConfig(t);
  if (config.instrument !== options.instrument) {
    throw new IngestError(`the translation config is for instrument '${config.instrument}', not '${options.instrument}'`, 'INGEST_INSTRUMENT');
  }
  return config;
}

function dataIdKey(d: RawTranslation['dataId']): string {
  return `${d.exposure}/${d.detector}`;
}

function describeDataId(d: RawTranslation['dataId']): string {
  return `{instrument: '${d.instrument}', exposure: ${d.exposure}, detector: ${d.detector}}`;
}

/** Keeps the first record per key. */
function unique(records: Iterable<DimensionRecord>, key: (r: DimensionRecord) => string): DimensionRecord[] {
  const out = new Map<string, DimensionRecord>();
  for (const r of records) if (!out.has(key(r))) out.set(key(r), r);
  return [...out.values()];
}

/**
 * Ingests raw FITS files (or folders of them) into `repo`: see the module comment for the
 * steps. Idempotent: re-ingesting the same files defines nothing twice and reports each as
 * `ALREADY_INGESTED`. Throws only for problems with the whole call: {@link IngestError}
 * (options, `direct` files outside the root), `TranslationConfigError` (an invalid config)
 * or a registry error (e.g. a `raw` type registered with other dimensions); every per-file
 * problem is in `failed`.
 */
export async function ingestRaws(repo: Repository, paths: readonly string[], options: IngestOptions): Promise<IngestResult> {
  const started = performance.now();
  const settings = ingestSettings(repo, options);
  const { files, missing } = await collectRawFiles(paths);
  if (settings.transfer === 'direct') await checkInsideRoot(repo.root, files);
  const cache = options.headerCache ?? HeaderCache.forRepository(repo.root);
  const { reads: readsBefore, hits: hitsBefore } = cache.stats;
  if (!settings.dryRun) await prepareRun(repo, settings);
  const { run, dryRun, batchSize } = settings;
  const canHoldRaws = dryRun ? (await repo.registry.collections.has(run)) && (await repo.registry.datasetTypes.has(RAW_DATASET_TYPE)) : true;
  const tally: IngestTally = { ingested: [], planned: [], failed: [...missing], byDataId: new Map(), exposures: new Map() };
  const { ingested, planned, failed } = tally;
  try {
    for (let start = 0; start < files.length; start += batchSize) {
      await ingestBatch(repo, files.slice(start, start + batchSize), settings, cache, canHoldRaws, tally);
      options.onProgress?.({ done: Math.min(start + batchSize, files.length) + missing.length, total: files.length + missing.length, ingested: dryRun ? planned.length : ingested.length, failed: failed.length });
    }
  } finally {
    cache.save();
  }
  const order = new Map(files.map((f, i) => [f, i]));
  failed.sort((a, b) => (order.get(a.path) ?? -1) - (order.get(b.path) ?? -1));
  return {
    run, dryRun, ingested, planned, failed, files: files.length + missing.length,
    headerReads: cache.stats.reads - readsBefore, headerCacheHits: cache.stats.hits - hitsBefore,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The options of one ingest, checked and with their defaults. */
interface IngestSettings {
  readonly transfer: TransferMode;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly dryRun: boolean;
  readonly checksum: boolean;
  readonly config: TranslationConfig;
  readonly translator: HeaderTranslator;
  readonly run: string;
}

/** Checks the options (transfer mode, batch size, translation config, run name, in that order) and fills in their defaults. */
function ingestSettings(repo: Repository, options: IngestOptions): IngestSettings {
  const transfer = options.transfer ?? 'copy';
  if (!TRANSFER_MODES.includes(transfer)) throw new IngestError(`unknown transfer mode '${transfer}' (expected ${TRANSFER_MODES.join(', ')})`, 'INGEST_OPTIONS');
  const batchSize = options.batchSize ?? 200;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new IngestError(`batchSize must be a positive integer, got ${batchSize}`, 'INGEST_OPTIONS');
  const config = resolveTranslation(options);
  const translator = new HeaderTranslator(config, repo.registry.universe);
  const run = options.run ?? `${config.instrument}/raw/all`;
  if (!run || /[\s,]/.test(run) || run.includes('..') || run.startsWith('/')) {
    throw new IngestError(`invalid run name '${run}': no whitespace, commas, '..' or leading '/'`, 'INGEST_OPTIONS');
  }
  return {
    transfer, batchSize, concurrency: Math.max(1, options.concurrency ?? 8), dryRun: options.dryRun ?? false, checksum: options.checksum ?? true, config, translator, run,
  };
}

/** Refuses a `direct` ingest of files outside the repository root (no stored path may leave it). */
async function checkInsideRoot(root: string, files: readonly string[]): Promise<void> {
  const outside: string[] = [];
  for (const f of files) if ((await pathInsideRoot(root, f)) === undefined) outside.push(f);
  if (outside.length) {
    throw new IngestError(
      `--transfer direct registers files where they are, so they must lie inside the repository root ${root} (no stored path may leave it); ` +
        `${outside.length} do not, e.g. ${outside.slice(0, 3).join(', ')}. Use --transfer copy, link or symlink.`,
      'INGEST_OUTSIDE_ROOT',
    );
  }
}

/** Registers the run, the raw dataset type and the instrument's own records (instrument, detectors, the one-to-one visit system), in one transaction. */
async function prepareRun(repo: Repository, { run, translator, config }: IngestSettings): Promise<void> {
  const registry = repo.registry;
  await registry.transaction(async (tx) => {
    await registry.collections.register(run, 'RUN', null, tx);
    await registry.datasetTypes.register({ name: RAW_DATASET_TYPE, dimensions: [...RAW_DIMENSIONS], storageClass: RAW_STORAGE_CLASS }, tx);
    await registry.dimensions.insert('instrument', [translator.instrumentRecord()], tx, { skipExisting: true });
    const detectors = translator.detectorRecords();
    if (detectors.length) await registry.dimensions.insert('detector', detectors, tx, { skipExisting: true });
    if (config.visits) await registry.dimensions.insert('visit_system', [{ instrument: config.instrument, id: 0, name: 'one-to-one' }], tx, { skipExisting: true });
  });
}

/** The first file of this ingest seen for an exposure, with the values the later ones must agree with. */
interface ExposureSeen {
  readonly physicalFilter: string;
  readonly dayObs: number;
  readonly path: string;
}

/** What the batches found so far; each batch adds to it. */
interface IngestTally {
  readonly ingested: IngestedRaw[];
  readonly planned: IngestResult['planned'];
  readonly failed: IngestFailure[];
  /** The first file of each data ID (key {@link dataIdKey}). */
  readonly byDataId: Map<string, string>;
  readonly exposures: Map<number, ExposureSeen>;
}

/** One batch: read and translate, check, then (unless a dry run) place the files and register them. */
async function ingestBatch(repo: Repository, paths: readonly string[], settings: IngestSettings, cache: HeaderCache, canHoldRaws: boolean, tally: IngestTally): Promise<void> {
  const items: Item[] = paths.map((path) => ({ path }));
  await readAndTranslate(items, cache, settings.translator, settings.concurrency);
  checkWithinIngest(items, tally.byDataId, tally.exposures);
  await checkAgainstRegistry(repo, items, settings.run, canHoldRaws, settings.config.instrument);
  const ok = items.filter((i) => !i.failure);
  if (settings.dryRun) {
    for (const i of ok) tally.planned.push({ source: i.path, dataId: i.translation!.dataId });
  } else if (ok.length) {
    await placeItems(repo, ok, settings);
    tally.ingested.push(...(await registerBatch(repo, ok.filter((i) => !i.failure), settings.run, settings.transfer)));
  }
  for (const i of items) if (i.failure) tally.failed.push(i.failure);
}

/** Puts each item's file in place under a new dataset ID; a file that cannot be placed fails with `TRANSFER`. */
async function placeItems(repo: Repository, items: readonly Item[], { run, transfer, checksum, concurrency }: IngestSettings): Promise<void> {
  const extension = formatterFor(RAW_STORAGE_CLASS).extension;
  await forEachLimit(items, concurrency, async (item) => {
    item.id = randomUUID();
    const ref: DatasetRef = { id: item.id, datasetType: RAW_DATASET_TYPE, run, dataId: item.translation!.dataId };
    try {
      item.placed = await placeFile(repo.root, item.path, renderTemplate(repo.datastore.template, ref) + extension, transfer, { checksum });
    } catch (e) {
      item.failure = { path: item.path, code: 'TRANSFER', reason: (e as Error).message, dataId: item.translation!.dataId };
    }
  });
}

/** Reads each header through the cache and translates it; failures go on the item. */
async function readAndTranslate(items: Item[], cache: HeaderCache, translator: HeaderTranslator, concurrency: number): Promise<void> {
  await forEachLimit(items, concurrency, async (item) => {
    let header;
    try {
      header = await cache.read(item.path);
    } catch (e) {
      const message = e instanceof FitsError ? e.message.replace(`${item.path}: `, '') : (e as Error).message;
      item.failure = { path: item.path, code: 'UNREADABLE', reason: `cannot read the FITS header of ${basename(item.path)}: ${message}` };
      return;
    }
    try {
      item.translation = translator.translate(header, item.path);
    } catch (e) {
      // Any registry-level error here (a time outside the leap-second table, a region that
      // cannot be built) is about this file's values: the file fails, the ingest goes on.
      if (!(e instanceof RegistryError)) throw e;
      item.failure = { path: item.path, code: 'TRANSLATION', reason: `${basename(item.path)}: ${e.message}` };
    }
  });
}

/** Flags files whose data ID another file of this ingest has, or whose exposure disagrees with another file's. */
function checkWithinIngest(items: Item[], byDataId: Map<string, string>, exposures: Map<number, ExposureSeen>): void {
  for (const item of items) {
    const t = item.translation;
    if (!t || item.failure) continue;
    const key = dataIdKey(t.dataId);
    const first = byDataId.get(key);
    if (first !== undefined) {
      item.failure = { path: item.path, code: 'DUPLICATE', reason: `${basename(item.path)} has the same data ID ${describeDataId(t.dataId)} as ${first}`, dataId: t.dataId };
      continue;
    }
    const seen = exposures.get(t.dataId.exposure);
    if (seen && (seen.physicalFilter !== t.physicalFilter || seen.dayObs !== t.dayObs)) {
      item.failure = {
        path: item.path, code: 'CONFLICT', dataId: t.dataId,
        reason: `${basename(item.path)}: exposure ${t.dataId.exposure} has physical_filter '${t.physicalFilter}', day_obs ${t.dayObs} here but '${seen.physicalFilter}', ${seen.dayObs} in ${seen.path}`,
      };
      continue;
    }
    byDataId.set(key, item.path);
    if (!seen) exposures.set(t.dataId.exposure, { physicalFilter: t.physicalFilter, dayObs: t.dayObs, path: item.path });
  }
}

/** Flags raws the run already holds and exposures the registry records differently (bulk: two queries). */
async function checkAgainstRegistry(repo: Repository, items: Item[], run: string, canHoldRaws: boolean, instrument: string): Promise<void> {
  const live = items.filter((i) => i.translation && !i.failure);
  if (!live.length) return;
  const registry = repo.registry;
  const knex = registry.knex;
  if (canHoldRaws) {
    // Only this batch's exposures are read (a run may hold millions of raws).
    const type = await registry.datasetTypes.get(RAW_DATASET_TYPE, knex);
    const collection = await registry.collections.get(run, knex);
    const exposureIds = [...new Set(live.map((i) => i.translation!.dataId.exposure))];
    const existing = new Map<string, string>();
    for (let s = 0; s < exposureIds.length; s += 500) {
      const rows = await registry.db.arrays(knex, knex(type.tagTable).select('dataset_id', 'exposure', 'detector')
        .where({ dataset_type_id: type.id, collection_id: collection.id, instrument })
        .whereIn('exposure', exposureIds.slice(s, s + 500)));
      for (const [id, exposure, detector] of rows) existing.set(`${Number(exposure)}/${Number(detector)}`, String(id));
    }
    for (const item of live) {
      const id = existing.get(dataIdKey(item.translation!.dataId));
      if (id === undefined) continue;
      item.failure = {
        path: item.path, code: 'ALREADY_INGESTED', dataId: item.translation!.dataId,
        reason: `${basename(item.path)}: raw ${describeDataId(item.translation!.dataId)} is already ingested in '${run}' (dataset ${id})`,
      };
    }
  }
  const ids = [...new Set(live.filter((i) => !i.failure).map((i) => i.translation!.dataId.exposure))];
  const known = new Map<number, { physicalFilter: string; dayObs: number }>();
  for (let s = 0; s < ids.length; s += 500) {
    const rows = await registry.db.arrays(knex, knex('exposure').select('id', 'physical_filter', 'day_obs').where('instrument', instrument).whereIn('id', ids.slice(s, s + 500)));
    for (const [id, physicalFilter, dayObs] of rows) known.set(Number(id), { physicalFilter: String(physicalFilter), dayObs: Number(dayObs) });
  }
  for (const item of live) {
    if (item.failure) continue;
    const t = item.translation!;
    const k = known.get(t.dataId.exposure);
    if (k && (k.physicalFilter !== t.physicalFilter || k.dayObs !== t.dayObs)) {
      item.failure = {
        path: item.path, code: 'CONFLICT', dataId: t.dataId,
        reason: `${basename(item.path)}: exposure ${t.dataId.exposure} is already defined with physical_filter '${k.physicalFilter}', day_obs ${k.dayObs}, but this file says '${t.physicalFilter}', ${t.dayObs}`,
      };
    }
  }
}

/** Inserts the dimension records, datasets and file records of placed items in one transaction. */
async function insertItems(repo: Repository, items: readonly Item[], run: string, tx: Executor): Promise<DatasetRef[]> {
  const registry = repo.registry;
  const dims = registry.dimensions;
  const ts = items.map((i) => i.translation!);
  const skip = { skipExisting: true };
  const bands = unique(ts.filter((t) => t.band !== null).map((t) => ({ name: t.band })), (r) => String(r.name));
  if (bands.length) await dims.insert('band', bands, tx, skip);
  await dims.insert('physical_filter', unique(ts.map((t) => ({ instrument: t.dataId.instrument, name: t.physicalFilter, band: t.band })), (r) => String(r.name)), tx, skip);
  const detectors = unique(ts.flatMap((t) => (t.detectorRecord ? [t.detectorRecord] : [])), (r) => String(r.id));
  if (detectors.length) await dims.insert('detector', detectors, tx, skip);
  await dims.insert('day_obs', unique(ts.map((t) => t.dayObsRecord), (r) => String(r.id)), tx, skip);
  await dims.insert('exposure', unique(ts.map((t) => t.exposure), (r) => String(r.id)), tx, skip);
  const visits = unique(ts.flatMap((t) => (t.visit ? [t.visit] : [])), (r) => String(r.id));
  if (visits.length) {
    await dims.insert('visit', visits, tx, skip);
    await dims.insert('visit_definition', visits.map((v) => ({ instrument: v.instrument, exposure: v.id, visit: v.id })), tx, skip);
    await dims.insert('visit_system_membership', visits.map((v) => ({ instrument: v.instrument, visit_system: 0, visit: v.id })), tx, skip);
  }
  const refs = await registry.datasets.insert(RAW_DATASET_TYPE, run, ts.map((t) => t.dataId), tx, items.map((i) => i.id!));
  const files: StoredFile[] = items.map((i) => ({
    datasetId: i.id!, path: i.placed!.path, formatter: formatterFor(RAW_STORAGE_CLASS).name, storageClass: RAW_STORAGE_CLASS,
    checksum: i.placed!.checksum, size: i.placed!.size,
  }));
  await repo.insertFileRecords(files, tx);
  return refs;
}

/**
 * Registers placed items, one transaction for the batch. If the batch is refused (say, a
 * concurrent ingest registered one of its data IDs first), each item is retried in its own
 * transaction so that only the culprits fail; a failed item's placed file is removed.
 */
async function registerBatch(repo: Repository, items: Item[], run: string, transfer: TransferMode): Promise<IngestedRaw[]> {
  if (!items.length) return [];
  const attempt = (group: readonly Item[]) => repo.registry.transaction((tx) => insertItems(repo, group, run, tx));
  const toIngested = (item: Item, ref: DatasetRef): IngestedRaw => ({ ...ref, source: item.path, storedPath: item.placed!.path });
  try {
    const refs = await attempt(items);
    return refs.map((ref, n) => toIngested(items[n]!, ref));
  } catch (batchError) {
    const out: IngestedRaw[] = [];
    for (const item of items) {
      let error: unknown = items.length === 1 ? batchError : undefined;
      if (error === undefined) {
        try {
          const [ref] = await attempt([item]);
          out.push(toIngested(item, ref!));
          continue;
        } catch (e) {
          error = e;
        }
      }
      await unplaceFile(repo.root, item.placed!, transfer);
      const err = error as RegistryError;
      const already = err.code === 'DATASET_CONFLICT';
      item.failure = {
        path: item.path, code: already ? 'ALREADY_INGESTED' : 'REGISTRATION', dataId: item.translation!.dataId,
        reason: `${basename(item.path)}: ${already ? '' : 'registration failed: '}${err.message}`,
      };
    }
    return out;
  }
}
