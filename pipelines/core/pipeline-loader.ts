/**
 * Pipeline YAML (LSST's pipeline language): tasks by label, each naming a task type of the
 * library (`class:`) or declaring one inline (`dimensions:` and connection groups, see
 * task-yaml.ts), with `config:` overrides (`connections.NAME: type` renames a connection's
 * dataset type; a value `parameters.NAME` takes the pipeline parameter); named `subsets`;
 * `parameters`; `instrument`; `imports` of other pipeline files (paths relative to the
 * importing file, with `include:`/`exclude:` of labels or subsets). `file.yaml#isr,calibrate`
 * or `file.yaml#subsetName` selects part of a pipeline. Errors name the file, the line and
 * the key, with stable codes.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { boundedToJS, PIPELINE_YAML_LIMITS, readBoundedYaml, suggest } from '../../registry/index.js';
import { configProblems } from './config-schema.js';
import type { Connection, TaskConfig, TaskDefinition } from './connections.js';
import { PipelineError } from './pipeline-errors.js';
import { applyConnectionRenames, DATASET_TYPE_NAME, defineTask, extendTask } from './task-declarations.js';
import { parseTaskEntry, type Locate, type TaskEntry } from './task-yaml.js';

/** A task in a pipeline, with its merged config and the connections that config yields. */
export interface PipelineTask {
  readonly label: string;
  readonly definition: TaskDefinition;
  readonly config: TaskConfig;
  readonly connections: readonly Connection[];
  /** Where it was declared (file:line). */
  readonly source: string;
  /** Where each connection was declared (inline), or the task's `source` (connections of a library task type). */
  readonly connectionSources: ReadonlyMap<string, string>;
}

/** A named subset of a pipeline's tasks. */
export interface PipelineSubset {
  readonly labels: readonly string[];
  readonly description: string;
}

/** A loaded pipeline. */
export interface Pipeline {
  readonly description: string;
  readonly tasks: ReadonlyMap<string, PipelineTask>;
  readonly subsets: ReadonlyMap<string, PipelineSubset>;
  /** The file (and selection) it came from. */
  readonly source: string;
  /** The instrument it is for (`instrument:`, a registered instrument name), if any. */
  readonly instrument?: string;
  /** Where `instrument:` was given (file:line). */
  readonly instrumentSource?: string;
  /** Its parameters (an importing file's values win over an imported file's). */
  readonly parameters: ReadonlyMap<string, unknown>;
  /** Every file read: the pipeline, then its imports (absolute paths). */
  readonly files: readonly string[];
}

/**
 * Folder of the pipelines qg ships (drp.yaml, drp-refcat.yaml, examples/), with a trailing
 * separator: pipelines/ of the sources, also when this module runs compiled (dist/qg.cjs).
 */
export const SHIPPED_PIPELINES = fileURLToPath(new URL('../', import.meta.url));

/** Top-level keys of a pipeline file. */
export const PIPELINE_KEYS: readonly string[] = ['description', 'imports', 'tasks', 'subsets', 'parameters', 'instrument'];

/** Keys of an `imports:` entry. */
const IMPORT_KEYS: readonly string[] = ['location', 'include', 'exclude', 'importContracts', 'labeledSubsetModifyMode'];

interface RawTask {
  readonly label: string;
  readonly className: string;
  readonly definition: TaskDefinition;
  /** Declared inline with a class the library does not have: its config has no fixed fields. */
  readonly openConfig: boolean;
  readonly config: Record<string, unknown>;
  readonly configSources: ReadonlyMap<string, string>;
  readonly connectionSources: ReadonlyMap<string, string>;
  readonly source: string;
}

interface PipelineFile {
  readonly description: string;
  readonly instrument: { readonly name: string; readonly where: string } | undefined;
  readonly parameters: Map<string, unknown>;
  readonly tasks: Map<string, RawTask>;
  readonly subsets: Map<string, PipelineSubset>;
}

const PARAMETER_REFERENCE = /^parameters\.([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * Command-line config overrides (pipetask's `-C label:file.yaml` and `-c label:key=value`):
 * files first, then values, each in order; a later one wins. They are merged into a task's
 * config exactly as its pipeline `config:` (after it), so they are checked, take parameters
 * and rename connections alike.
 */
export interface ConfigOverrides {
  /** `label:key=value`, the value read as a YAML scalar (`1234` a number, `true` a boolean). */
  readonly values?: readonly string[];
  /** `label:file.yaml`, the file a YAML mapping of config keys. */
  readonly files?: readonly string[];
}

/** Loads `path[#selection]` with task types from `library`, then applies `overrides`. */
export function loadPipeline(spec: string, library: ReadonlyMap<string, TaskDefinition>, overrides: ConfigOverrides = {}): Pipeline {
  const hash = spec.indexOf('#');
  const path = hash >= 0 ? spec.slice(0, hash) : spec;
  const selection = hash >= 0 ? spec.slice(hash + 1).split(',').map((s) => s.trim()).filter(Boolean) : [];
  const resolved = resolvePipelinePath(path);
  const files: string[] = [];
  const raw = readPipelineFile(resolved, [], { library, files, ignoreContracts: false });
  applyConfigOverrides(raw.tasks, overrides);
  const tasks = new Map<string, PipelineTask>();
  for (const t of raw.tasks.values()) tasks.set(t.label, pipelineTask(t, raw.parameters));
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
  return {
    description: raw.description, tasks: selected, subsets: raw.subsets, source: spec,
    ...(raw.instrument ? { instrument: raw.instrument.name, instrumentSource: raw.instrument.where } : {}), parameters: raw.parameters, files,
  };
}

/** `label:rest` of a `-c`/`-C` value, the label naming a task of the pipeline. */
function overrideTarget(tasks: Map<string, RawTask>, flag: string, text: string): { task: RawTask; rest: string } {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new PipelineError(`${flag} ${text}: expected LABEL:${flag === '-c' ? 'KEY=VALUE' : 'FILE.yaml'}`, 'PIPELINE_CONFIG');
  const label = text.slice(0, colon);
  const task = tasks.get(label);
  if (!task) throw new PipelineError(`${flag} ${text}: the pipeline has no task '${label}' (labels: ${[...tasks.keys()].join(', ')})`, 'PIPELINE_CONFIG');
  return { task, rest: text.slice(colon + 1) };
}

/** Merges command-line overrides into the raw tasks' configs (in place), checking each key. */
function applyConfigOverrides(tasks: Map<string, RawTask>, overrides: ConfigOverrides): void {
  const set = (task: RawTask, key: string, value: unknown, where: string) => {
    if (!task.openConfig && !(key in task.definition.defaults) && !key.startsWith('connections.')) throw unknownFieldsError(where, task, [key]);
    const current = tasks.get(task.label)!;
    tasks.set(task.label, { ...current, config: { ...current.config, [key]: value }, configSources: new Map([...current.configSources, [key, where]]) });
  };
  for (const text of overrides.files ?? []) {
    const { task, rest } = overrideTarget(tasks, '-C', text);
    const doc = parseDocument(readBoundedYaml(rest, PIPELINE_YAML_LIMITS));
    if (doc.errors.length) throw new PipelineError(`-C ${text}: not valid YAML: ${doc.errors[0]!.message}`, 'PIPELINE_CONFIG');
    const value = boundedToJS(doc, rest, PIPELINE_YAML_LIMITS);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new PipelineError(`-C ${text}: must be a YAML mapping of config keys to values`, 'PIPELINE_CONFIG');
    for (const [key, v] of Object.entries(value)) set(task, key, v, `-C ${text} (key '${key}')`);
  }
  for (const text of overrides.values ?? []) {
    const { task, rest } = overrideTarget(tasks, '-c', text);
    const eq = rest.indexOf('=');
    if (eq <= 0) throw new PipelineError(`-c ${text}: expected LABEL:KEY=VALUE`, 'PIPELINE_CONFIG');
    const doc = parseDocument(rest.slice(eq + 1));
    const parsed: unknown = doc.errors.length ? rest.slice(eq + 1) : doc.toJS();
    // A YAML scalar; anything else (a: b, [x]) stays the string given.
    const value = parsed !== null && typeof parsed === 'object' ? rest.slice(eq + 1) : parsed;
    set(task, rest.slice(0, eq).trim(), value, `-c ${text}`);
  }
}

/** The error of config keys `keys` that task `task` does not have, with the closest field to each. */
function unknownFieldsError(where: string, task: RawTask, keys: readonly string[]): PipelineError {
  const fields = Object.keys(task.definition.defaults);
  return new PipelineError(`${where}: task '${task.label}' (${task.className}) has no config field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `'${k}'`).join(', ')}` +
    `${keys.map((k) => suggest(k, fields)).join('')} (fields: ${fields.join(', ') || 'none'}; and connections.NAME to rename a connection's dataset type)`, 'PIPELINE_CONFIG');
}

/** A raw task with parameters substituted, its config checked and its connections computed. */
function pipelineTask(t: RawTask, parameters: ReadonlyMap<string, unknown>): PipelineTask {
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(t.config)) {
    config[key] = substituteParameters(value, parameters, () => `${t.configSources.get(key) ?? t.source}: task '${t.label}' config '${key}'`);
  }
  const definition = t.definition;
  if (!t.openConfig) {
    const unknown = Object.keys(config).filter((k) => !(k in definition.defaults) && !k.startsWith('connections.'));
    if (unknown.length) throw unknownFieldsError(t.source, t, unknown);
  }
  const [wrong] = definition.configSchema ? configProblems(definition.configSchema, config) : [];
  if (wrong) throw new PipelineError(`${t.configSources.get(wrong.key) ?? t.source}: task '${t.label}' config '${wrong.key}' ${wrong.problem}`, 'PIPELINE_CONFIG');
  const merged = { ...definition.defaults, ...config };
  const connections = applyConnectionRenames(definition.connections(merged), merged);
  const names = connections.map((c) => c.name);
  const reserved = names.filter((n) => n === 'config' || n === 'metadata' || n === 'log');
  if (reserved.length) {
    throw new PipelineError(`${t.connectionSources.get(reserved[0]!) ?? t.source}: task '${t.label}': connection name '${reserved[0]}' is reserved (every task writes <label>_config, <label>_metadata and <label>_log)`, 'PIPELINE_CONNECTION');
  }
  for (const key of Object.keys(merged).filter((k) => k.startsWith('connections.'))) {
    const where = `${t.configSources.get(key) ?? t.source}: task '${t.label}' config '${key}'`;
    const name = key.slice('connections.'.length);
    if (!names.includes(name)) throw new PipelineError(`${where}: the task has no connection '${name}' (connections: ${names.join(', ') || 'none'})`, 'PIPELINE_CONFIG');
    if (typeof merged[key] !== 'string' || !DATASET_TYPE_NAME.test(merged[key] as string)) {
      throw new PipelineError(`${where}: must be a dataset type name, got ${JSON.stringify(merged[key])}`, 'PIPELINE_CONFIG');
    }
  }
  const connectionSources = new Map(connections.map((c) => [c.name, t.connectionSources.get(c.name) ?? t.source]));
  return {
    label: t.label, definition, config: merged, connections: [...connections, ...standardConnections(t.label, definition)],
    source: t.source, connectionSources,
  };
}

/** `value` with every string `parameters.NAME` (at any depth) replaced by the parameter's value. */
function substituteParameters(value: unknown, parameters: ReadonlyMap<string, unknown>, where: () => string): unknown {
  if (typeof value === 'string') {
    const m = PARAMETER_REFERENCE.exec(value);
    if (!m) return value;
    if (!parameters.has(m[1]!)) {
      throw new PipelineError(`${where()}: uses ${value}, but the pipeline has no parameter '${m[1]}' (parameters: ${[...parameters.keys()].join(', ') || 'none'})`, 'PIPELINE_PARAMETER');
    }
    return parameters.get(m[1]!);
  }
  if (Array.isArray(value)) return value.map((v) => substituteParameters(v, parameters, where));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteParameters(v, parameters, where)]));
  return value;
}

/** A pipeline path as given, or one of the shipped pipelines by file name. */
export function resolvePipelinePath(path: string): string {
  if (existsSync(path)) return resolve(path);
  const shipped = resolve(SHIPPED_PIPELINES, path);
  if (existsSync(shipped)) return shipped;
  throw new PipelineError(`pipeline file '${path}' not found (qg ships drp.yaml and drp-refcat.yaml)`, 'PIPELINE_FILE');
}

interface ReadContext {
  readonly library: ReadonlyMap<string, TaskDefinition>;
  /** Files read so far, in order. */
  readonly files: string[];
  /** Set through an import with `importContracts: false`: the file's `contracts` are dropped, not an error. */
  readonly ignoreContracts: boolean;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readPipelineFile(path: string, chain: readonly string[], context: ReadContext): PipelineFile {
  if (chain.includes(path)) throw new PipelineError(`${path}: imports itself (through ${chain.join(' -> ')})`, 'PIPELINE_IMPORT');
  if (!context.files.includes(path)) context.files.push(path);
  const { root, at } = parsePipelineYaml(path);
  checkTopLevelKeys(root, at, context.ignoreContracts);
  const imported = readImports(root, path, [...chain, path], context, at);
  // A file's own values come after (and so win over) those of its imports.
  const instrument = ownInstrument(root, at) ?? imported.instrument;
  const parameters = new Map([...imported.parameters, ...ownParameters(root, at)]);
  const tasks = readTasks(root, path, at, imported.tasks, context.library);
  const subsets = readSubsets(root, at, tasks, imported.subsets);
  return { description: String(root['description'] ?? ''), instrument, parameters, tasks, subsets };
}

/** The YAML mapping at `path` and a locator of its keys (file:line). */
function parsePipelineYaml(path: string): { root: Record<string, unknown>; at: Locate } {
  const lineCounter = new LineCounter();
  const text = readBoundedYaml(path, PIPELINE_YAML_LIMITS);
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new PipelineError(`${path}:${lineCounter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`, 'PIPELINE_YAML');
  }
  const at: Locate = (keys) => where(doc, lineCounter, path, keys);
  const root = boundedToJS(doc, path, PIPELINE_YAML_LIMITS) as Record<string, unknown> | null;
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw new PipelineError(`${path}:1: a pipeline must be a mapping with 'tasks'`, 'PIPELINE_YAML');
  return { root, at };
}

/** Refuses unknown top-level keys and LSST's unsupported `contracts` (unless ignored) and `steps`. */
function checkTopLevelKeys(root: Record<string, unknown>, at: Locate, ignoreContracts: boolean): void {
  for (const key of Object.keys(root)) {
    if (key === 'contracts') {
      if (ignoreContracts) continue;
      throw new PipelineError(`${at([key])}: 'contracts' (Python expressions over task configs) are not supported; remove them, or import this file with 'importContracts: false'`, 'PIPELINE_UNSUPPORTED');
    }
    if (key === 'steps') throw new PipelineError(`${at([key])}: 'steps' (LSST's BPS submission steps) are not supported; select tasks with subsets and '#subset'`, 'PIPELINE_UNSUPPORTED');
    if (!PIPELINE_KEYS.includes(key)) throw new PipelineError(`${at([key])}: unknown key '${key}' (allowed: ${PIPELINE_KEYS.join(', ')})`, 'PIPELINE_YAML');
  }
}

/** What a file's imports contribute, merged in import order (a later import wins). */
function readImports(root: Record<string, unknown>, path: string, seen: readonly string[], context: ReadContext, at: Locate): Omit<PipelineFile, 'description'> {
  const tasks = new Map<string, RawTask>();
  const subsets = new Map<string, PipelineSubset>();
  const parameters = new Map<string, unknown>();
  let instrument: PipelineFile['instrument'];
  const imports = root['imports'] ?? [];
  if (!Array.isArray(imports)) throw new PipelineError(`${at(['imports'])}: 'imports' must be a list`, 'PIPELINE_YAML');
  imports.forEach((entry: unknown, i: number) => {
    const { sub, kept, location, mode } = readImport(entry, path, seen, context, (keys) => at(['imports', i, ...keys]));
    for (const [label, t] of sub.tasks) if (kept.has(label)) tasks.set(label, t);
    for (const [name, s] of sub.subsets) {
      const labels = s.labels.filter((l) => kept.has(l));
      if (labels.length === s.labels.length || (mode === 'edit' && labels.length)) subsets.set(name, { ...s, labels });
    }
    for (const [name, value] of sub.parameters) parameters.set(name, value);
    if (sub.instrument) {
      if (instrument && instrument.name !== sub.instrument.name && !('instrument' in root)) {
        throw new PipelineError(`${at(['imports', i])}: '${location}' is for instrument '${sub.instrument.name}' but ${instrument.where} is for '${instrument.name}'; declare the instrument in ${path}`, 'PIPELINE_INSTRUMENT');
      }
      instrument = sub.instrument;
    }
  });
  return { instrument, parameters, tasks, subsets };
}

/** One import entry, checked and read: the imported file, the labels it keeps and how its subsets follow (`drop` or `edit`). `at` locates keys within the entry. */
function readImport(
  entry: unknown, path: string, seen: readonly string[], context: ReadContext, at: Locate,
): { sub: PipelineFile; kept: Set<string>; location: string; mode: string } {
  const spec: Record<string, unknown> = typeof entry === 'string' ? { location: entry } : isMapping(entry) ? entry : {};
  for (const key of Object.keys(spec)) {
    if (!IMPORT_KEYS.includes(key)) throw new PipelineError(`${at([key])}: unknown key '${key}' in an import (allowed: ${IMPORT_KEYS.join(', ')})`, 'PIPELINE_YAML');
  }
  const location = spec['location'];
  if (typeof location !== 'string') throw new PipelineError(`${at([])}: an import needs a 'location' (a path)`, 'PIPELINE_YAML');
  const target = resolve(dirname(path), location);
  if (!existsSync(target)) throw new PipelineError(`${at([])}: imported file '${location}' not found (looked at ${target})`, 'PIPELINE_IMPORT');
  if (seen.includes(target)) throw new PipelineError(`${at([])}: importing '${location}' makes a cycle (${[...seen, target].join(' -> ')})`, 'PIPELINE_IMPORT');
  const importContracts = spec['importContracts'] ?? true;
  if (typeof importContracts !== 'boolean') throw new PipelineError(`${at(['importContracts'])}: 'importContracts' must be true or false`, 'PIPELINE_YAML');
  const sub = readPipelineFile(target, seen, { ...context, ignoreContracts: context.ignoreContracts || !importContracts });
  const kept = importedLabels(sub, spec, location, at);
  const mode = String(spec['labeledSubsetModifyMode'] ?? 'drop').toLowerCase();
  if (mode !== 'drop' && mode !== 'edit') throw new PipelineError(`${at(['labeledSubsetModifyMode'])}: 'labeledSubsetModifyMode' must be DROP or EDIT`, 'PIPELINE_YAML');
  return { sub, kept, location, mode };
}

/** The file's own `instrument:` (a registered name, not a Python class), if it has one. */
function ownInstrument(root: Record<string, unknown>, at: Locate): PipelineFile['instrument'] {
  if (!('instrument' in root)) return undefined;
  const name = root['instrument'];
  if (typeof name !== 'string' || !name) throw new PipelineError(`${at(['instrument'])}: 'instrument' must be an instrument name`, 'PIPELINE_INSTRUMENT');
  if (name.includes('.')) {
    throw new PipelineError(`${at(['instrument'])}: instrument '${name}' is a Python class; qg takes the instrument's registered name (e.g. 'SimCam', as in \`qg query dimension-records instrument\`)`, 'PIPELINE_INSTRUMENT');
  }
  return { name, where: at(['instrument']) };
}

/** The file's own `parameters:`. */
function ownParameters(root: Record<string, unknown>, at: Locate): [string, unknown][] {
  const rawParameters = root['parameters'] ?? {};
  if (!isMapping(rawParameters)) throw new PipelineError(`${at(['parameters'])}: 'parameters' must map names to values`, 'PIPELINE_YAML');
  for (const name of Object.keys(rawParameters)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new PipelineError(`${at(['parameters', name])}: invalid parameter name '${name}'`, 'PIPELINE_PARAMETER');
  }
  return Object.entries(rawParameters);
}

/** The imported tasks with the file's own `tasks:` resolved over them (see {@link rawTask}). */
function readTasks(root: Record<string, unknown>, path: string, at: Locate, imported: ReadonlyMap<string, RawTask>, library: ReadonlyMap<string, TaskDefinition>): Map<string, RawTask> {
  const tasks = new Map(imported);
  const rawTasks = root['tasks'] ?? {};
  if (!isMapping(rawTasks)) throw new PipelineError(`${at(['tasks'])}: 'tasks' must map labels to tasks`, 'PIPELINE_YAML');
  for (const [label, value] of Object.entries(rawTasks)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(label)) throw new PipelineError(`${at(['tasks', label])}: invalid task label '${label}'`, 'PIPELINE_YAML');
    tasks.set(label, rawTask(label, parseTaskEntry(label, value, path, at), tasks.get(label), library, at(['tasks', label])));
  }
  return tasks;
}

/** The imported subsets and the file's own `subsets:` (a list of labels, or `{subset, description}`), whose labels must be among `tasks`. */
function readSubsets(root: Record<string, unknown>, at: Locate, tasks: ReadonlyMap<string, RawTask>, imported: ReadonlyMap<string, PipelineSubset>): Map<string, PipelineSubset> {
  const subsets = new Map(imported);
  const rawSubsets = root['subsets'] ?? {};
  if (!isMapping(rawSubsets)) throw new PipelineError(`${at(['subsets'])}: 'subsets' must map names to lists of task labels`, 'PIPELINE_YAML');
  for (const [name, value] of Object.entries(rawSubsets)) {
    if (isMapping(value)) {
      for (const key of Object.keys(value)) {
        if (key !== 'subset' && key !== 'description') throw new PipelineError(`${at(['subsets', name, key])}: unknown key '${key}' in subset '${name}' (allowed: subset, description)`, 'PIPELINE_YAML');
      }
    }
    const labels = Array.isArray(value) ? value : isMapping(value) ? value['subset'] : undefined;
    if (!Array.isArray(labels)) throw new PipelineError(`${at(['subsets', name])}: subset '${name}' needs a list of task labels`, 'PIPELINE_YAML');
    if (tasks.has(name)) throw new PipelineError(`${at(['subsets', name])}: subset '${name}' has the name of a task label`, 'PIPELINE_YAML');
    for (const l of labels) if (!tasks.has(String(l))) throw new PipelineError(`${at(['subsets', name])}: subset '${name}' names unknown task '${l}'`, 'PIPELINE_YAML');
    subsets.set(name, { labels: labels.map(String), description: String((isMapping(value) ? value['description'] : undefined) ?? '') });
  }
  return subsets;
}

/** The labels an import keeps: all, or its `include:` / all but its `exclude:` (labels or subset names). */
function importedLabels(sub: PipelineFile, spec: Record<string, unknown>, location: string, at: Locate): Set<string> {
  const all = new Set(sub.tasks.keys());
  if ('include' in spec && 'exclude' in spec) throw new PipelineError(`${at([])}: an import takes 'include' or 'exclude', not both`, 'PIPELINE_IMPORT');
  const key = 'include' in spec ? 'include' : 'exclude' in spec ? 'exclude' : undefined;
  if (!key) return all;
  const names = spec[key];
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) throw new PipelineError(`${at([key])}: '${key}' must be a list of task labels or subset names`, 'PIPELINE_YAML');
  const named = new Set<string>();
  for (const n of names as string[]) {
    const subset = sub.subsets.get(n);
    if (subset) subset.labels.forEach((l) => named.add(l));
    else if (all.has(n)) named.add(n);
    else throw new PipelineError(`${at([key])}: '${n}' is neither a task label nor a subset of '${location}' (labels: ${[...all].join(', ')})`, 'PIPELINE_IMPORT');
  }
  return key === 'include' ? named : new Set([...all].filter((l) => !named.has(l)));
}

/**
 * A task entry resolved against what the label already holds (from imports) and the library:
 * the same class (or none given) extends the imported task (config merged, declarations added);
 * another class replaces it. A class the library lacks must be declared inline (dimensions).
 */
function rawTask(label: string, entry: TaskEntry, inherited: RawTask | undefined, library: ReadonlyMap<string, TaskDefinition>, source: string): RawTask {
  const className = entry.className ?? inherited?.className;
  if (className === undefined) throw new PipelineError(`${source}: task '${label}' needs a 'class'`, 'PIPELINE_YAML');
  const same = inherited !== undefined && inherited.className === className;
  const base = same ? inherited.definition : library.get(className);
  const known = `known: ${[...library.keys()].join(', ')}`;
  let definition: TaskDefinition;
  let openConfig = same ? inherited.openConfig : false;
  try {
    if (entry.extension) {
      if (base) definition = extendTask(base, entry.extension);
      else {
        if (!entry.extension.dimensions) {
          throw new PipelineError(`${source}: task '${label}' has class '${className}', which is not in the task library (${known}); to declare it inline, give its 'dimensions' (and its connections)`, 'PIPELINE_CLASS');
        }
        definition = defineTask({ name: className, description: `declared inline at ${source}`, dimensions: entry.extension.dimensions, ...entry.extension });
        openConfig = true;
      }
    } else if (base) definition = base;
    else throw new PipelineError(`${source}: task '${label}' has unknown class '${className}' (${known}; or declare it inline with 'dimensions' and connections)`, 'PIPELINE_CLASS');
  } catch (e) {
    if (e instanceof PipelineError && !e.message.startsWith(source)) throw new PipelineError(`${source}: ${e.message}`, e.code);
    throw e;
  }
  return {
    label, className, definition, openConfig,
    config: { ...(same ? inherited.config : {}), ...entry.config },
    configSources: new Map([...(same ? inherited.configSources : []), ...entry.configSources]),
    connectionSources: new Map([...(same ? inherited.connectionSources : []), ...entry.connectionSources]),
    source,
  };
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
