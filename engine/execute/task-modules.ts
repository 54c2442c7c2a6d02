/**
 * Task libraries as modules: the shipped one (pipelines/) plus any module that exports
 * `TASK_LIBRARY` (a map from class name to task definition), such as a test's no-op tasks.
 * Modules are named by path or URL so that worker threads can load them too.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TaskDefinition } from '../../pipelines/index.js';
// The task runners' surface, as in quantum-executor.ts: worker threads load this module.
import { importModule, prepareImport } from '../../pipelines/core/index.js';
import { EngineError } from '../errors.js';

/** A module named by a path (relative to the working directory) or a URL, as a URL. */
export function taskModuleUrl(spec: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(spec) && !/^[a-z]:[\\/]/i.test(spec)) return spec;
  return pathToFileURL(isAbsolute(spec) ? spec : resolve(spec)).href;
}

/**
 * The shipped library (pipelines/tasks: the task types without the YAML loader) merged with
 * the `TASK_LIBRARY` of each module (later modules win).
 */
export async function loadTaskLibrary(modules: readonly string[]): Promise<ReadonlyMap<string, TaskDefinition>> {
  // a literal specifier, so that compiled qg finds the shipped tasks in its bundle
  const library = new Map<string, TaskDefinition>((await import('../../pipelines/tasks/index.js')).TASK_LIBRARY);
  for (const spec of modules) {
    const url = taskModuleUrl(spec);
    let mod: { TASK_LIBRARY?: unknown };
    try {
      await prepareImport(url);
      mod = await importModule<{ TASK_LIBRARY?: unknown }>(url);
    } catch (e) {
      throw new EngineError(`cannot load task module ${spec}: ${(e as Error).message}`, 'TASK_MODULE');
    }
    if (!(mod.TASK_LIBRARY instanceof Map)) throw new EngineError(`task module ${spec} does not export TASK_LIBRARY (a Map from class name to task definition)`, 'TASK_MODULE');
    for (const [name, def] of mod.TASK_LIBRARY as Map<string, TaskDefinition>) library.set(name, def);
  }
  return library;
}
