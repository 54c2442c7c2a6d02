/**
 * The demo's last look: where the patch coadds of the drp run are, and the brightest few
 * bright isolated stars with their true and measured fluxes in nJy (engine/demo/coadd-fluxes.ts
 * measures them).
 */
import { SIM_COLLECTIONS } from '../../pipelines/simulate/index.js';
import { compareCoaddFluxes } from '../demo/coadd-fluxes.js';
import { withRepository } from './commands/shared-options.js';
import { displayPath, formatTable } from './output.js';

/** Stars in the table. */
const ROWS = 8;

/**
 * Prints where the `deepCoadd` datasets of `outputCollection` are (folder and count), then
 * the brightest compared stars over all coadds (star id, band, patch, true and measured flux
 * in nJy, their ratio) and the median ratio and centroid offset over every compared star.
 */
export async function printCoaddFluxes(repoRoot: string, outputCollection: string): Promise<void> {
  const c = await withRepository(repoRoot, (repo) => compareCoaddFluxes(repo, outputCollection));
  if (!c) {
    console.log(`no deepCoadd datasets in collection '${outputCollection}'`);
    return;
  }
  for (const [folder, n] of c.folders) console.log(`${n} deepCoadd patch coadd${n === 1 ? '' : 's'} in ${displayPath(folder)}`);
  if (!c.hasTruth) {
    console.log(`no truth_cat in collection '${SIM_COLLECTIONS.truth}': nothing to compare with`);
    return;
  }
  if (c.stars.length === 0) {
    console.log(`no bright isolated truth stars inside the ${c.coadds} coadd(s) compared`);
    return;
  }
  const shown = c.stars.slice(0, ROWS);
  console.log('');
  console.log(`brightest ${shown.length} of ${c.stars.length} bright isolated stars in ${c.coadds} coadds (aperture flux at the truth position vs truth_cat):`);
  console.log(formatTable(['star', 'band', 'patch', 'true nJy', 'measured nJy', 'ratio'], [
    ...shown.map((r) => [r.id, r.band, r.patch, nJy(r.trueFlux), nJy(r.measuredFlux), r.ratio.toFixed(4)]),
    [`median of ${c.stars.length}`, '', '', '', '', c.medianRatio.toFixed(4)],
  ]));
  console.log(`median centroid offset from the truth position: ${c.medianOffsetPx.toFixed(3)} px`);
}

function nJy(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
