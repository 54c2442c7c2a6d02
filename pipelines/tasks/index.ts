/** The task library: task types by the name pipelines give in `class:`. */
import type { TaskDefinition } from '../core/connections.js';
import { DRP_TASKS } from './drp-tasks.js';

/** Every task type qg ships. */
export const TASK_LIBRARY: ReadonlyMap<string, TaskDefinition> = new Map(DRP_TASKS.map((t) => [t.name, t]));

export { DRP_TASKS };
