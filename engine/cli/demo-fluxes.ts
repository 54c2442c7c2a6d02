/**
 * The demo's last look: the patch coadds a `qg run` of the drp pipeline wrote, checked
 * against the simulator's truth catalog - forced photometry at the truth positions of the
 * bright, isolated stars (pipelines/image/truth-comparison.ts), the brightest few printed
 * with their true and measured fluxes in nJy.
 */
import { dirname } from 'node:path';
import { Repository, type DatasetRef, type Exposure } from '../../registry/index.js';
import { SIM_COLLECTIONS, compareToTruth, isColumnTable, type ColumnTable, type TruthStar } from '../../pipelines/index.js';
import { formatTable } from './output.js';

/** Options of {@link printCoaddFluxes}. */
export interface CoaddFluxOptions {
  /** Stars in the table (default 8). */
  readonly rows?: number;
  /** Where lines go (default console.log). */
  readonly out?: (line: string) => void;
}

/** One compared star with the coadd it was measured on. */
interface Row extends TruthStar {
  readonly band: string;
  readonly patch: string;
}

/**
 * Prints where the `deepCoadd` datasets of `outputCollection` are (folder and count), then
 * the brightest compared stars over all coadds (star id, band, patch, true and measured flux
 * in nJy, their ratio) and the median ratio and centroid offset over every compared star.
 */
export async function printCoaddFluxes(repoRoot: string, outputCollection: string, options: CoaddFluxOptions = {}): Promise<void> {
  const out = options.out ?? ((line: string) => console.log(line));
  const repo = await Repository.open(repoRoot);
  try {
    const knex = repo.registry.knex;
    const coaddRefs = await repo.registry.datasets.query('deepCoadd', [outputCollection], knex, { findFirst: true });
    if (coaddRefs.length === 0) {
      out(`no deepCoadd datasets in collection '${outputCollection}'`);
      return;
    }
    const folders = new Map<string, number>();
    for (const ref of coaddRefs) {
      const file = await repo.fileOf(ref);
      if (!file) continue;
      const folder = dirname(repo.datastore.pathOf(file));
      folders.set(folder, (folders.get(folder) ?? 0) + 1);
    }
    for (const [folder, n] of folders) out(`${n} deepCoadd patch coadd${n === 1 ? '' : 's'} in ${folder}`);

    // Truth catalogs by (skymap, tract).
    const truths = new Map<string, ColumnTable>();
    for (const ref of await repo.registry.datasets.query('truth_cat', [SIM_COLLECTIONS.truth], knex)) {
      const table = await repo.get(ref);
      if (isColumnTable(table)) truths.set(`${ref.dataId['skymap']}/${ref.dataId['tract']}`, table);
    }
    if (truths.size === 0) {
      out(`no truth_cat in collection '${SIM_COLLECTIONS.truth}': nothing to compare with`);
      return;
    }

    const rows: Row[] = [];
    let compared = 0;
    const sorted = [...coaddRefs].sort((a, b) => order(a) - order(b) || String(a.dataId['band']).localeCompare(String(b.dataId['band'])));
    for (const ref of sorted) {
      const truth = truths.get(`${ref.dataId['skymap']}/${ref.dataId['tract']}`);
      if (!truth) continue;
      const band = String(ref.dataId['band']);
      const { stars } = compareToTruth((await repo.get(ref)) as Exposure, truth, band);
      compared++;
      for (const s of stars) rows.push({ ...s, band, patch: String(ref.dataId['patch']) });
    }
    if (rows.length === 0) {
      out(`no bright isolated truth stars inside the ${compared} coadd(s) compared`);
      return;
    }
    const n = options.rows ?? 8;
    const shown = [...rows].sort((a, b) => b.trueFlux - a.trueFlux).slice(0, n);
    const medianRatio = middle(rows.map((r) => r.ratio)), medianOffset = middle(rows.map((r) => r.offsetPx));
    out('');
    out(`brightest ${shown.length} of ${rows.length} bright isolated stars in ${compared} coadds (aperture flux at the truth position vs truth_cat):`);
    out(formatTable(['star', 'band', 'patch', 'true nJy', 'measured nJy', 'ratio'], [
      ...shown.map((r) => [r.id, r.band, r.patch, nJy(r.trueFlux), nJy(r.measuredFlux), r.ratio.toFixed(4)]),
      [`median of ${rows.length}`, '', '', '', '', medianRatio.toFixed(4)],
    ]));
    out(`median centroid offset from the truth position: ${medianOffset.toFixed(3)} px`);
  } finally {
    await repo.close();
  }
}

function order(ref: DatasetRef): number {
  return Number(ref.dataId['tract'] ?? 0) * 1e6 + Number(ref.dataId['patch'] ?? 0);
}

function nJy(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function middle(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1] ?? NaN;
}

