/** Public surface of the planner: building, the graph model and its file. */
import type { Repository } from '../registry/index.js';
import type { BuildResult, BuildSpec } from './plan/quantum-graph-builder.js';
import type { Diagnosis } from './diagnose/empty-graph-diagnosis.js';

export * from './errors.js';
export * from './graph/quantum-graph.js';
export { csrFromPairs, type Csr } from './graph/csr.js';
export type { BuildSpec, BuildResult } from './plan/quantum-graph-builder.js';
export { saveGraph, loadGraph, loadGraphOutline, graphToBytes, graphFromBytes, graphOutlineFromBytes, graphChecksum, GraphFileError } from './graph/graph-file.js';
export { selectQuanta, findQuantum, graphDimensions, quantumJsonLines, graphSummary, DATASET_SUMMARY_COLUMNS, type GraphSummary, type QuantumSelection } from './inspect/graph-views.js';
export { drawGraph, type DrawOptions } from './inspect/graph-drawing.js';
export { dataIdFilter } from './inspect/data-id-filter.js';
export type { Diagnosis } from './diagnose/empty-graph-diagnosis.js';

// Building and diagnosing import the registry's query system and the pipelines (with knex
// queries, YAML and graphlib); they load on first call, so reading and showing a graph
// (`qg show`, `qg run GRAPH`) does not pay for them.

/** Builds the quantum graph `spec` describes against `repo` (planner/plan/quantum-graph-builder.ts). */
export async function buildQuantumGraph(repo: Repository, spec: BuildSpec): Promise<BuildResult> {
  return (await import('./plan/quantum-graph-builder.js')).buildQuantumGraph(repo, spec);
}

/** Explains why building `spec` gives an empty graph, if it does (planner/diagnose/empty-graph-diagnosis.ts). */
export async function diagnoseBuild(repo: Repository, spec: BuildSpec, repoArg?: string): Promise<Diagnosis> {
  return (await import('./diagnose/empty-graph-diagnosis.js')).diagnoseBuild(repo, spec, repoArg);
}
