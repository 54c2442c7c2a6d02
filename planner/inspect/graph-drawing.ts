/**
 * DOT (Graphviz) and Mermaid drawings of a quantum graph: tasks and dataset types, or
 * selected quanta with their datasets, or selected quanta grouped (one node per task and
 * values of chosen dimensions) so that thousands of quanta fit in one readable drawing.
 */
import { EDGE_OUTPUT, EDGE_PREREQUISITE, type GraphConnection, type QuantumGraph } from '../graph/quantum-graph.js';
import { PlanningError } from '../errors.js';
import { suggest } from '../../registry/query/where/index.js';
import { graphDimensions } from './graph-views.js';

/** How to draw. */
export interface DrawOptions {
  readonly format: 'dot' | 'mermaid';
  /** The quanta to draw with their datasets; null draws tasks and dataset types. */
  readonly quanta: Int32Array | null;
  /** With `quanta`: one node per task (or dataset type) and values of these dimensions it has. */
  readonly groupBy?: readonly string[];
  /** Leave out every task's `<label>_config`, `_metadata` and `_log` datasets. */
  readonly hideStandard?: boolean;
  /** Data IDs as `detector=4 exposure=12` (default) or as bare values `4/12`. */
  readonly keyedLabels?: boolean;
  /** Add a legend of the node and edge kinds. */
  readonly legend?: boolean;
  /** Refuse to draw more nodes than this (default 500). */
  readonly maxNodes?: number;
}

type NodeKind = 'task' | 'dataset';

/** Nodes and links collected once (keys are node ids: letters, digits, _), written in either language. */
class Drawing {
  private readonly nodes = new Map<string, { label: string; kind: NodeKind }>();
  private readonly links = new Map<string, { from: string; to: string; dashed: boolean }>();

  node(id: string, label: string, kind: NodeKind): void {
    if (!this.nodes.has(id)) this.nodes.set(id, { label, kind });
  }

  link(from: string, to: string, dashed = false): void {
    const key = `${from}>${to}`;
    if (!this.links.has(key)) this.links.set(key, { from, to, dashed });
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  dot(legend: boolean): string {
    const lines = ['digraph qg {', '  rankdir=LR;'];
    const shape = (kind: NodeKind) => (kind === 'task' ? 'box, style=filled, fillcolor="#dde8ff"' : 'ellipse');
    const text = (label: string) => `"${label.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
    for (const [id, n] of this.nodes) lines.push(`  ${id} [label=${text(n.label)}, shape=${shape(n.kind)}];`);
    for (const l of this.links.values()) lines.push(`  ${l.from} -> ${l.to}${l.dashed ? ' [style=dashed]' : ''};`);
    if (legend) {
      lines.push('  subgraph cluster_legend {', '    label="legend"; fontsize=10;',
        `    legend_task [label="task (quanta)", shape=${shape('task')}];`,
        `    legend_dataset [label="dataset type (datasets)", shape=${shape('dataset')}];`,
        '    legend_prerequisite [label="prerequisite input", shape=ellipse, style=dashed];',
        '    legend_dataset -> legend_task [label="input / output"];',
        '    legend_prerequisite -> legend_task [style=dashed];', '  }');
    }
    lines.push('}');
    return lines.join('\n');
  }

  mermaid(legend: boolean): string {
    const lines = ['flowchart LR'];
    const node = (id: string, label: string, kind: NodeKind) => {
      const text = `"${label.replace(/"/g, "'").replace(/\n/g, '<br>')}"`;
      return kind === 'task' ? `  ${id}[${text}]` : `  ${id}([${text}])`;
    };
    for (const [id, n] of this.nodes) lines.push(node(id, n.label, n.kind));
    for (const l of this.links.values()) lines.push(`  ${l.from} ${l.dashed ? '-.->' : '-->'} ${l.to}`);
    if (legend) {
      lines.push('  subgraph legend', node('legend_task', 'task (quanta)', 'task'), node('legend_dataset', 'dataset type (datasets)', 'dataset'),
        node('legend_prerequisite', 'prerequisite input', 'dataset'),
        '  legend_dataset -->|input / output| legend_task', '  legend_prerequisite -.-> legend_task', '  end');
    }
    return lines.join('\n');
  }
}

/** A node id for a task label or dataset type name (those are identifiers already, bar '.' or '-'). */
function safeId(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}

/** True for a task's `<label>_config/_metadata/_log` connection (every task has them). */
export function isStandardConnection(g: QuantumGraph, c: GraphConnection): boolean {
  return (c.name === 'config' || c.name === 'metadata' || c.name === 'log') && g.datasetTypes[c.datasetType]!.name === `${g.tasks[c.task]!.label}_${c.name}`;
}

/** A data ID as text: `detector=4 exposure=12`, or `4/12` without keys. */
export function dataIdLabel(dataId: Readonly<Record<string, string | number>>, keyed: boolean): string {
  return keyed ? Object.entries(dataId).map(([k, v]) => `${k}=${v}`).join(' ') : Object.values(dataId).join('/');
}

/** Draws `g` as `options` say. */
export function drawGraph(g: QuantumGraph, options: DrawOptions): string {
  const drawing = new Drawing();
  const shown = (c: GraphConnection) => !(options.hideStandard && isStandardConnection(g, c));
  if (!options.quanta) drawTasks(g, drawing, shown);
  else if (options.groupBy) drawGroups(g, drawing, options.quanta, options.groupBy, shown, options.keyedLabels ?? true);
  else drawQuanta(g, drawing, options.quanta, shown, options.keyedLabels ?? true);
  const maxNodes = options.maxNodes ?? 500;
  if (drawing.nodeCount > maxNodes) {
    throw new PlanningError(`the drawing would have ${drawing.nodeCount} nodes; draw at most ${maxNodes} ` +
      '(narrow with --task/--where/--upstream/--downstream, or group quanta with --group-by)', 'SHOW_TOO_MANY');
  }
  return options.format === 'dot' ? drawing.dot(options.legend ?? false) : drawing.mermaid(options.legend ?? false);
}

/** Tasks and dataset types, linked by connections. */
function drawTasks(g: QuantumGraph, drawing: Drawing, shown: (c: GraphConnection) => boolean): void {
  const taskId = (t: number) => `task_${safeId(g.tasks[t]!.label)}`, typeId = (t: number) => `ds_${safeId(g.datasetTypes[t]!.name)}`;
  g.tasks.forEach((t, i) => drawing.node(taskId(i), `${t.label}\n${t.quantumCount} quanta`, 'task'));
  const connections = g.connections.filter(shown);
  for (const c of connections) drawing.node(typeId(c.datasetType), g.datasetTypes[c.datasetType]!.name, 'dataset');
  for (const c of connections) link(drawing, c, taskId(c.task), typeId(c.datasetType));
}

/** Each selected quantum and each dataset it reads or writes. */
function drawQuanta(g: QuantumGraph, drawing: Drawing, quanta: Int32Array, shown: (c: GraphConnection) => boolean, keyed: boolean): void {
  const { offsets, edges } = g.edgesByQuantum();
  for (const q of quanta) {
    drawing.node(`q${q}`, `${g.tasks[g.taskOf(q)]!.label}\n${dataIdLabel(g.quantumDataId(q), keyed)}`, 'task');
    for (let i = offsets[q]!; i < offsets[q + 1]!; i++) {
      const e = edges[i]!;
      const c = g.connections[g.edgeConnections[e]!]!;
      if (!shown(c)) continue;
      const d = g.edgeDatasets[e]!;
      drawing.node(`d${d}`, `${g.datasetTypes[g.typeOf(d)]!.name}\n${dataIdLabel(g.datasetDataId(d), keyed)}`, 'dataset');
      link(drawing, c, `q${q}`, `d${d}`);
    }
  }
}

/**
 * One node per task and values of the `groupBy` dimensions the task has (one per task when it
 * has none of them), likewise for datasets, each labelled with how many it stands for.
 */
function drawGroups(g: QuantumGraph, drawing: Drawing, quanta: Int32Array, groupBy: readonly string[], shown: (c: GraphConnection) => boolean, keyed: boolean): void {
  const dimensions = graphDimensions(g);
  for (const name of groupBy) {
    if (!dimensions.includes(name)) throw new PlanningError(`cannot group by '${name}': no data ID of this graph has it${suggest(name, dimensions)} (its dimensions: ${[...dimensions].sort().join(', ')})`, 'SHOW_GROUP_BY');
  }
  const byImplied = groupBy.some((k) => g.implied.dimensions.includes(k));
  const groupOf = (name: string, stored: Readonly<Record<string, string | number>>) => {
    const dataId = byImplied ? g.implied.expand(stored) : stored;
    const values = Object.fromEntries(groupBy.filter((k) => k in dataId).map((k) => [k, dataId[k]!]));
    const text = dataIdLabel(values, keyed);
    return { key: `${name} ${text}`, label: text ? `${name}\n${text}` : name };
  };
  // Group keys hold arbitrary values: nodes get numbered ids (g0, g1, ...) instead.
  const groups = new Map<string, { id: string; label: string; kind: NodeKind; count: number }>();
  const add = (group: { key: string; label: string }, kind: NodeKind) => {
    let m = groups.get(group.key);
    if (!m) groups.set(group.key, (m = { id: `g${groups.size}`, label: group.label, kind, count: 0 }));
    m.count++;
    return m.id;
  };
  const datasetGroup = new Map<number, string>();
  const links: [GraphConnection, string, string][] = [];
  const { offsets, edges } = g.edgesByQuantum();
  for (const q of quanta) {
    const quantumNode = add(groupOf(g.tasks[g.taskOf(q)]!.label, g.quantumDataId(q)), 'task');
    for (let i = offsets[q]!; i < offsets[q + 1]!; i++) {
      const e = edges[i]!;
      const c = g.connections[g.edgeConnections[e]!]!;
      if (!shown(c)) continue;
      const d = g.edgeDatasets[e]!;
      let datasetNode = datasetGroup.get(d);
      if (datasetNode === undefined) datasetGroup.set(d, (datasetNode = add(groupOf(g.datasetTypes[g.typeOf(d)]!.name, g.datasetDataId(d)), 'dataset')));
      links.push([c, quantumNode, datasetNode]);
    }
  }
  const noun = (m: { kind: NodeKind; count: number }) => (m.kind === 'task' ? (m.count === 1 ? 'quantum' : 'quanta') : m.count === 1 ? 'dataset' : 'datasets');
  for (const m of groups.values()) drawing.node(m.id, `${m.label}\n(${m.count} ${noun(m)})`, m.kind);
  for (const [c, quantumNode, datasetNode] of links) link(drawing, c, quantumNode, datasetNode);
}

/** An output goes from the task to the dataset; an input the other way (dashed if prerequisite). */
function link(drawing: Drawing, c: GraphConnection, taskKey: string, datasetKey: string): void {
  if (c.direction === EDGE_OUTPUT) drawing.link(taskKey, datasetKey);
  else drawing.link(datasetKey, taskKey, c.direction === EDGE_PREREQUISITE);
}
