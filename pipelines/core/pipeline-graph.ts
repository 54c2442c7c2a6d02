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
  const labels = [...pipeline.tasks.keys()].sort();
  const { g, uses } = connectTasks(pipeline, labels);
  checkPrerequisitesNotProduced(uses);
  checkAcyclic(g, pipeline);
  const tasks = taskOrder(g, uses, labels, pipeline);
  const datasetTypes = new Map<string, DatasetTypeNode>([...uses.values()].map((n) => [n.name, {
    name: n.name, dimensions: n.first.dimensions, storageClass: n.first.storageClass, producer: n.producer,
    consumers: n.consumers, isPrerequisite: n.prerequisite, isCalibration: n.first.isCalibration === true, isInit: isInitConnection(n.first),
  }]));
  const unproduced = [...datasetTypes.values()].filter((d) => !d.producer && !d.isPrerequisite);
  const overallInputs = unproduced.filter((d) => !d.isInit).map((d) => d.name).sort();
  const overallInitInputs = unproduced.filter((d) => d.isInit).map((d) => d.name).sort();
  return { pipeline, tasks, datasetTypes, overallInputs, overallInitInputs };
}

type Digraph = InstanceType<typeof Graph>;

/** How the pipeline's tasks use one dataset type, gathered while the graph is built. */
interface DatasetUse {
  readonly name: string;
  /** The first connection to it (in label order), which the others must agree with. */
  readonly first: Connection;
  readonly firstTask: string;
  producer: string | null;
  readonly consumers: string[];
  prerequisite: boolean;
}

/** A per-run connection (init-input or init-output). */
const isInitConnection = (c: Connection) => c.kind === 'initInput' || c.kind === 'initOutput';

/** Connection `c` of task `t` and where it was declared, for messages. */
function describeConnection(pipeline: Pipeline, c: Connection, t: string): string {
  return `${t}.${c.name} (${pipeline.tasks.get(t)?.connectionSources?.get(c.name) ?? pipeline.tasks.get(t)?.source})`;
}

/** The graph of task and dataset-type nodes with an edge per connection (tasks in `labels` order), and how each dataset type is used; refuses a dataset type with two producers. */
function connectTasks(pipeline: Pipeline, labels: readonly string[]): { g: Digraph; uses: Map<string, DatasetUse> } {
  const g = new Graph({ directed: true });
  const uses = new Map<string, DatasetUse>();
  for (const label of labels) {
    g.setNode(nodeKey(taskNode(label)));
    for (const c of pipeline.tasks.get(label)!.connections) {
      let use = uses.get(c.datasetType);
      if (!use) {
        use = { name: c.datasetType, first: c, firstTask: label, producer: null, consumers: [], prerequisite: false };
        uses.set(c.datasetType, use);
        g.setNode(nodeKey(datasetNode(c.datasetType)));
      } else {
        checkAgrees(pipeline, use, c, label);
      }
      if (c.kind === 'output' || c.kind === 'initOutput') {
        if (use.producer) throw new PipelineError(`dataset type '${c.datasetType}' is produced by both '${use.producer}' and '${label}'`, 'PIPELINE_TWO_PRODUCERS');
        use.producer = label;
      } else {
        use.consumers.push(label);
        if (c.kind === 'prerequisite') use.prerequisite = true;
      }
      const edge = connectionEdge(label, c);
      g.setEdge(nodeKey(edge.from), nodeKey(edge.to));
    }
  }
  return { g, uses };
}

/** Refuses connection `c` of task `label` when it disagrees with the first one to its dataset type: dimensions, per-run or per-quantum, storage class. */
function checkAgrees(pipeline: Pipeline, use: DatasetUse, c: Connection, label: string): void {
  const describe = (conn: Connection, t: string) => describeConnection(pipeline, conn, t);
  const { first, firstTask } = use;
  if ([...first.dimensions].sort().join(',') !== [...c.dimensions].sort().join(',')) {
    throw new PipelineError(`dataset type '${c.datasetType}' has dimensions {${first.dimensions.join(', ')}} in ${describe(first, firstTask)} but {${c.dimensions.join(', ')}} in ${describe(c, label)}`, 'PIPELINE_DIMENSIONS');
  }
  if (isInitConnection(first) !== isInitConnection(c)) {
    const [init, initTask, quantum, quantumTask] = isInitConnection(c) ? [c, label, first, firstTask] : [first, firstTask, c, label];
    throw new PipelineError(`dataset type '${c.datasetType}' is a per-run (init) dataset in ${describe(init, initTask)} but a per-quantum one in ${describe(quantum, quantumTask)}`, 'PIPELINE_INIT');
  }
  if (!storageClassesCompatible(first.storageClass, c.storageClass)) {
    throw new PipelineError(`dataset type '${c.datasetType}' has storage class ${first.storageClass} in ${describe(first, firstTask)} but ${c.storageClass} in ${describe(c, label)}`, 'PIPELINE_STORAGE_CLASS');
  }
}

/** Refuses a prerequisite input that a task of the pipeline produces. */
function checkPrerequisitesNotProduced(uses: ReadonlyMap<string, DatasetUse>): void {
  for (const use of uses.values()) {
    if (use.prerequisite && use.producer) {
      throw new PipelineError(`'${use.name}' is a prerequisite input but task '${use.producer}' produces it; prerequisites must exist before the pipeline runs`, 'PIPELINE_PREREQUISITE_PRODUCED');
    }
  }
}

/** Refuses a graph with a cycle, naming one (and where its tasks were declared). */
function checkAcyclic(g: Digraph, pipeline: Pipeline): void {
  const cycles = alg.findCycles(g);
  if (!cycles.length) return;
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

/** The tasks in dependency order: Kahn's algorithm over task nodes with a sorted ready list, for a deterministic order. */
function taskOrder(g: Digraph, uses: ReadonlyMap<string, DatasetUse>, labels: readonly string[], pipeline: Pipeline): PipelineTask[] {
  const order: PipelineTask[] = [];
  const indegree = new Map(labels.map((l) => [l, 0]));
  const upstreamTasks = (label: string) => new Set((g.predecessors(nodeKey(taskNode(label))) ?? []).map((d) => uses.get(nodeOfKey(d).name)?.producer).filter((p): p is string => !!p));
  for (const l of labels) indegree.set(l, upstreamTasks(l).size);
  const ready = labels.filter((l) => indegree.get(l) === 0);
  while (ready.length) {
    ready.sort();
    const label = ready.shift()!;
    order.push(pipeline.tasks.get(label)!);
    for (const l of labels) {
      if (upstreamTasks(l).has(label)) {
        indegree.set(l, indegree.get(l)! - 1);
        if (indegree.get(l) === 0) ready.push(l);
      }
    }
  }
  return order;
}
