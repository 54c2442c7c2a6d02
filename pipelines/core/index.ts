/**
 * Public surface of the task runners alone: loading a task's `run` function or TypeScript
 * module and expanding a command template. Worker threads load this instead of
 * pipelines/index.js, which brings the task library and the pipeline loader (~230 ms).
 */
export { configWords, expandCommand, loadTaskRun, type CommandPlaceholder, type TaskRunFunction } from './task-runners.js';
export { prepareImport } from './typescript-import.js';
export { importModule } from './module-import.js';
