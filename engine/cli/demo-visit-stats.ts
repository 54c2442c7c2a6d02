/**
 * The demo's own-task step: one row per visit of what the shell command (`visitStats`) and
 * the module (`visitPsf`) of pipelines/examples/visit-stats.yaml wrote (engine/demo/visit-stats.ts reads them).
 */
import { visitSummaries } from '../demo/visit-stats.js';
import { withRepository } from './commands/shared-options.js';
import { formatTable } from './output.js';

/** Prints the `visitStats` and `visitPsf` datasets of `collection`, by visit. */
export async function printVisitStats(repoRoot: string, collection: string): Promise<void> {
  const visits = await withRepository(repoRoot, (repo) => visitSummaries(repo, collection));
  console.log('');
  console.log(formatTable(['visit', 'band', 'detectors', 'PSF sigma px (min-max)', 'same, by module', 'zero point', 'sources', 'matched'], visits.map((s) => [
    s.visit, s.band, s.detectors, `${s.psfSigma.median.toFixed(3)} (${s.psfSigma.min.toFixed(3)}-${s.psfSigma.max.toFixed(3)})`,
    s.moduleMedianSigma?.toFixed(3) ?? '-', s.magZero.median.toFixed(3), s.sources, s.matches,
  ])));
}
