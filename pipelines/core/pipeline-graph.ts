/**
 * The pipeline graph: tasks and dataset types as nodes (keys `task:<label>` and
 * `dataset:<name>`, so a task and a dataset type may share a name), edges in data-flow
 * direction. Built with graphlib (a few hundred nodes at most) and checked: cycles, a
 * dataset type produced twice, producers and consumers disagreeing on dimensions or storage
 * class, prerequisites produced inside the pipeline.
 */
import graphlib from '@dagrejs/graphlib';
import type { Connection } from './connections.js';
import type { Pipeline, PipelineTask } from './pipeline-loader.js';
import { PipelineError } from './pipeline-errors.js';

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
}

/** The checked graph of a pipeline. */
export interface PipelineGraph {
  readonly pipeline: Pipeline;
  /** Tasks in dependency order (ties broken by label). */
  readonly tasks: readonly PipelineTask[];
  readonly datasetTypes: ReadonlyMap<string, DatasetTypeNode>;
  /** Regular inputs nothing in the pipeline produces. */
  readonly overallInputs: readonly string[];
}

/** Builds and checks the graph of `pipeline`. */
export function buildPipelineGraph(pipeline: Pipeline): PipelineGraph {
  if (pipeline.tasks.size === 0) throw new PipelineError(`pipeline ${pipeline.source} selects no tasks`, 'PIPELINE_EMPTY');
  const g = new Graph({ directed: true });
  const nodes = new Map<string, { name: string; first: Connection; firstTask: string; producer: string | null; consumers: string[]; prerequisite: boolean }>();
  const describe = (c: Connection, t: string) => `${t}.${c.name}`;
  const labels = [...pipeline.tasks.keys()].sort();
  for (const label of labels) {
    const task = pipeline.tasks.get(label)!;
    g.setNode(`task:${label}`);
    for (const c of task.connections) {
      if (c.kind === 'initInput') continue;
      const key = `dataset:${c.datasetType}`;
      let node = nodes.get(c.datasetType);
      if (!node) {
        node = { name: c.datasetType, first: c, firstTask: label, producer: null, consumers: [], prerequisite: false };
        nodes.set(c.datasetType, node);
        g.setNode(key);
      } else {
        if ([...node.first.dimensions].sort().join(',') !== [...c.dimensions].sort().join(',')) {
          throw new PipelineError(`dataset type '${c.datasetType}' has dimensions {${node.first.dimensions.join(', ')}} in ${describe(node.first, node.firstTask)} but {${c.dimensions.join(', ')}} in ${describe(c, label)}`, 'PIPELINE_DIMENSIONS');
        }
        if (node.first.storageClass !== c.storageClass && !compatibleStorage(node.first.storageClass, c.storageClass)) {
          throw new PipelineError(`dataset type '${c.datasetType}' has storage class ${node.first.storageClass} in ${describe(node.first, node.firstTask)} but ${c.storageClass} in ${describe(c, label)}`, 'PIPELINE_STORAGE_CLASS');
        }
      }
      if (c.kind === 'output' || c.kind === 'initOutput') {
        if (node.producer) throw new PipelineError(`dataset type '${c.datasetType}' is produced by both '${node.producer}' and '${label}'`, 'PIPELINE_TWO_PRODUCERS');
        node.producer = label;
        g.setEdge(`task:${label}`, key);
      } else {
        node.consumers.push(label);
        if (c.kind === 'prerequisite') node.prerequisite = true;
        g.setEdge(key, `task:${label}`);
      }
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
    throw new PipelineError(`the pipeline has a cycle: ${[...cycle, cycle[0]].join(' -> ')}`, 'PIPELINE_CYCLE');
  }
  // Kahn's algorithm over task nodes with a sorted ready list, for a deterministic order.
  const taskOrder: PipelineTask[] = [];
  const indegree = new Map(labels.map((l) => [l, 0]));
  const upstreamTasks = (label: string) => new Set((g.predecessors(`task:${label}`) ?? []).map((d) => nodes.get(d.slice(8))?.producer).filter((p): p is string => !!p));
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
    consumers: n.consumers, isPrerequisite: n.prerequisite, isCalibration: n.first.isCalibration === true,
  }]));
  const overallInputs = [...datasetTypes.values()].filter((d) => !d.producer && !d.isPrerequisite).map((d) => d.name).sort();
  return { pipeline, tasks: taskOrder, datasetTypes, overallInputs };
}

/** Raw frames are read as plain exposures: the two storage classes name the same thing on disk. */
function compatibleStorage(a: string, b: string): boolean {
  const exposure = new Set(['Exposure', 'ExposureF']);
  return exposure.has(a) && exposure.has(b);
}
