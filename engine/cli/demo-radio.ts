/**
 * The radio demo's last look: each tile's beam and noise, then every bright isolated source's
 * true and mosaicked flux (engine/demo/radio-fluxes.ts measures them).
 */
import { compareRadioFluxes, radioTiles } from '../demo/radio-fluxes.js';
import { withRepository } from './commands/shared-options.js';
import { formatTable } from './output.js';

/** Prints the tiles' beams and noise, then every bright isolated source's true and mosaicked flux, from `collection`. */
export async function printRadioFluxes(repoRoot: string, collection: string): Promise<void> {
  await withRepository(repoRoot, async (repo) => {
    const tiles = await radioTiles(repo, collection);
    console.log(formatTable(['observation', 'beam (arcmin)', 'PA deg', 'rms mJy/beam', 'thermal mJy/beam', 'CLEAN iterations'], tiles.map(({ observation, header: h }) => [
      observation, `${(60 * h.getNumber('BMAJ')!).toFixed(2)} x ${(60 * h.getNumber('BMIN')!).toFixed(2)}`, h.getNumber('BPA')!.toFixed(1),
      (1000 * h.getNumber('RMSNOISE')!).toFixed(2), (1000 * h.getNumber('THERMRMS')!).toFixed(2), h.getNumber('NITER'),
    ])));
    const { sources, measured } = await compareRadioFluxes(repo, collection);
    console.log('');
    console.log(`${measured.length} bright isolated sources of ${sources} in the mosaics (restored peak, primary-beam corrected, vs the sky model):`);
    console.log(formatTable(['source', 'patch', 'true Jy', 'measured Jy', 'ratio', 'sigma mJy', 'offset arcmin'], measured.map((r) => [
      r.index, r.patch, r.trueFlux.toFixed(3), r.measured.peak.toFixed(3), (r.measured.peak / r.trueFlux).toFixed(4), (1000 * r.sigma).toFixed(1),
      r.offsetArcmin.toFixed(2),
    ])));
  });
}
