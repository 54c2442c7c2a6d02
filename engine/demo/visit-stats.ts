/**
 * The demo's own-task step: the per-visit summaries the two tasks of
 * pipelines/examples/visit-stats.yaml wrote, as the registry and the datastore hold them:
 * `visitStats` by a shell command (its script read the calexp headers), `visitPsf` by a
 * module (given the calexps by qg), whose median PSF sigma should agree.
 */
import type { Repository } from '../../registry/index.js';

/** What visit-stats.mjs writes (the fields the demo shows). */
export interface VisitStats {
  readonly visit: number;
  readonly band: string;
  readonly detectors: number;
  readonly psfSigma: { readonly median: number; readonly min: number; readonly max: number };
  readonly magZero: { readonly median: number };
  readonly sources: number;
  readonly matches: number;
}

/** What visit-psf.ts returns (the fields the demo shows). */
interface VisitPsf {
  readonly visit: number;
  readonly medianSigma: number;
}

/** One visit's summary by the command, with the module's median PSF sigma when it wrote one. */
export interface VisitSummary extends VisitStats {
  readonly moduleMedianSigma: number | undefined;
}

/** The `visitStats` of `collection` by visit, each with its `visitPsf`. */
export async function visitSummaries(repo: Repository, collection: string): Promise<VisitSummary[]> {
  const read = async <T>(type: string): Promise<T[]> => {
    const refs = await repo.registry.datasets.query(type, [collection], repo.registry.knex, { findFirst: true });
    return Promise.all(refs.map(async (ref) => (await repo.get(ref)) as T));
  };
  const stats = (await read<VisitStats>('visitStats')).sort((a, b) => a.visit - b.visit);
  const psf = new Map((await read<VisitPsf>('visitPsf')).map((p) => [p.visit, p.medianSigma]));
  return stats.map((s) => ({ ...s, moduleMedianSigma: psf.get(s.visit) }));
}
