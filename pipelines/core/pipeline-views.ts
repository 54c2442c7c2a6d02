/**
 * Views of an expanded pipeline graph (imports resolved, config applied), as `qg pipeline
 * show` prints them: summary rows (tasks with their connections, dataset types with producers
 * and consumers), the pipeline in its own YAML language (every task declared inline, so the
 * output loads back to the same connections), and DOT / Mermaid drawings of tasks and dataset
 * types. The per-task `<label>_config`, `<label>_metadata` and `<label>_log` datasets are left
 * out of the listings and drawings (every task has them); the summary counts them.
 */
import { dirname, relative } from 'node:path';
import { Document, isMap, isSeq, visit } from 'yaml';
import type { Connection, ConnectionKind } from './connections.js';
import type { DatasetTypeNode, PipelineGraph } from './pipeline-graph.js';
import { connectionEdge, datasetNode, nodeKey, taskNode, type PipelineEdge, type PipelineNode } from './pipeline-nodes.js';
import type { PipelineTask } from './pipeline-loader.js';
import { connectionGroupsOf, GROUP_NAMES, type ConnectionGroup } from './task-declarations.js';

/** Columns of a task's connection rows. */
export const PIPELINE_CONNECTION_COLUMNS: readonly string[] = ['kind', 'connection', 'dataset type', 'dimensions', 'storage class', 'flags'];
/** Columns of the dataset type rows. */
export const PIPELINE_DATASET_COLUMNS: readonly string[] = ['dataset type', 'dimensions', 'storage class', 'role', 'producer', 'consumers'];

/** One task of the summary. */
export interface TaskSummary {
  readonly label: string;
  readonly className: string;
  readonly dimensions: readonly string[];
  /** Where it is declared, relative to the pipeline file's folder. */
  readonly source: string;
  /** How it runs: `run()` of its module in the task library, `module PATH`, `command TEMPLATE`, or `(plan only)`. */
  readonly runs: string;
  /** Rows under PIPELINE_CONNECTION_COLUMNS, standard connections left out. */
  readonly connections: readonly (readonly string[])[];
}

/** What `qg pipeline show` prints by default. */
export interface PipelineSummary {
  readonly description: string;
  readonly instrument: string | undefined;
  readonly parameters: readonly (readonly [string, unknown])[];
  readonly files: readonly string[];
  readonly subsets: readonly (readonly [string, readonly string[], string])[];
  /** In dependency order. */
  readonly tasks: readonly TaskSummary[];
  /** Rows under PIPELINE_DATASET_COLUMNS, standard dataset types left out, by name. */
  readonly datasetTypes: readonly (readonly string[])[];
  /** How many `<label>_config/_metadata/_log` dataset types the rows leave out. */
  readonly standardTypes: number;
  readonly overallInputs: readonly string[];
  readonly overallInitInputs: readonly string[];
  readonly prerequisites: readonly string[];
}

const STANDARD = new Set(['config', 'metadata', 'log']);

/** True for the `<label>_config/_metadata/_log` connections every task has. */
export function isStandardConnection(task: PipelineTask, c: Connection): boolean {
  return STANDARD.has(c.name) && c.datasetType === `${task.label}_${c.name}` && !task.connectionSources.has(c.name);
}

function standardTypeNames(g: PipelineGraph): Set<string> {
  return new Set(g.tasks.flatMap((t) => t.connections.filter((c) => isStandardConnection(t, c)).map((c) => c.datasetType)));
}

const KIND_LABEL: Readonly<Record<ConnectionKind, string>> = { input: 'input', prerequisite: 'prerequisite', output: 'output', initInput: 'init-input', initOutput: 'init-output' };

function dims(list: readonly string[]): string {
  return `{${list.join(', ')}}`;
}

function flagsOf(c: Connection): string {
  return [
    c.multiple ? 'multiple' : '', c.minimum !== undefined ? `minimum=${c.minimum}` : '', c.deferConstraint ? 'deferGraphConstraint' : '',
    c.isCalibration ? 'calibration' : '', c.deferLoad ? 'deferLoad' : '',
  ].filter(Boolean).join(', ');
}

function runsOf(t: PipelineTask): string {
  const r = t.definition.runner;
  if (r && 'module' in r) return `module ${r.module}`;
  if (r && 'command' in r) return `command ${r.command}`;
  return t.definition.run ? 'run() from the task library' : '(plan only)';
}

function roleOf(d: DatasetTypeNode, g: PipelineGraph): string {
  if (d.isPrerequisite) return d.isCalibration ? 'prerequisite (calibration)' : 'prerequisite';
  if (g.overallInputs.includes(d.name)) return 'overall input';
  if (g.overallInitInputs.includes(d.name)) return 'overall init-input';
  if (d.isInit) return 'init';
  return d.consumers.length ? 'intermediate' : 'output';
}

/** A file or task source (`/abs/path/drp.yaml:6 (tasks.isr)`) with its path relative to the pipeline file's folder. */
function shortSource(g: PipelineGraph, source: string): string {
  const root = g.pipeline.files[0];
  if (!root) return source;
  const file = g.pipeline.files.find((f) => source === f || source.startsWith(`${f}:`) || source.startsWith(`${f} `));
  return file ? relative(dirname(root), file) + source.slice(file.length) : source;
}

/** The summary of an expanded pipeline. */
export function pipelineSummary(g: PipelineGraph): PipelineSummary {
  const standard = standardTypeNames(g);
  const p = g.pipeline;
  const order = new Map(g.tasks.map((t, i) => [t.label, i]));
  return {
    description: p.description, instrument: p.instrument, parameters: [...p.parameters], files: p.files.map((f) => shortSource(g, f)),
    subsets: [...p.subsets].map(([name, s]) => [name, s.labels, s.description] as const),
    tasks: g.tasks.map((t) => ({
      label: t.label, className: t.definition.name, dimensions: t.definition.dimensions, source: shortSource(g, t.source), runs: runsOf(t),
      connections: t.connections.filter((c) => !isStandardConnection(t, c)).map((c) => [KIND_LABEL[c.kind], c.name, c.datasetType, dims(c.dimensions), c.storageClass, flagsOf(c)]),
    })),
    datasetTypes: [...g.datasetTypes.values()].filter((d) => !standard.has(d.name)).sort((a, b) => a.name.localeCompare(b.name))
      .map((d) => [d.name, dims(d.dimensions), d.storageClass, roleOf(d, g), d.producer ?? '-', [...d.consumers].sort((a, b) => order.get(a)! - order.get(b)!).join(', ') || '-']),
    standardTypes: standard.size,
    overallInputs: g.overallInputs, overallInitInputs: g.overallInitInputs,
    prerequisites: [...g.datasetTypes.values()].filter((d) => d.isPrerequisite).map((d) => d.name).sort(),
  };
}

/**
 * The expanded pipeline in its own YAML language: description, instrument, parameters, every
 * task with its class, dimensions, merged config, connections (renames applied) and `run`,
 * and the subsets. Loading it gives the same tasks and connections.
 */
export function pipelineYaml(g: PipelineGraph): string {
  const p = g.pipeline;
  const tasks: Record<string, unknown> = {};
  for (const t of [...p.tasks.values()]) {
    const groups = connectionGroupsOf(t.connections.filter((c) => !isStandardConnection(t, c)));
    const entry: Record<string, unknown> = { class: t.definition.name, dimensions: [...t.definition.dimensions] };
    if (Object.keys(t.config).length) entry['config'] = { ...t.config };
    for (const group of GROUP_NAMES) if (Object.keys(groups[group]).length) entry[group] = groups[group];
    const r = t.definition.runner;
    if (r) entry['run'] = 'module' in r ? { module: r.module } : { command: r.command };
    tasks[t.label] = entry;
  }
  const root: Record<string, unknown> = { description: p.description };
  if (p.instrument) root['instrument'] = p.instrument;
  if (p.parameters.size) root['parameters'] = Object.fromEntries(p.parameters);
  root['tasks'] = tasks;
  const subsets = [...p.subsets].filter(([, s]) => s.labels.every((l) => p.tasks.has(l)));
  if (subsets.length) root['subsets'] = Object.fromEntries(subsets.map(([name, s]) => [name, { subset: [...s.labels], ...(s.description ? { description: s.description } : {}) }]));
  const doc = new Document(root);
  // Connections on one line each, and every list of plain values inline.
  visit(doc, {
    // path: document, root, `tasks` pair, tasks, label pair, task, group pair, group, name pair
    Map: (_, node, path) => {
      const keyOf = (i: number) => (path[i] as { key?: { value?: unknown } } | undefined)?.key?.value;
      if (path.length === 9 && keyOf(2) === 'tasks' && GROUP_NAMES.includes(keyOf(6) as ConnectionGroup)) node.flow = true;
    },
    Seq: (_, node) => {
      if (node.items.every((i) => !isMap(i) && !isSeq(i))) node.flow = true;
    },
  });
  return `# expanded from ${g.pipeline.source}\n${doc.toString({ lineWidth: 0, flowCollectionPadding: false })}`;
}

/** A drawing of the pipeline's tasks and dataset types: prerequisite edges dashed, init edges dotted. */
export function drawPipeline(g: PipelineGraph, format: 'dot' | 'mermaid'): string {
  const standard = standardTypeNames(g);
  const types = [...g.datasetTypes.values()].filter((d) => !standard.has(d.name)).sort((a, b) => a.name.localeCompare(b.name));
  const edges: PipelineEdge[] = g.tasks.flatMap((t) => t.connections.filter((c) => !standard.has(c.datasetType)).map((c) => connectionEdge(t.label, c)));
  if (format === 'dot') {
    const q = (s: string) => JSON.stringify(s);
    const id = (n: PipelineNode) => q(nodeKey(n));
    return [
      'digraph pipeline {',
      '  node [fontname="Helvetica", fontsize=10];',
      `  // ${g.pipeline.source}; every task also writes <label>_config, <label>_metadata and <label>_log (not drawn)`,
      ...g.tasks.map((t) => `  ${id(taskNode(t.label))} [shape=box, style="rounded,filled", fillcolor="#dce8f5", label=${q(`${t.label}\n${t.definition.name}\n${dims(t.definition.dimensions)}`)}];`),
      ...types.map((d) => `  ${id(datasetNode(d.name))} [shape=box, label=${q(`${d.name}\n${dims(d.dimensions)}\n${d.storageClass}`)}${d.isPrerequisite ? ', style=dashed' : ''}];`),
      ...edges.map((e) => `  ${id(e.from)} -> ${id(e.to)}${e.kind === 'prerequisite' ? ' [style=dashed]' : e.kind === 'initInput' || e.kind === 'initOutput' ? ' [style=dotted]' : ''};`),
      '}',
    ].join('\n');
  }
  const ids = new Map<string, string>();
  const idOf = (node: PipelineNode) => {
    const key = nodeKey(node);
    let id = ids.get(key);
    if (!id) {
      const base = (node.kind === 'task' ? 't_' : 'd_') + node.name.replace(/[^A-Za-z0-9_]/g, '_');
      id = base;
      for (let n = 2; [...ids.values()].includes(id); n++) id = `${base}_${n}`;
      ids.set(key, id);
    }
    return id;
  };
  const text = (s: string) => s.replace(/"/g, '#quot;');
  return [
    'flowchart TD',
    ...g.tasks.map((t) => `  ${idOf(taskNode(t.label))}["${text(`${t.label}: ${t.definition.name}<br/>${dims(t.definition.dimensions)}`)}"]`),
    ...types.map((d) => `  ${idOf(datasetNode(d.name))}(["${text(`${d.name}<br/>${dims(d.dimensions)}<br/>${d.storageClass}`)}"])`),
    ...edges.map((e) => `  ${idOf(e.from)} ${e.kind === 'prerequisite' ? '-. prerequisite .->' : e.kind === 'initInput' || e.kind === 'initOutput' ? '-. init .->' : '-->'} ${idOf(e.to)}`),
  ].join('\n');
}
