/**
 * Nodes and edges of the pipeline graph as typed values. The graph (graphlib) and the
 * drawings need string keys: `task:<label>` and `dataset:<name>`, so a task and a dataset
 * type may share a name. They are made and read back only here.
 */
import type { Connection, ConnectionKind } from './connections.js';

/** A task (by label) or a dataset type (by name). */
export interface PipelineNode {
  readonly kind: 'task' | 'dataset';
  readonly name: string;
}

/** A data-flow edge of one connection: task -> the type it writes, or type -> the task reading it. */
export interface PipelineEdge {
  readonly from: PipelineNode;
  readonly to: PipelineNode;
  readonly kind: ConnectionKind;
}

export function taskNode(label: string): PipelineNode {
  return { kind: 'task', name: label };
}

export function datasetNode(name: string): PipelineNode {
  return { kind: 'dataset', name };
}

/** The string key of `node`. */
export function nodeKey(node: PipelineNode): string {
  return `${node.kind}:${node.name}`;
}

/** The node of a key made by {@link nodeKey}. */
export function nodeOfKey(key: string): PipelineNode {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  if (kind !== 'task' && kind !== 'dataset') throw new Error(`not a pipeline node key: ${key}`);
  return { kind, name: key.slice(colon + 1) };
}

/** The edge of connection `c` of task `label` (outputs and init-outputs leave the task, the rest enter it). */
export function connectionEdge(label: string, c: Connection): PipelineEdge {
  const task = taskNode(label), type = datasetNode(c.datasetType);
  return c.kind === 'output' || c.kind === 'initOutput' ? { from: task, to: type, kind: c.kind } : { from: type, to: task, kind: c.kind };
}
