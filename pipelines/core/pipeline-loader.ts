/**
 * Pipeline YAML: tasks by label (`class:` names a task type of the library, `config:`
 * overrides its defaults), named `subsets`, and `imports` of other pipeline files (paths
 * relative to the importing file). `file.yaml#isr,calibrate` or `file.yaml#subsetName`
 * selects part of a pipeline. Errors name the file, the line and the key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { Connection, TaskConfig, TaskDefinition } from './connections.js';
import { PipelineError } from './pipeline-errors.js';

/** A task in a pipeline, with its merged config and the connections that config yields. */
export interface PipelineTask {
  readonly label: string;
  readonly definition: TaskDefinition;
  readonly config: TaskConfig;
  readonly connections: readonly Connection[];
  /** Where it was declared (file:line). */
  readonly source: string;
}

/** A loaded pipeline. */
export interface Pipeline {
  readonly description: string;
  readonly tasks: ReadonlyMap<string, PipelineTask>;
  readonly subsets: ReadonlyMap<string, { readonly labels: readonly string[]; readonly description: string }>;
  /** The file (and selection) it came from. */
  readonly source: string;
}

/** Folder of the pipelines qg ships (drp.yaml, drp-refcat.yaml). */
export const SHIPPED_PIPELINES = dirname(fileURLToPath(import.meta.url)).replace(/core$/, '');

interface RawTask {
  label: string;
  className: string;
  config: Record<string, unknown>;
  source: string;
}

/** Loads `path[#selection]` with task types from `library`. */
export function loadPipeline(spec: string, library: ReadonlyMap<string, TaskDefinition>): Pipeline {
  const hash = spec.indexOf('#');
  const path = hash >= 0 ? spec.slice(0, hash) : spec;
  const selection = hash >= 0 ? spec.slice(hash + 1).split(',').map((s) => s.trim()).filter(Boolean) : [];
  const resolved = resolvePipelinePath(path);
  const raw = readPipelineFile(resolved, new Set());
  const tasks = new Map<string, PipelineTask>();
  for (const t of raw.tasks.values()) {
    const definition = library.get(t.className);
    if (!definition) {
      throw new PipelineError(`${t.source}: task '${t.label}' has unknown class '${t.className}' (known: ${[...library.keys()].join(', ')})`, 'PIPELINE_CLASS');
    }
    const unknown = Object.keys(t.config).filter((k) => !(k in definition.defaults));
    if (unknown.length) {
      throw new PipelineError(`${t.source}: task '${t.label}' (${t.className}) has no config field(s) ${unknown.map((k) => `'${k}'`).join(', ')} (fields: ${Object.keys(definition.defaults).join(', ') || 'none'})`, 'PIPELINE_CONFIG');
    }
    const config = { ...definition.defaults, ...t.config };
    tasks.set(t.label, { label: t.label, definition, config, connections: [...definition.connections(config), ...standardConnections(t.label, definition)], source: t.source });
  }
  let chosen = [...tasks.keys()];
  if (selection.length) {
    chosen = [];
    for (const s of selection) {
      const subset = raw.subsets.get(s);
      if (subset) chosen.push(...subset.labels);
      else if (tasks.has(s)) chosen.push(s);
      else throw new PipelineError(`${resolved}: '#${s}' is neither a task label nor a subset (labels: ${[...tasks.keys()].join(', ')}; subsets: ${[...raw.subsets.keys()].join(', ') || 'none'})`, 'PIPELINE_SELECTION');
    }
  }
  const selected = new Map([...tasks].filter(([label]) => chosen.includes(label)));
  return { description: raw.description, tasks: selected, subsets: raw.subsets, source: spec };
}

/** A pipeline path as given, or one of the shipped pipelines by file name. */
export function resolvePipelinePath(path: string): string {
  if (existsSync(path)) return resolve(path);
  const shipped = resolve(SHIPPED_PIPELINES, path);
  if (existsSync(shipped)) return shipped;
  throw new PipelineError(`pipeline file '${path}' not found (qg ships drp.yaml and drp-refcat.yaml)`, 'PIPELINE_FILE');
}

function readPipelineFile(path: string, seen: Set<string>): { description: string; tasks: Map<string, RawTask>; subsets: Map<string, { labels: string[]; description: string }> } {
  if (seen.has(path)) throw new PipelineError(`${path}: imports itself (through ${[...seen].join(' -> ')})`, 'PIPELINE_IMPORT');
  seen.add(path);
  const lineCounter = new LineCounter();
  const text = readFileSync(path, 'utf8');
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new PipelineError(`${path}:${lineCounter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`, 'PIPELINE_YAML');
  }
  const at = (keys: (string | number)[]) => where(doc, lineCounter, path, keys);
  const root = doc.toJS() as Record<string, unknown> | null;
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw new PipelineError(`${path}:1: a pipeline must be a mapping with 'tasks'`, 'PIPELINE_YAML');
  const allowed = new Set(['description', 'imports', 'tasks', 'subsets', 'parameters', 'instrument']);
  for (const key of Object.keys(root)) if (!allowed.has(key)) throw new PipelineError(`${at([key])}: unknown key '${key}' (allowed: ${[...allowed].join(', ')})`, 'PIPELINE_YAML');
  const tasks = new Map<string, RawTask>();
  const subsets = new Map<string, { labels: string[]; description: string }>();
  const imports = root['imports'] ?? [];
  if (!Array.isArray(imports)) throw new PipelineError(`${at(['imports'])}: 'imports' must be a list`, 'PIPELINE_YAML');
  imports.forEach((entry: unknown, i: number) => {
    const location = typeof entry === 'string' ? entry : (entry as { location?: unknown })?.location;
    if (typeof location !== 'string') throw new PipelineError(`${at(['imports', i])}: an import needs a 'location' (a path)`, 'PIPELINE_YAML');
    const target = resolve(dirname(path), location);
    if (!existsSync(target)) throw new PipelineError(`${at(['imports', i])}: imported file '${location}' not found (looked at ${target})`, 'PIPELINE_IMPORT');
    if (seen.has(target)) throw new PipelineError(`${at(['imports', i])}: importing '${location}' makes a cycle (${[...seen, target].join(' -> ')})`, 'PIPELINE_IMPORT');
    const sub = readPipelineFile(target, new Set(seen));
    const exclude = new Set(((entry as { exclude?: string[] })?.exclude) ?? []);
    for (const [label, t] of sub.tasks) if (!exclude.has(label)) tasks.set(label, t);
    for (const [name, s] of sub.subsets) subsets.set(name, s);
  });
  const rawTasks = root['tasks'] ?? {};
  if (typeof rawTasks !== 'object' || Array.isArray(rawTasks)) throw new PipelineError(`${at(['tasks'])}: 'tasks' must map labels to tasks`, 'PIPELINE_YAML');
  for (const [label, value] of Object.entries(rawTasks as Record<string, unknown>)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(label)) throw new PipelineError(`${at(['tasks', label])}: invalid task label '${label}'`, 'PIPELINE_YAML');
    const spec = typeof value === 'string' ? { class: value } : (value as Record<string, unknown> | null) ?? {};
    for (const key of Object.keys(spec)) if (!['class', 'config'].includes(key)) throw new PipelineError(`${at(['tasks', label, key])}: unknown key '${key}' in task '${label}' (allowed: class, config)`, 'PIPELINE_YAML');
    const inherited = tasks.get(label);
    const className = (spec['class'] as string | undefined) ?? inherited?.className;
    if (typeof className !== 'string') throw new PipelineError(`${at(['tasks', label])}: task '${label}' needs a 'class'`, 'PIPELINE_YAML');
    const config = spec['config'] ?? {};
    if (typeof config !== 'object' || Array.isArray(config)) throw new PipelineError(`${at(['tasks', label, 'config'])}: 'config' must be a mapping`, 'PIPELINE_YAML');
    // A task redeclared by an importing file extends the imported one (same class, more config).
    tasks.set(label, {
      label, className,
      config: { ...(inherited && inherited.className === className ? inherited.config : {}), ...(config as Record<string, unknown>) },
      source: at(['tasks', label]),
    });
  }
  for (const [name, value] of Object.entries((root['subsets'] as Record<string, unknown>) ?? {})) {
    const labels = Array.isArray(value) ? value : (value as { subset?: unknown })?.subset;
    if (!Array.isArray(labels)) throw new PipelineError(`${at(['subsets', name])}: subset '${name}' needs a list of task labels`, 'PIPELINE_YAML');
    for (const l of labels) if (!tasks.has(String(l))) throw new PipelineError(`${at(['subsets', name])}: subset '${name}' names unknown task '${l}'`, 'PIPELINE_YAML');
    subsets.set(name, { labels: labels.map(String), description: String((value as { description?: string })?.description ?? '') });
  }
  return { description: String(root['description'] ?? ''), tasks, subsets };
}

function where(doc: Document, lineCounter: LineCounter, path: string, keys: (string | number)[]): string {
  for (let n = keys.length; n >= 0; n--) {
    const node = doc.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    const pair = n > 0 ? findKeyNode(doc, keys.slice(0, n)) : undefined;
    const range = pair?.range ?? node?.range;
    if (range) return `${path}:${lineCounter.linePos(range[0]).line} (${keys.join('.')})`;
  }
  return `${path} (${keys.join('.')})`;
}

function findKeyNode(doc: Document, keys: (string | number)[]): { range?: [number, number, number] } | undefined {
  const parent = keys.length > 1 ? doc.getIn(keys.slice(0, -1), true) : doc.contents;
  const last = keys[keys.length - 1];
  if (isMap(parent)) {
    const pair = parent.items.find((p) => (p.key as { value?: unknown })?.value === last);
    return pair?.key as { range?: [number, number, number] } | undefined;
  }
  if (isSeq(parent) && typeof last === 'number') return parent.items[last] as { range?: [number, number, number] } | undefined;
  return undefined;
}

/**
 * Every task also writes its config once (`<label>_config`) and, per quantum, its metadata
 * (`<label>_metadata`: timings, memory, task figures; a quantum is done when this exists)
 * and its log (`<label>_log`), as LSST's tasks do.
 */
export function standardConnections(label: string, definition: TaskDefinition): Connection[] {
  return [
    { name: 'config', kind: 'initOutput', datasetType: `${label}_config`, dimensions: [], storageClass: 'Config' },
    { name: 'metadata', kind: 'output', datasetType: `${label}_metadata`, dimensions: definition.dimensions, storageClass: 'TaskMetadata' },
    { name: 'log', kind: 'output', datasetType: `${label}_log`, dimensions: definition.dimensions, storageClass: 'ButlerLogRecords' },
  ];
}
