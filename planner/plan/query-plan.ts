/** What the big data-ID query of a build covers: its dimensions and its dataset constraints. */
import type { DimensionGroup, DimensionUniverse } from '../../registry/index.js';
import type { PipelineGraph } from '../../pipelines/index.js';
import { PlanningError } from '../errors.js';

/** Every task's and regular dataset type's dimensions (prerequisites and skypix excluded). */
export function queryDimensions(g: PipelineGraph, universe: DimensionUniverse): DimensionGroup {
  const skypix = universe.skypix.name;
  const regular = [...g.datasetTypes.values()].filter((t) => !t.isPrerequisite);
  return universe.group([...g.tasks.flatMap((t) => t.definition.dimensions), ...regular.flatMap((t) => t.dimensions)].filter((d) => d !== skypix));
}

/**
 * Overall inputs that constrain the data-ID query (`--dataset-constraint all|off|list`). With
 * `all`, a type read by any connection with `deferConstraint` or `minimum: 0` (optional, as in
 * LSST's later pipe_base) is left out: quanta without it are then pruned, or kept.
 */
export function constrainingInputs(g: PipelineGraph, option: 'all' | 'off' | readonly string[]): string[] {
  const deferred = new Set(g.tasks.flatMap((t) => t.connections.filter((c) => c.deferConstraint || c.minimum === 0).map((c) => c.datasetType)));
  const candidates = g.overallInputs.filter((n) => !deferred.has(n));
  if (option === 'off') return [];
  if (option === 'all') return candidates;
  for (const n of option) if (!g.overallInputs.includes(n)) throw new PlanningError(`--dataset-constraint '${n}' is not an overall input of the pipeline (inputs: ${g.overallInputs.join(', ')})`, 'BUILD_CONSTRAINT');
  return [...option];
}
