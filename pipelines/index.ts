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
// What `qg simulate` and the demo use of the image code and the simulators (light modules).
export { compareToTruth, isColumnTable, TanWcs, type ColumnTable, type TruthStar } from './image/index.js';
export { measureSources as measureRadioSources, type SourceMeasurement } from './radio/source-peaks.js';
export { SIM_COLLECTIONS, simulateRepository } from './simulate/simulate-repository.js';
export { SIMULATION_PROFILES, type ProfileName } from './simulate/profiles.js';
export { RADIO_PROFILE } from './simulate/radio-model.js';
export type { RadioSimulationSummary } from './simulate/radio-simulator.js';
// The radio simulator and gain calibration load h5wasm (WebAssembly, seconds from the sources):
// on first use only, so that `qg run` and the planner, which load this surface, do not pay for them.
/** pipelines/simulate/radio-simulator.ts (simulateRadioRepository, RADIO_COLLECTIONS). */
export const loadRadioSimulator = () => import('./simulate/radio-simulator.js');
/** pipelines/radio/calibrate-gains.ts (sourcesFromTable, ...). */
export const loadRadioCalibration = () => import('./radio/calibrate-gains.js');
