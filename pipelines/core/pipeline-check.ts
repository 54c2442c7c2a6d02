/**
 * A pipeline graph checked against what a repository defines (`qg pipeline check`): every
 * dimension known to its universe, every registered dataset type agreeing on dimensions and
 * storage class (convertible ones allowed), every overall input, init-input and prerequisite
 * registered, the instrument known. Pure: the repository comes in as a small view, so the
 * check runs on literal data in tests. Problems point at the YAML line of the connection.
 */
import type { PipelineGraph } from './pipeline-graph.js';
import { storageClassesCompatible } from './storage-classes.js';

/** What the check needs to know about a repository. */
export interface RepositoryView {
  /** Dimension names of its universe. */
  readonly dimensions: ReadonlySet<string>;
  /** The required dimensions that `dimensions` (all known) stand for, e.g. {visit} -> {instrument, visit}. */
  readonly normalize: (dimensions: readonly string[]) => readonly string[];
  /** Registered dataset types by name, with their required dimensions. */
  readonly datasetTypes: ReadonlyMap<string, { readonly dimensions: readonly string[]; readonly storageClass: string }>;
  /** Registered instrument names (absent: not checked). */
  readonly instruments?: readonly string[];
}

/** One problem, at a YAML location, with a stable code. */
export interface PipelineProblem {
  /** `file:line (key.path)` of the task or connection. */
  readonly where: string;
  readonly code: 'PIPELINE_UNKNOWN_DIMENSION' | 'PIPELINE_REGISTRY_DIMENSIONS' | 'PIPELINE_REGISTRY_STORAGE_CLASS' | 'PIPELINE_INPUT_UNREGISTERED' | 'PIPELINE_UNKNOWN_INSTRUMENT';
  readonly message: string;
}

/** Every problem of `g` against `repo`, in task order (none: the pipeline fits the repository). */
export function checkPipeline(g: PipelineGraph, repo: RepositoryView): PipelineProblem[] {
  const problems: PipelineProblem[] = [];
  const key = (d: readonly string[]) => [...repo.normalize(d)].sort().join(',');
  const unknown = (d: readonly string[]) => d.filter((x) => !repo.dimensions.has(x));
  const inputs = new Set([...g.overallInputs, ...g.overallInitInputs, ...[...g.datasetTypes.values()].filter((d) => d.isPrerequisite).map((d) => d.name)]);
  const reported = new Set<string>();
  if (g.pipeline.instrument && repo.instruments && !repo.instruments.includes(g.pipeline.instrument)) {
    const where = g.pipeline.instrumentSource ?? g.pipeline.source;
    problems.push({ where, code: 'PIPELINE_UNKNOWN_INSTRUMENT', message: `instrument '${g.pipeline.instrument}' is not registered (instruments: ${repo.instruments.join(', ') || 'none'})` });
  }
  for (const t of g.tasks) {
    const bad = unknown(t.definition.dimensions);
    if (bad.length) problems.push({ where: t.source, code: 'PIPELINE_UNKNOWN_DIMENSION', message: `task '${t.label}' has unknown dimension(s) ${bad.join(', ')}` });
    for (const c of t.connections) {
      const where = t.connectionSources.get(c.name) ?? t.source;
      const what = `${t.label}.${c.name} (${c.datasetType})`;
      const badC = unknown(c.dimensions);
      if (badC.length) {
        problems.push({ where, code: 'PIPELINE_UNKNOWN_DIMENSION', message: `${what} has unknown dimension(s) ${badC.join(', ')}` });
        continue;
      }
      const registered = repo.datasetTypes.get(c.datasetType);
      if (!registered) {
        if (inputs.has(c.datasetType) && !reported.has(c.datasetType)) {
          reported.add(c.datasetType);
          const role = g.datasetTypes.get(c.datasetType)?.isPrerequisite ? 'a prerequisite input' : g.overallInitInputs.includes(c.datasetType) ? 'an overall init-input' : 'an overall input';
          problems.push({ where, code: 'PIPELINE_INPUT_UNREGISTERED', message: `${what} is ${role} of the pipeline but '${c.datasetType}' is not registered in the repository` });
        }
        continue;
      }
      if (key(c.dimensions) !== key(registered.dimensions)) {
        problems.push({ where, code: 'PIPELINE_REGISTRY_DIMENSIONS', message: `${what} has dimensions {${repo.normalize(c.dimensions).join(', ')}} but the repository registers '${c.datasetType}' with {${registered.dimensions.join(', ')}}` });
      }
      if (!storageClassesCompatible(c.storageClass, registered.storageClass)) {
        problems.push({ where, code: 'PIPELINE_REGISTRY_STORAGE_CLASS', message: `${what} has storage class ${c.storageClass} but the repository registers '${c.datasetType}' with ${registered.storageClass}, and the two are not convertible` });
      }
    }
  }
  return problems;
}
