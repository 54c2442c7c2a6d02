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
