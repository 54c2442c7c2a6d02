/**
 * A task's config fields declared once: name, type, default and doc. The task's defaults,
 * the pipeline loader's checks (unknown fields, wrong types, with their YAML location) and
 * the typed config its `run` reads all come from that one schema.
 */
import { PipelineError } from './pipeline-errors.js';
import type { TaskConfig } from './connections.js';

/** One config field. A `null` default means none: the field is absent unless set (the code then falls back, e.g. to a header card). */
export type ConfigField = { readonly doc: string } & (
  | { readonly type: 'boolean'; readonly default: boolean }
  | { readonly type: 'number'; readonly default: number | null }
  | { readonly type: 'string'; readonly default: string | null; readonly choices?: readonly string[] }
  | { readonly type: 'strings'; readonly default: readonly string[] }
  /** Numbers by name (e.g. a zero point per band). */
  | { readonly type: 'numberMap'; readonly default: Readonly<Record<string, number>> }
);

/** Fields by name. */
export type ConfigSchema = Readonly<Record<string, ConfigField>>;

/** The value type of a field. */
type FieldValue<F extends ConfigField> =
  F extends { type: 'boolean' } ? boolean
  : F extends { type: 'number'; default: null } ? number | undefined
  : F extends { type: 'number' } ? number
  : F extends { type: 'string'; choices: readonly (infer C)[] } ? C
  : F extends { type: 'string'; default: null } ? string | undefined
  : F extends { type: 'string' } ? string
  : F extends { type: 'strings' } ? readonly string[]
  : F extends { type: 'numberMap' } ? Readonly<Record<string, number>>
  : never;

/** The typed config a schema describes, every field filled in. */
export type ConfigOf<S extends ConfigSchema> = { readonly [K in keyof S]: FieldValue<S[K]> };

/** `schema` as written, its literal types (choices, null defaults) kept for {@link ConfigOf}. */
export function defineConfig<const S extends ConfigSchema>(schema: S): S {
  return schema;
}

/** Every field with its default (null for none): the task definition's `defaults`. */
export function configDefaults(schema: ConfigSchema): TaskConfig {
  return Object.freeze(Object.fromEntries(Object.entries(schema).map(([key, f]) => [key, f.default])));
}

/** What is wrong with `value` for field `f`, or null (null and undefined stand for the default). */
function fieldProblem(f: ConfigField, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const got = `got ${JSON.stringify(value)}`;
  switch (f.type) {
    case 'boolean':
      return typeof value === 'boolean' ? null : `must be true or false, ${got}`;
    case 'number':
      return typeof value === 'number' ? null : `must be a number, ${got}`;
    case 'string':
      if (typeof value !== 'string') return `must be a string, ${got}`;
      return !f.choices || f.choices.includes(value) ? null : `must be ${f.choices.map((c) => `'${c}'`).join(' or ')}, ${got}`;
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? null : `must be a list of strings, ${got}`;
    case 'numberMap':
      return typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'number') ? null : `must be a mapping of names to numbers, ${got}`;
  }
}

/** The problems of `config`'s values for the fields of `schema` (other keys are not looked at), field by field. */
export function configProblems(schema: ConfigSchema, config: TaskConfig): { key: string; problem: string }[] {
  return Object.entries(schema).flatMap(([key, f]) => {
    const problem = fieldProblem(f, config[key]);
    return problem ? [{ key, problem }] : [];
  });
}

/** The typed config of `task` from its config values: defaults filled in, types checked (PIPELINE_CONFIG). */
export function readConfig<S extends ConfigSchema>(schema: S, config: TaskConfig, task: string): ConfigOf<S> {
  const problems = configProblems(schema, config);
  if (problems.length) throw new PipelineError(problems.map((p) => `${task} config ${p.key} ${p.problem}`).join('; '), 'PIPELINE_CONFIG');
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(schema)) {
    const value = config[key] ?? f.default;
    if (value !== null) out[key] = value;
  }
  return out as ConfigOf<S>;
}
