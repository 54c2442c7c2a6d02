/**
 * `qg remove-runs` (LSST's `butler remove-runs`): RUN collections go with their datasets,
 * which also leave every TAGGED and CALIBRATION collection holding them, and the runs leave
 * the CHAINED collections that list them. Registrations are removed in one transaction with a
 * fixed number of set-based statements (chunked by run, never one per dataset); only then are
 * the files deleted ({@link deleteUnnamedFiles}: under the run's folder, not qg's own, named by
 * no other dataset).
 */
import { rmdirSync } from 'node:fs';
import type { Registry } from '../registry.js';
import type { Repository } from '../repository.js';
import { globToRegExp, type CollectionRecord } from '../collections/collections.js';
import { runFolder } from '../datastore/file-template.js';
import { q } from '../query/temp-tables.js';
import { chunked, deleteUnnamedFiles, MaintenanceError, type FileDeletion, type OrphanedFile } from './dataset-files.js';

/** One run to remove. */
export interface RunToRemove {
  readonly name: string;
  readonly id: number;
  /** Datasets of the run (they go with it). */
  readonly datasets: number;
  /** CHAINED collections that list the run (it is taken out of them). */
  readonly parents: readonly string[];
}

/** What `remove-runs` would do. */
export interface RunRemovalPlan {
  readonly runs: readonly RunToRemove[];
  /** Collections the patterns matched that are not RUNs (left alone). */
  readonly notRuns: readonly CollectionRecord[];
}

/**
 * Resolves names and globs (`*`, `?`) to RUN collections, with their dataset counts (one
 * grouped query) and parent chains. A plain name that does not exist is an error with a
 * suggestion; a plain name of another collection type is an error.
 */
export async function planRunRemoval(registry: Registry, patterns: readonly string[]): Promise<RunRemovalPlan> {
  registry.collections.invalidate();
  const all = await registry.collections.query();
  const matched = new Map<number, CollectionRecord>();
  for (const pattern of patterns) {
    if (/[*?]/.test(pattern)) {
      const re = globToRegExp(pattern);
      for (const c of all) if (re.test(c.name)) matched.set(c.id, c);
    } else {
      const c = await registry.collections.get(pattern);
      if (c.type !== 'RUN') throw new MaintenanceError(`collection '${pattern}' is ${c.type}, not a RUN; remove-runs removes RUN collections only`, 'COLLECTION_TYPE');
      matched.set(c.id, c);
    }
  }
  const runs = [...matched.values()].filter((c) => c.type === 'RUN').sort((a, b) => a.name.localeCompare(b.name));
  const notRuns = [...matched.values()].filter((c) => c.type !== 'RUN');
  const db = registry.db;
  const counts = new Map<number, number>();
  const parents = new Map<number, string[]>();
  for (const chunk of chunked(runs.map((r) => r.id))) {
    const marks = chunk.map(() => '?').join(', ');
    for (const [run, n] of await db.selectArrays(registry.knex, db.placeholders(`SELECT run_id, COUNT(*) FROM ${q('dataset')} WHERE run_id IN (${marks}) GROUP BY run_id`), chunk)) {
      counts.set(Number(run), Number(n));
    }
    for (const [child, parent] of await db.selectArrays(registry.knex, db.placeholders(`SELECT child, parent FROM ${q('collection_chain')} WHERE child IN (${marks})`), chunk)) {
      const list = parents.get(Number(child)) ?? [];
      list.push((await registry.collections.byId(Number(parent))).name);
      parents.set(Number(child), list);
    }
  }
  return {
    runs: runs.map((r) => ({ name: r.name, id: r.id, datasets: counts.get(r.id) ?? 0, parents: [...new Set(parents.get(r.id) ?? [])].sort() })),
    notRuns,
  };
}

/** Options of {@link removeRuns}. */
export interface RunRemovalOptions {
  /**
   * Called before anything is removed with the names of the runs; returns the function that
   * ends the hold. The CLI takes each run's lock here, so a live `qg run` makes the removal
   * fail before it starts and no run starts while it goes on.
   */
  readonly hold?: (runs: readonly string[]) => () => void;
}

/** What {@link removeRuns} removed. */
export interface RunRemovalResult {
  readonly runs: number;
  readonly datasets: number;
  readonly files: FileDeletion;
}

/** Removes the planned runs: their registrations in one transaction, then their files. */
export async function removeRuns(repo: Repository, plan: RunRemovalPlan, options: RunRemovalOptions = {}): Promise<RunRemovalResult> {
  const registry = repo.registry;
  const db = registry.db;
  if (!plan.runs.length) return { runs: 0, datasets: 0, files: { deleted: 0, kept: [] } };
  const release = options.hold?.(plan.runs.map((r) => r.name)) ?? (() => {});
  let result: RunRemovalResult;
  try {
    const removedIds = new Set(plan.runs.map((r) => r.id));
    const nameOf = new Map(plan.runs.map((r) => [r.id, r.name]));
    const { datasets, files } = await registry.transaction(async (tx) => {
      const files: OrphanedFile[] = [];
      let datasets = 0;
      for (const chunk of chunked(plan.runs.map((r) => r.id))) {
        const marks = chunk.map(() => '?').join(', ');
        for (const [path, run] of await db.selectArrays(tx, db.placeholders(
          `SELECT r.path, d.run_id FROM ${q('datastore_record')} r JOIN ${q('dataset')} d ON d.id = r.dataset_id WHERE d.run_id IN (${marks})`), chunk)) {
          files.push({ path: String(path), run: nameOf.get(Number(run))! });
        }
      }
      // Out of the chains first (a chain entry holds its child), each parent rewritten once.
      const parents = new Set(plan.runs.flatMap((r) => r.parents));
      for (const parent of parents) {
        const children = await registry.collections.getChain(parent, tx);
        const kept: string[] = [];
        for (const c of children) if (!removedIds.has((await registry.collections.get(c, tx)).id)) kept.push(c);
        await registry.collections.setChain(parent, kept, tx);
      }
      for (const chunk of chunked(plan.runs.map((r) => r.id))) {
        const marks = chunk.map(() => '?').join(', ');
        // Tag, calibration and file rows of the datasets go with them (ON DELETE CASCADE).
        datasets += await db.execute(tx, db.placeholders(`DELETE FROM ${q('dataset')} WHERE run_id IN (${marks})`), chunk);
        await db.execute(tx, db.placeholders(`DELETE FROM ${q('collection')} WHERE collection_id IN (${marks})`), chunk);
      }
      return { datasets, files };
    });
    registry.collections.invalidate();
    result = { runs: plan.runs.length, datasets, files: await deleteUnnamedFiles(repo, files) };
  } finally {
    release();
  }
  // With the hold (the lock file) gone, a run folder left empty goes too.
  for (const r of plan.runs) {
    try {
      rmdirSync(repo.datastore.pathOf({ path: runFolder(r.name) }));
    } catch { /* not empty, gone, or a name without a folder */ }
  }
  return result;
}
