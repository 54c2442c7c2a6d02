/**
 * One `tasks:` entry of pipeline YAML, checked key by key: `class`, `config` (a mapping, or
 * LSST's list of mappings; `connections: {NAME: type}` is the same as `connections.NAME:
 * type`), and the inline declaration keys (`dimensions`, the five connection groups, `run`).
 * Every error names the file, line and key path (through `at`) and has a stable code.
 */
import { dirname, resolve } from 'node:path';
import type { ConnectionKind, TaskRunner } from './connections.js';
import { PipelineError } from './pipeline-errors.js';
import {
  CONNECTION_GROUPS, CONNECTION_KEYS, GROUP_NAMES, connectionProblem,
  type ConnectionDeclaration, type ConnectionGroup, type TaskExtension,
} from './task-declarations.js';

/** Locates a key path of the file being read: `file:line (key.path)`. */
export type Locate = (keys: (string | number)[]) => string;

/** Keys a task entry accepts. */
export const TASK_KEYS: readonly string[] = ['class', 'config', 'dimensions', ...GROUP_NAMES, 'run'];

/** Keys of LSST's pipeline YAML that need Python, with what qg says about them. */
const PYTHON_ONLY: Readonly<Record<string, string>> = {
  python: 'Python config overrides are not supported; set config fields as YAML values',
  file: 'Python config files are not supported; set config fields as YAML values',
  dataId: 'instrument-specific config blocks are not supported; put the overrides in the pipeline of that instrument',
  lookupFunction: 'custom prerequisite lookup functions are Python-only; qg looks prerequisites up by data ID, calibration validity or sky region',
  deferBinding: 'deferBinding is not supported',
};

/** A parsed task entry. */
export interface TaskEntry {
  readonly className: string | undefined;
  readonly config: Record<string, unknown>;
  /** Where each config key was set. */
  readonly configSources: Map<string, string>;
  /** The inline declaration, when the entry has any declaration key. */
  readonly extension: TaskExtension | undefined;
  /** Where each declared connection was declared. */
  readonly connectionSources: Map<string, string>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses the entry of task `label` in `path` (its JS value). */
export function parseTaskEntry(label: string, value: unknown, path: string, at: Locate): TaskEntry {
  const base = ['tasks', label];
  if (value !== null && typeof value !== 'string' && !isMapping(value)) {
    throw new PipelineError(`${at(base)}: task '${label}' must be a class name or a mapping (class, config, dimensions, connections)`, 'PIPELINE_YAML');
  }
  const spec: Record<string, unknown> = typeof value === 'string' ? { class: value } : value ?? {};
  for (const key of Object.keys(spec)) {
    if (PYTHON_ONLY[key]) throw new PipelineError(`${at([...base, key])}: task '${label}' key '${key}': ${PYTHON_ONLY[key]}`, 'PIPELINE_UNSUPPORTED');
    if (!TASK_KEYS.includes(key)) throw new PipelineError(`${at([...base, key])}: unknown key '${key}' in task '${label}' (allowed: ${TASK_KEYS.join(', ')})`, 'PIPELINE_YAML');
  }
  const className = spec['class'];
  if (className !== undefined && (typeof className !== 'string' || !className)) {
    throw new PipelineError(`${at([...base, 'class'])}: task '${label}': 'class' must be a name, got ${JSON.stringify(className)}`, 'PIPELINE_YAML');
  }
  const { config, configSources } = parseConfig(label, spec['config'], at);
  const connectionSources = new Map<string, string>();
  const declares = TASK_KEYS.some((k) => k !== 'class' && k !== 'config' && k in spec);
  let extension: TaskExtension | undefined;
  if (declares) {
    const ext: { -readonly [K in keyof TaskExtension]: TaskExtension[K] } = {};
    if ('dimensions' in spec) ext.dimensions = dimensionList(spec['dimensions'], `task '${label}'`, at([...base, 'dimensions']));
    const groupOf = new Map<string, ConnectionGroup>();
    for (const group of GROUP_NAMES) {
      if (!(group in spec)) continue;
      const entries = spec[group] ?? {};
      if (!isMapping(entries)) throw new PipelineError(`${at([...base, group])}: task '${label}': '${group}' must map connection names to connections`, 'PIPELINE_YAML');
      const declared: Record<string, ConnectionDeclaration> = {};
      for (const [name, raw] of Object.entries(entries)) {
        const where = at([...base, group, name]);
        if (!IDENTIFIER.test(name)) throw new PipelineError(`${where}: task '${label}': invalid connection name '${name}'`, 'PIPELINE_CONNECTION');
        const other = groupOf.get(name);
        if (other) throw new PipelineError(`${where}: task '${label}': connection '${name}' is declared in both ${other} and ${group}`, 'PIPELINE_CONNECTION');
        groupOf.set(name, group);
        declared[name] = parseConnection(label, group, name, raw, [...base, group, name], at);
        connectionSources.set(name, where);
      }
      ext[group] = declared;
    }
    if ('run' in spec) ext.runner = parseRunner(label, spec['run'], path, at([...base, 'run']));
    extension = ext;
  }
  return { className, config, configSources, extension, connectionSources };
}

/** `config:` as a mapping, or a list of mappings applied in order; nested `connections:` flattened. */
function parseConfig(label: string, raw: unknown, at: Locate): { config: Record<string, unknown>; configSources: Map<string, string> } {
  const config: Record<string, unknown> = {};
  const configSources = new Map<string, string>();
  if (raw === undefined || raw === null) return { config, configSources };
  const blocks: [Record<string, unknown>, (string | number)[]][] = [];
  if (isMapping(raw)) blocks.push([raw, ['tasks', label, 'config']]);
  else if (Array.isArray(raw)) {
    raw.forEach((b, i) => {
      if (!isMapping(b)) throw new PipelineError(`${at(['tasks', label, 'config', i])}: task '${label}': each config block must be a mapping`, 'PIPELINE_YAML');
      blocks.push([b, ['tasks', label, 'config', i]]);
    });
  } else {
    throw new PipelineError(`${at(['tasks', label, 'config'])}: task '${label}': 'config' must be a mapping of fields to values`, 'PIPELINE_YAML');
  }
  for (const [block, keys] of blocks) {
    for (const [key, value] of Object.entries(block)) {
      const where = at([...keys, key]);
      if (PYTHON_ONLY[key]) throw new PipelineError(`${where}: task '${label}' config '${key}': ${PYTHON_ONLY[key]}`, 'PIPELINE_UNSUPPORTED');
      if (key === 'connections' && isMapping(value)) {
        for (const [name, to] of Object.entries(value)) {
          config[`connections.${name}`] = to;
          configSources.set(`connections.${name}`, at([...keys, key, name]));
        }
        continue;
      }
      config[key] = value;
      configSources.set(key, where);
    }
  }
  return { config, configSources };
}

/** A list of dimension names. */
function dimensionList(raw: unknown, what: string, where: string): string[] {
  if (!Array.isArray(raw) || raw.some((d) => typeof d !== 'string')) {
    throw new PipelineError(`${where}: ${what}: 'dimensions' must be a list of dimension names, got ${JSON.stringify(raw)}`, 'PIPELINE_YAML');
  }
  if (new Set(raw).size !== raw.length) throw new PipelineError(`${where}: ${what}: 'dimensions' lists a dimension twice: [${raw.join(', ')}]`, 'PIPELINE_YAML');
  return raw as string[];
}

/** One connection: known keys only, LSST's value rules. */
function parseConnection(label: string, group: ConnectionGroup, name: string, raw: unknown, keys: (string | number)[], at: Locate): ConnectionDeclaration {
  const what = `task '${label}' ${group}.${name}`;
  if (!isMapping(raw)) {
    throw new PipelineError(`${at(keys)}: ${what} must be a mapping with datasetType, dimensions and storageClass`, 'PIPELINE_CONNECTION');
  }
  const kind: ConnectionKind = CONNECTION_GROUPS[group];
  const allowed = CONNECTION_KEYS[kind];
  for (const key of Object.keys(raw)) {
    if (PYTHON_ONLY[key]) throw new PipelineError(`${at([...keys, key])}: ${what} key '${key}': ${PYTHON_ONLY[key]}`, 'PIPELINE_UNSUPPORTED');
    if (!allowed.includes(key)) {
      const elsewhere = Object.values(CONNECTION_KEYS).some((k) => k.includes(key)) ? ` ('${key}' does not apply to ${group})` : '';
      throw new PipelineError(`${at([...keys, key])}: unknown key '${key}' in ${what}${elsewhere} (allowed: ${allowed.join(', ')})`, 'PIPELINE_CONNECTION');
    }
  }
  for (const key of ['datasetType', 'storageClass', ...(kind === 'initInput' || kind === 'initOutput' ? [] : ['dimensions'])]) {
    if (!(key in raw)) throw new PipelineError(`${at(keys)}: ${what} needs '${key}'`, 'PIPELINE_CONNECTION');
  }
  const d = raw as unknown as ConnectionDeclaration;
  const problem = connectionProblem(kind, d);
  if (problem) throw new PipelineError(`${at(problem.key in raw ? [...keys, problem.key] : keys)}: ${what}: ${problem.message}`, 'PIPELINE_CONNECTION');
  return d;
}

/** `run: {module: PATH}` (resolved against the declaring file's folder) or `run: {command: TEMPLATE}` (run in that folder). */
function parseRunner(label: string, raw: unknown, path: string, where: string): TaskRunner {
  const keys = isMapping(raw) ? Object.keys(raw) : [];
  if (!isMapping(raw) || keys.length !== 1 || !['module', 'command'].includes(keys[0]!)) {
    throw new PipelineError(`${where}: task '${label}': 'run' must be {module: PATH} or {command: "TEMPLATE"}, got ${JSON.stringify(raw)}`, 'PIPELINE_YAML');
  }
  const value = raw[keys[0]!];
  if (typeof value !== 'string' || !value.trim()) throw new PipelineError(`${where}: task '${label}': run.${keys[0]} must be a non-empty string`, 'PIPELINE_YAML');
  return keys[0] === 'module' ? { module: resolve(dirname(path), value) } : { command: value, cwd: dirname(path) };
}
