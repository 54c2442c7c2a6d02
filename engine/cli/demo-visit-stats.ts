/**
 * The demo's own-task step: the per-visit summaries the two tasks of
 * pipelines/examples/visit-stats.yaml wrote, one row per visit, as the registry and the
 * datastore hold them: `visitStats` by a shell command (its script read the calexp headers),
 * `visitPsf` by a module (given the calexps by qg), whose median PSF sigma should agree.
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

/** What visit-psf.ts returns (the fields shown). */
interface VisitPsf {
  readonly visit: number;
  readonly medianSigma: number;
}

/** Prints the `visitStats` and `visitPsf` datasets of `collection`, by visit. */
export async function printVisitStats(repoRoot: string, collection: string, out: (line: string) => void = (line) => console.log(line)): Promise<void> {
  const repo = await Repository.open(repoRoot);
  try {
    const read = async <T>(type: string): Promise<T[]> => {
      const refs = await repo.registry.datasets.query(type, [collection], repo.registry.knex, { findFirst: true });
      return Promise.all(refs.map(async (ref) => (await repo.get(ref)) as T));
    };
    const stats = (await read<VisitStats>('visitStats')).sort((a, b) => a.visit - b.visit);
    const psf = new Map((await read<VisitPsf>('visitPsf')).map((p) => [p.visit, p.medianSigma]));
    out('');
    out(formatTable(['visit', 'band', 'detectors', 'PSF sigma px (min-max)', 'same, by module', 'zero point', 'sources', 'matched'], stats.map((s) => [
      s.visit, s.band, s.detectors, `${s.psfSigma.median.toFixed(3)} (${s.psfSigma.min.toFixed(3)}-${s.psfSigma.max.toFixed(3)})`,
      psf.get(s.visit)?.toFixed(3) ?? '-', s.magZero.median.toFixed(3), s.sources, s.matches,
    ])));
  } finally {
    await repo.close();
  }
}
