/**
 * The pipeline graph: tasks and dataset types as nodes (pipeline-nodes.ts: a task and a
 * dataset type may share a name), edges in data-flow
 * direction for every kind of connection (init-inputs and init-outputs included, so a task
 * reading another's init-output runs after it). Built with graphlib (a few hundred nodes at
 * most) and checked: cycles, a dataset type produced twice, producers and consumers
 * disagreeing on dimensions or storage class, prerequisites produced inside the pipeline, a
 * dataset type used both per run (init) and per quantum. Errors name the YAML lines.
 */
import graphlib from '@dagrejs/graphlib';
import type { Connection } from './connections.js';
import type { Pipeline, PipelineTask } from './pipeline-loader.js';
import { PipelineError } from './pipeline-errors.js';
import { connectionEdge, datasetNode, nodeKey, nodeOfKey, taskNode } from './pipeline-nodes.js';
import { storageClassesCompatible } from './storage-classes.js';

const { Graph, alg } = graphlib;

/** A dataset type as the pipeline sees it. */
export interface DatasetTypeNode {
  readonly name: string;
  readonly dimensions: readonly string[];
  readonly storageClass: string;
  /** Label of the producing task, if the pipeline produces it. */
  readonly producer: string | null;
  /** Labels of consuming tasks (inputs and prerequisites). */
  readonly consumers: readonly string[];
  readonly isPrerequisite: boolean;
  readonly isCalibration: boolean;
  /** A per-run dataset (read and written only through init-inputs and init-outputs). */
  readonly isInit: boolean;
}

/** The checked graph of a pipeline. */
export interface PipelineGraph {
  readonly pipeline: Pipeline;
  /** Tasks in dependency order (ties broken by label). */
  readonly tasks: readonly PipelineTask[];
  readonly datasetTypes: ReadonlyMap<string, DatasetTypeNode>;
  /** Regular inputs nothing in the pipeline produces. */
  readonly overallInputs: readonly string[];
  /** Init-inputs nothing in the pipeline produces. */
  readonly overallInitInputs: readonly string[];
}

/** Builds and checks the graph of `pipeline`. */
export function buildPipelineGraph(pipeline: Pipeline): PipelineGraph {
  if (pipeline.tasks.size === 0) throw new PipelineError(`pipeline ${pipeline.source} selects no tasks`, 'PIPELINE_EMPTY');
  const g = new Graph({ directed: true });
  const nodes = new Map<string, { name: string; first: Connection; firstTask: string; producer: string | null; consumers: string[]; prerequisite: boolean }>();
  const describe = (c: Connection, t: string) => `${t}.${c.name} (${pipeline.tasks.get(t)?.connectionSources?.get(c.name) ?? pipeline.tasks.get(t)?.source})`;
  const isInit = (c: Connection) => c.kind === 'initInput' || c.kind === 'initOutput';
  const labels = [...pipeline.tasks.keys()].sort();
  for (const label of labels) {
    const task = pipeline.tasks.get(label)!;
    g.setNode(nodeKey(taskNode(label)));
    for (const c of task.connections) {
      let node = nodes.get(c.datasetType);
      if (!node) {
        node = { name: c.datasetType, first: c, firstTask: label, producer: null, consumers: [], prerequisite: false };
        nodes.set(c.datasetType, node);
        g.setNode(nodeKey(datasetNode(c.datasetType)));
      } else {
        if ([...node.first.dimensions].sort().join(',') !== [...c.dimensions].sort().join(',')) {
          throw new PipelineError(`dataset type '${c.datasetType}' has dimensions {${node.first.dimensions.join(', ')}} in ${describe(node.first, node.firstTask)} but {${c.dimensions.join(', ')}} in ${describe(c, label)}`, 'PIPELINE_DIMENSIONS');
        }
        if (isInit(node.first) !== isInit(c)) {
          throw new PipelineError(`dataset type '${c.datasetType}' is a per-run (init) dataset in ${describe(isInit(c) ? c : node.first, isInit(c) ? label : node.firstTask)} but a per-quantum one in ${describe(isInit(c) ? node.first : c, isInit(c) ? node.firstTask : label)}`, 'PIPELINE_INIT');
        }
        if (!storageClassesCompatible(node.first.storageClass, c.storageClass)) {
          throw new PipelineError(`dataset type '${c.datasetType}' has storage class ${node.first.storageClass} in ${describe(node.first, node.firstTask)} but ${c.storageClass} in ${describe(c, label)}`, 'PIPELINE_STORAGE_CLASS');
        }
      }
      if (c.kind === 'output' || c.kind === 'initOutput') {
        if (node.producer) throw new PipelineError(`dataset type '${c.datasetType}' is produced by both '${node.producer}' and '${label}'`, 'PIPELINE_TWO_PRODUCERS');
        node.producer = label;
      } else {
        node.consumers.push(label);
        if (c.kind === 'prerequisite') node.prerequisite = true;
      }
      const edge = connectionEdge(label, c);
      g.setEdge(nodeKey(edge.from), nodeKey(edge.to));
    }
  }
  for (const node of nodes.values()) {
    if (node.prerequisite && node.producer) {
      throw new PipelineError(`'${node.name}' is a prerequisite input but task '${node.producer}' produces it; prerequisites must exist before the pipeline runs`, 'PIPELINE_PREREQUISITE_PRODUCED');
    }
  }
  const cycles = alg.findCycles(g);
  if (cycles.length) {
    // findCycles gives strongly connected components, not paths: walk one real cycle inside
    // the first component (from its smallest node, taking the smallest successor each step).
    const component = new Set(cycles[0]!);
    const path: string[] = [];
    const at = new Map<string, number>();
    let node = [...component].sort()[0]!;
    while (!at.has(node)) {
      at.set(node, path.push(node) - 1);
      node = (g.successors(node) ?? []).filter((n) => component.has(n)).sort()[0]!;
    }
    const cycle = path.slice(at.get(node));
    const declared = cycle.map(nodeOfKey).filter((n) => n.kind === 'task').map((n) => `${n.name} at ${pipeline.tasks.get(n.name)!.source}`);
    throw new PipelineError(`the pipeline has a cycle (${declared.join('; ')}): ${[...cycle, cycle[0]].join(' -> ')}`, 'PIPELINE_CYCLE');
  }
  // Kahn's algorithm over task nodes with a sorted ready list, for a deterministic order.
  const taskOrder: PipelineTask[] = [];
  const indegree = new Map(labels.map((l) => [l, 0]));
  const upstreamTasks = (label: string) => new Set((g.predecessors(nodeKey(taskNode(label))) ?? []).map((d) => nodes.get(nodeOfKey(d).name)?.producer).filter((p): p is string => !!p));
  for (const l of labels) indegree.set(l, upstreamTasks(l).size);
  const ready = labels.filter((l) => indegree.get(l) === 0);
  while (ready.length) {
    ready.sort();
    const label = ready.shift()!;
    taskOrder.push(pipeline.tasks.get(label)!);
    for (const l of labels) {
      if (upstreamTasks(l).has(label)) {
        indegree.set(l, indegree.get(l)! - 1);
        if (indegree.get(l) === 0) ready.push(l);
      }
    }
  }
  const datasetTypes = new Map<string, DatasetTypeNode>([...nodes.values()].map((n) => [n.name, {
    name: n.name, dimensions: n.first.dimensions, storageClass: n.first.storageClass, producer: n.producer,
    consumers: n.consumers, isPrerequisite: n.prerequisite, isCalibration: n.first.isCalibration === true, isInit: isInit(n.first),
  }]));
  const unproduced = [...datasetTypes.values()].filter((d) => !d.producer && !d.isPrerequisite);
  const overallInputs = unproduced.filter((d) => !d.isInit).map((d) => d.name).sort();
  const overallInitInputs = unproduced.filter((d) => d.isInit).map((d) => d.name).sort();
  return { pipeline, tasks: taskOrder, datasetTypes, overallInputs, overallInitInputs };
}
