/**
 * What the graph records of how each task runs, so that `qg run` needs no pipeline YAML: the
 * task's runner (its `run:` module or command) and which of its connections gather. And the
 * checks made before anything is planned, so that a graph that builds can run: every runner
 * loads (a module exporting `run`) or names only what its task has (a command template), and
 * every storage class a runnable task reads or writes has a formatter.
 */
import { runnerProblems, type PipelineGraph, type PipelineTask, type RunnerTarget, type TaskRunner } from '../../pipelines/index.js';
import { formattedStorageClasses, hasFormatter } from '../../registry/index.js';
import { PlanningError } from '../errors.js';
import type { GraphTask } from '../graph/quantum-graph.js';

/** The `runner` and `multiple` of the graph's record of `t`. */
export function taskExecution(t: PipelineTask): Pick<GraphTask, 'runner' | 'multiple'> {
  return { runner: t.definition.runner ?? null, multiple: t.connections.filter((c) => c.multiple).map((c) => c.name) };
}

/** Whether dataset type `type` is one the engine writes for task `label` (its metadata or log). */
function engineWritten(label: string, type: string): boolean {
  return type === `${label}_metadata` || type === `${label}_log`;
}

/** `t` as its runner's check sees it; `requiredOf` gives the data-ID keys of a list of dimensions. */
function runnerTarget(t: PipelineTask, runner: TaskRunner, requiredOf: (dimensions: readonly string[]) => readonly string[]): RunnerTarget {
  return {
    label: t.label, runner, dataIdKeys: requiredOf(t.definition.dimensions), config: t.config,
    inputs: t.connections.filter((c) => c.kind === 'input' || c.kind === 'prerequisite').map((c) => c.name),
    outputs: t.connections.filter((c) => c.kind === 'output' && !engineWritten(t.label, c.datasetType)).map((c) => c.name),
  };
}

/**
 * Throws a PlanningError listing every problem, with its YAML location: a storage class of a
 * runnable task without a formatter (BUILD_NO_FORMATTER), then a runner that cannot run
 * (BUILD_TASK_RUNNER). Tasks without any `run` are only planned and not checked.
 */
export async function checkRunnable(g: PipelineGraph, requiredOf: (dimensions: readonly string[]) => readonly string[]): Promise<void> {
  const runnable = g.tasks.filter((t) => t.definition.runner || t.definition.run);
  const unformatted = runnable.flatMap((t) => t.connections.filter((c) => !hasFormatter(c.storageClass))
    .map((c) => `${t.connectionSources.get(c.name) ?? t.source}: ${t.label}.${c.name} (${c.datasetType}) has storage class ${c.storageClass}, which qg cannot read or write`));
  if (unformatted.length) {
    throw new PlanningError(`${unformatted.join('; ')} (storage classes with a formatter: ${formattedStorageClasses().join(', ')})`, 'BUILD_NO_FORMATTER');
  }
  const problems: string[] = [];
  for (const t of runnable) {
    const runner = t.definition.runner;
    if (runner) problems.push(...(await runnerProblems(runnerTarget(t, runner, requiredOf))).map((p) => `${t.source}: ${p}`));
  }
  if (problems.length) throw new PlanningError(problems.join('; '), 'BUILD_TASK_RUNNER');
}
