/**
 * The demo's own-task step: the per-visit summaries that the command task of
 * pipelines/examples/visit-stats.yaml wrote (its script read the calexp headers), one row per
 * visit, as the registry and the datastore hold them.
 */
import { Repository } from '../../registry/index.js';
import { formatTable } from './output.js';

/** What visit-stats.mjs writes (the fields shown). */
interface VisitStats {
  readonly visit: number;
  readonly band: string;
  readonly detectors: number;
  readonly psfSigma: { readonly median: number; readonly min: number; readonly max: number };
  readonly magZero: { readonly median: number };
  readonly sources: number;
  readonly matches: number;
}

/** Prints the `visitStats` datasets of `collection`, by visit. */
export async function printVisitStats(repoRoot: string, collection: string, out: (line: string) => void = (line) => console.log(line)): Promise<void> {
  const repo = await Repository.open(repoRoot);
  try {
    const refs = await repo.registry.datasets.query('visitStats', [collection], repo.registry.knex, { findFirst: true });
    const stats: VisitStats[] = [];
    for (const ref of refs) stats.push((await repo.get(ref)) as VisitStats);
    stats.sort((a, b) => a.visit - b.visit);
    out(formatTable(['visit', 'band', 'detectors', 'PSF sigma px (min-max)', 'zero point', 'sources', 'matched'], stats.map((s) => [
      s.visit, s.band, s.detectors, `${s.psfSigma.median.toFixed(3)} (${s.psfSigma.min.toFixed(3)}-${s.psfSigma.max.toFixed(3)})`,
      s.magZero.median.toFixed(3), s.sources, s.matches,
    ])));
  } finally {
    await repo.close();
  }
}
