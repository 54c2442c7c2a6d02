/**
 * `qg prune-datasets` (LSST's `butler prune-datasets`): datasets found in collections (by type
 * and --where; find-first unless --find-all) are purged (`--purge RUN`: registrations and
 * files), unstored (`--unstore`: file records and files, the registrations stay) or
 * disassociated from TAGGED collections (`--disassociate TAG`). Unlike butler, `--purge RUN`
 * removes only datasets of that RUN: ones found in other runs are listed and left alone.
 * Finding is one data-ID query per dataset type the searched collections can hold (their
 * summaries say which); removal is set-based, chunked by id.
 */
import type { Registry } from '../registry.js';
import type { Repository } from '../repository.js';
import type { BindValue } from '../query/bind-values.js';
import { queryDatasets, type FoundDataset } from '../query/dataset-query.js';
import { q } from '../query/temp-tables.js';
import { chunked, deleteUnnamedFiles, fileRecordsOf, MaintenanceError, type FileDeletion, type OrphanedFile } from './dataset-files.js';

/** Which datasets: as `qg query datasets` finds them. */
export interface DatasetSearch {
  readonly collections: readonly string[];
  /** Dataset type names; every type the collections can hold when empty or absent. */
  readonly datasetTypes?: readonly string[];
  readonly where?: string;
  readonly bind?: ReadonlyMap<string, BindValue>;
  /** Every match in every collection, not only the first per data ID in collection order. */
  readonly findAll?: boolean;
}

/**
 * Datasets matching `search`, each once (a calibration certified for several ranges is one
 * dataset). Types not named are those the searched collections' summaries hold.
 */
export async function findDatasets(registry: Registry, search: DatasetSearch): Promise<FoundDataset[]> {
  if (!search.collections.length) throw new MaintenanceError('name the collections to search (--collections)', 'USAGE_COLLECTIONS');
  const searched = await registry.collections.flatten(search.collections);
  let types = search.datasetTypes?.length ? [...search.datasetTypes] : [];
  if (!types.length && searched.length) {
    const db = registry.db;
    const ids = new Set<number>();
    for (const chunk of chunked(searched.map((c) => c.id))) {
      const rows = await db.selectArrays(registry.knex, db.placeholders(
        `SELECT DISTINCT dataset_type_id FROM ${q('collection_summary_dataset_type')} WHERE collection_id IN (${chunk.map(() => '?').join(', ')})`), chunk);
      for (const [id] of rows) ids.add(Number(id));
    }
    for (const id of ids) types.push((await registry.datasetTypes.byId(id)).name);
    types = types.sort();
  }
  if (!search.findAll && searched.some((c) => c.type === 'CALIBRATION')) {
    throw new MaintenanceError(`the collections include CALIBRATION collection(s) (${searched.filter((c) => c.type === 'CALIBRATION').map((c) => c.name).join(', ')}), ` +
      'where the first dataset per data ID depends on a time: pass --find-all to take every certified dataset', 'USAGE_FIND_ALL');
  }
  const out: FoundDataset[] = [];
  const seen = new Set<string>();
  for (const type of types) {
    for (const found of await queryDatasets(registry, {
      datasetType: type, collections: search.collections, findFirst: !search.findAll,
      ...(search.where !== undefined ? { where: search.where } : {}), ...(search.bind ? { bind: search.bind } : {}),
    })) {
      if (seen.has(found.id)) continue;
      seen.add(found.id);
      out.push(found);
    }
  }
  return out;
}

/** What to do with the datasets found (butler's options). */
export interface PruneAction {
  /** Remove the datasets of this RUN completely (not with the others). */
  readonly purge?: string;
  /** Remove the files (and file records), keep the registrations. */
  readonly unstore?: boolean;
  /** Take the datasets out of these TAGGED collections. */
  readonly disassociate?: readonly string[];
}

/** A checked prune: the datasets it acts on, and those found but left alone. */
export interface PrunePlan {
  readonly action: PruneAction;
  readonly datasets: readonly FoundDataset[];
  /** Found in another RUN than the one `--purge` names. */
  readonly leftAlone: readonly FoundDataset[];
  /** Runs whose files go (purge and unstore): the CLI holds their locks while pruning. */
  readonly runs: readonly string[];
}

/** Checks the action's options against butler's rules and the registry, then finds the datasets. */
export async function planPrune(registry: Registry, search: DatasetSearch, action: PruneAction): Promise<PrunePlan> {
  const disassociate = action.disassociate ?? [];
  if (!action.purge && !action.unstore && !disassociate.length) {
    throw new MaintenanceError('nothing to do: give --purge RUN, --unstore or --disassociate TAGGED', 'USAGE_PRUNE');
  }
  if (action.purge && (action.unstore || disassociate.length)) {
    throw new MaintenanceError('--purge may not be used with --disassociate or --unstore (purging removes the datasets from every collection, files included)', 'USAGE_PRUNE');
  }
  if (action.purge) {
    const run = await registry.collections.get(action.purge);
    if (run.type !== 'RUN') throw new MaintenanceError(`--purge takes a RUN collection; '${run.name}' is ${run.type}`, 'COLLECTION_TYPE');
  }
  for (const tag of disassociate) {
    const c = await registry.collections.get(tag);
    if (c.type !== 'TAGGED') throw new MaintenanceError(`--disassociate takes TAGGED collections; '${c.name}' is ${c.type}`, 'COLLECTION_TYPE');
  }
  const found = await findDatasets(registry, search);
  const datasets = action.purge ? found.filter((d) => d.run === action.purge) : found;
  const leftAlone = action.purge ? found.filter((d) => d.run !== action.purge) : [];
  const runs = action.purge ? [action.purge] : action.unstore ? [...new Set(datasets.map((d) => d.run))].sort() : [];
  return { action, datasets, leftAlone, runs };
}

/** What {@link pruneDatasets} removed. */
export interface PruneResult {
  /** Registrations removed (purge). */
  readonly purged: number;
  /** File records removed (purge and unstore). */
  readonly unstored: number;
  /** Associations removed from TAGGED collections. */
  readonly disassociated: number;
  readonly files: FileDeletion;
}

/**
 * Carries out a checked prune: registrations (or file records, or tags) in one transaction,
 * then the files nobody names any more. `hold` is called first with the runs whose files go.
 */
export async function pruneDatasets(repo: Repository, plan: PrunePlan, options: { hold?: (runs: readonly string[]) => () => void } = {}): Promise<PruneResult> {
  const registry = repo.registry;
  const db = registry.db;
  const { action } = plan;
  const release = plan.runs.length ? options.hold?.(plan.runs) ?? (() => {}) : () => {};
  try {
    const ids = plan.datasets.map((d) => d.id);
    const runOf = new Map(plan.datasets.map((d) => [d.id, d.run]));
    const counts = await registry.transaction(async (tx) => {
      let purged = 0, unstored = 0, disassociated = 0;
      const files: OrphanedFile[] = [];
      if (action.purge || action.unstore) {
        for (const f of (await fileRecordsOf(registry, ids, tx)).values()) files.push({ path: f.path, run: runOf.get(f.datasetId)! });
      }
      for (const chunk of chunked(ids)) {
        const marks = chunk.map(() => '?').join(', ');
        if (action.purge) {
          // Tags, certifications and the file record go with the dataset (ON DELETE CASCADE).
          unstored += await db.execute(tx, db.placeholders(`DELETE FROM ${q('datastore_record')} WHERE dataset_id IN (${marks})`), chunk);
          purged += await db.execute(tx, db.placeholders(`DELETE FROM ${q('dataset')} WHERE id IN (${marks})`), chunk);
        } else if (action.unstore) {
          unstored += await db.execute(tx, db.placeholders(`DELETE FROM ${q('datastore_record')} WHERE dataset_id IN (${marks})`), chunk);
        }
      }
      if (action.disassociate?.length) {
        const tags = await Promise.all(action.disassociate.map(async (t) => (await registry.collections.get(t, tx)).id));
        const byType = new Map<string, string[]>();
        for (const d of plan.datasets) byType.set(d.datasetType, [...(byType.get(d.datasetType) ?? []), d.id]);
        for (const [typeName, typeIds] of byType) {
          const type = await registry.datasetTypes.get(typeName, tx);
          for (const chunk of chunked(typeIds)) {
            disassociated += await db.execute(tx, db.placeholders(
              `DELETE FROM ${q(type.tagTable)} WHERE dataset_type_id = ? AND collection_id IN (${tags.map(() => '?').join(', ')}) AND dataset_id IN (${chunk.map(() => '?').join(', ')})`),
            [type.id, ...tags, ...chunk]);
          }
        }
      }
      return { purged, unstored, disassociated, files };
    });
    return { purged: counts.purged, unstored: counts.unstored, disassociated: counts.disassociated, files: await deleteUnnamedFiles(repo, counts.files) };
  } finally {
    release();
  }
}
