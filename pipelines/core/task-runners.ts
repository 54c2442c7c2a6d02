/**
 * How tasks declared in a pipeline run (their `run:` key, TaskRunner): a module's `run`
 * function, imported by absolute path (TypeScript or JavaScript; once per thread), or a shell
 * command template. A template's placeholders `{inputs.NAME}`, `{outputs.NAME}`,
 * `{dataId.KEY}` and `{config.KEY}` expand to shell-quoted words: one per dataset of a
 * connection (so none, one or several), one per element of a list config value, one
 * otherwise. Every other brace (`awk '{print $1}'`, `${HOME}`) is left as written.
 * The planner checks runners before it builds (`runnerProblems`), the engine checks that they
 * can start before it runs (`runnerStartProblem`), then runs them.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { TaskConfig, TaskRunInput, TaskRunner, TaskRunOutput } from './connections.js';
import { PipelineError } from './pipeline-errors.js';
import { importModule } from './module-import.js';
import { prepareImport } from './typescript-import.js';

/** A task's computation: the `run` export of a task module. */
export type TaskRunFunction = (input: TaskRunInput) => TaskRunOutput | Promise<TaskRunOutput>;

const modules = new Map<string, Promise<TaskRunFunction>>();

/**
 * The `run` export of the module at absolute `path`, imported once per thread. Rejects with a
 * PipelineError (code TASK_MODULE) naming the module when it cannot be imported or its `run`
 * is not a function.
 */
export function loadTaskRun(path: string): Promise<TaskRunFunction> {
  let run = modules.get(path);
  if (!run) {
    run = importRun(path);
    modules.set(path, run);
  }
  return run;
}

/**
 * Imports the module into this thread's module graph (so it shares qg's copies of the
 * packages it imports, apache-arrow included). A `.ts` file outside a `"type": "module"`
 * package loads as CommonJS (tsx is registered for both): its exports are then its `default`.
 */
async function importRun(path: string): Promise<TaskRunFunction> {
  let mod: Record<string, unknown>;
  try {
    const url = pathToFileURL(path).href;
    await prepareImport(url);
    mod = await importModule(url);
  } catch (e) {
    throw new PipelineError(`cannot load task module ${path}: ${(e as Error).message}`, 'TASK_MODULE');
  }
  const run = mod['run'] ?? (mod['default'] as Record<string, unknown> | undefined)?.['run'];
  if (typeof run !== 'function') {
    const exports = Object.keys(mod).filter((k) => k !== 'default');
    throw new PipelineError(`task module ${path} does not export a function run(input) (exports: ${exports.join(', ') || 'none'})`, 'TASK_MODULE');
  }
  return run as TaskRunFunction;
}

/** What a placeholder names. */
export type PlaceholderGroup = 'inputs' | 'outputs' | 'dataId' | 'config';

/** One `{group.key}` of a command template. */
export interface CommandPlaceholder {
  readonly group: PlaceholderGroup;
  readonly key: string;
}

const PLACEHOLDER = /\{(inputs|outputs|dataId|config)\.([A-Za-z_][A-Za-z0-9_.]*)\}/g;

/** The placeholders of `template`, in order (repeats included). */
export function commandPlaceholders(template: string): CommandPlaceholder[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => ({ group: m[1] as PlaceholderGroup, key: m[2]! }));
}

/** `word` as one shell word: as is when it holds nothing the shell would interpret, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `template` with every placeholder replaced by the words `words` gives for it, each shell-quoted, separated by spaces. */
export function expandCommand(template: string, words: (p: CommandPlaceholder) => readonly string[]): string {
  return template.replace(PLACEHOLDER, (_, group: PlaceholderGroup, key: string) => words({ group, key }).map(shellQuote).join(' '));
}

/** The words of a config value: one per element of a list, else one (strings as they are, other values as JSON). */
export function configWords(value: unknown): string[] {
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v) ?? '');
  return Array.isArray(value) ? value.map(text) : [text(value)];
}

/** What checking a runner needs to know about its task. */
export interface RunnerTarget {
  readonly label: string;
  readonly runner: TaskRunner;
  /** Keys of its quanta's data IDs (required dimensions). */
  readonly dataIdKeys: readonly string[];
  readonly config: TaskConfig;
  /** Names of its input and prerequisite connections. */
  readonly inputs: readonly string[];
  /** Names of its output connections, the engine's metadata and log left out. */
  readonly outputs: readonly string[];
}

/**
 * What keeps a command template from running its task: placeholders naming a connection,
 * data-ID key or config field the task does not have, and outputs the template never names
 * (the command could not know where to write them).
 */
export function commandProblems(t: RunnerTarget & { readonly runner: { readonly command: string } }): string[] {
  const known: Readonly<Record<PlaceholderGroup, readonly string[]>> = {
    inputs: t.inputs, outputs: t.outputs, dataId: t.dataIdKeys, config: Object.keys(t.config),
  };
  const what: Readonly<Record<PlaceholderGroup, string>> = {
    inputs: 'input or prerequisite connection', outputs: 'output connection', dataId: 'data-ID key', config: 'config field',
  };
  const placeholders = commandPlaceholders(t.runner.command);
  const problems = placeholders.filter((p) => !known[p.group].includes(p.key))
    .map((p) => `task '${t.label}': command placeholder {${p.group}.${p.key}}: the task has no ${what[p.group]} '${p.key}' (${p.group}: ${known[p.group].join(', ') || 'none'})`);
  for (const name of t.outputs) {
    if (!placeholders.some((p) => p.group === 'outputs' && p.key === name)) problems.push(`task '${t.label}': the command never names output '${name}' ({outputs.${name}} is where it must write it)`);
  }
  return problems;
}

/**
 * What keeps the runner of task `label` from starting: its module is not there, does not load
 * or has no `run`, or its command is empty (the template itself is checked by `runnerProblems`).
 */
export async function runnerStartProblem(label: string, runner: TaskRunner): Promise<string | null> {
  if ('command' in runner) return runner.command.trim() ? null : `task '${label}': its command is empty`;
  if (!existsSync(runner.module)) return `task '${label}': task module ${runner.module} does not exist`;
  try {
    await loadTaskRun(runner.module);
    return null;
  } catch (e) {
    return `task '${label}': ${(e as Error).message}`;
  }
}

/** What keeps `t`'s runner from running: its module does not load or has no `run`, or its command template is wrong. */
export async function runnerProblems(t: RunnerTarget): Promise<string[]> {
  const runner = t.runner;
  if ('command' in runner) return commandProblems({ ...t, runner });
  const problem = await runnerStartProblem(t.label, runner);
  return problem ? [problem] : [];
}
