/** Public surface of pipelines/: the connection model, task declarations, task library, pipeline YAML and graph. */
export * from './core/connections.js';
export * from './core/pipeline-errors.js';
export * from './core/storage-classes.js';
export * from './core/task-declarations.js';
export * from './core/pipeline-loader.js';
export * from './core/pipeline-graph.js';
export * from './core/pipeline-views.js';
export * from './core/pipeline-check.js';
export * from './core/task-runners.js';
export * from './tasks/index.js';
// What the demo uses of the image and radio code, each from its own module: the libraries'
// indexes load all of them (~100 KB, ~10 ms of every start). The simulators: pipelines/simulate.
export { compareToTruth, type TruthStar } from './image/truth-comparison.js';
export { isColumnTable, type ColumnTable } from './image/reference-catalog.js';
export { TanWcs } from './image/tan-wcs.js';
export { measureSources as measureRadioSources, type SourceMeasurement } from './radio/source-peaks.js';
// Gain calibration loads h5wasm (WebAssembly, seconds from the sources): on first use only,
// so that `qg run` and the planner, which load this surface, do not pay for it.
/** pipelines/radio/calibrate-gains.ts (sourcesFromTable, ...). */
export const loadRadioCalibration = () => import('./radio/calibrate-gains.js');
