/**
 * The demo's check of the coadds a `qg run` of the drp pipeline wrote, against the simulator's
 * truth catalog: forced photometry at the truth positions of the bright, isolated stars
 * (pipelines/image/truth-comparison.ts) on every patch coadd.
 */
import { dirname } from 'node:path';
import type { DatasetRef, Exposure, Repository } from '../../registry/index.js';
import { compareToTruth, isColumnTable, type ColumnTable, type TruthStar } from '../../pipelines/index.js';
import { SIM_COLLECTIONS } from '../../pipelines/simulate/index.js';

/** One compared star with the coadd it was measured on. */
export interface ComparedStar extends TruthStar {
  readonly band: string;
  readonly patch: string;
}

/** What {@link compareCoaddFluxes} found. */
export interface CoaddFluxComparison {
  /** How many deepCoadd files each folder holds. */
  readonly folders: ReadonlyMap<string, number>;
  /** Whether the simulator's truth catalogs are there (without them nothing is compared). */
  readonly hasTruth: boolean;
  /** Coadds measured. */
  readonly coadds: number;
  /** Every compared star, brightest (true flux) first. */
  readonly stars: readonly ComparedStar[];
  /** Median measured/true flux ratio and centroid offset (px) over `stars`. */
  readonly medianRatio: number;
  readonly medianOffsetPx: number;
}

/** The `deepCoadd` datasets of `outputCollection` compared with the truth; null when there are none. */
export async function compareCoaddFluxes(repo: Repository, outputCollection: string): Promise<CoaddFluxComparison | null> {
  const knex = repo.registry.knex;
  const coaddRefs = await repo.registry.datasets.query('deepCoadd', [outputCollection], knex, { findFirst: true });
  if (coaddRefs.length === 0) return null;
  const folders = new Map<string, number>();
  for (const ref of coaddRefs) {
    const file = await repo.fileOf(ref);
    if (!file) continue;
    const folder = dirname(repo.datastore.pathOf(file));
    folders.set(folder, (folders.get(folder) ?? 0) + 1);
  }
  const truths = await truthCatalogs(repo);
  const stars: ComparedStar[] = [];
  let coadds = 0;
  const sorted = [...coaddRefs].sort((a, b) => order(a) - order(b) || String(a.dataId['band']).localeCompare(String(b.dataId['band'])));
  for (const ref of sorted) {
    const truth = truths.get(`${ref.dataId['skymap']}/${ref.dataId['tract']}`);
    if (!truth) continue;
    const band = String(ref.dataId['band']);
    const compared = compareToTruth((await repo.get(ref)) as Exposure, truth, band);
    coadds++;
    for (const s of compared.stars) stars.push({ ...s, band, patch: String(ref.dataId['patch']) });
  }
  return {
    folders, hasTruth: truths.size > 0, coadds, stars: stars.sort((a, b) => b.trueFlux - a.trueFlux),
    medianRatio: middle(stars.map((r) => r.ratio)), medianOffsetPx: middle(stars.map((r) => r.offsetPx)),
  };
}

/** The simulator's truth catalogs by `skymap/tract`. */
async function truthCatalogs(repo: Repository): Promise<Map<string, ColumnTable>> {
  const truths = new Map<string, ColumnTable>();
  for (const ref of await repo.registry.datasets.query('truth_cat', [SIM_COLLECTIONS.truth], repo.registry.knex)) {
    const table = await repo.get(ref);
    if (isColumnTable(table)) truths.set(`${ref.dataId['skymap']}/${ref.dataId['tract']}`, table);
  }
  return truths;
}

function order(ref: DatasetRef): number {
  return Number(ref.dataId['tract'] ?? 0) * 1e6 + Number(ref.dataId['patch'] ?? 0);
}

function middle(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;
}
