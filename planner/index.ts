/** Public surface of the planner: building, the graph model and its file. */
export * from './errors.js';
export * from './graph/quantum-graph.js';
export { buildQuantumGraph, type BuildSpec, type BuildResult } from './build/quantum-graph-builder.js';
export { GRAPH_FORMAT_VERSION } from './build/graph-assembly.js';
export { saveGraph, loadGraph, graphToBytes, graphFromBytes, graphChecksum, GraphFileError } from './graph/graph-file.js';
export { selectQuanta, findQuantum, quantumJsonLines, graphSummary, drawGraph, DATASET_SUMMARY_COLUMNS, type QuantumSelection } from './inspect/graph-views.js';
export { dataIdFilter } from './inspect/data-id-filter.js';
export { diagnoseBuild, type Diagnosis } from './diagnose/empty-graph-diagnosis.js';
