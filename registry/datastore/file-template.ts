/**
 * Where a dataset's file goes under the repository root. Templates name fields in braces:
 * `{run}`, `{datasetType}`, `{id}`, `{dataId}` (key=value pairs joined by `_`) and any
 * dimension (`{visit}`). Every field value is made path-safe by escaping, never by
 * replacing: distinct values give distinct paths (`u/col:a` and `u/col-a` are two folders), so
 * two runs never share a folder, a lock or an event log. The result must stay inside the root:
 * no absolute paths, no `..`.
 */
import { isAbsolute, normalize, relative, resolve, sep } from 'node:path';
import { RegistryError } from '../errors.js';
import type { DatasetRef } from '../datasets/datasets.js';

/** The default layout: `<run>/<datasetType>/<datasetType>_<dataId>_<id>`. */
export const DEFAULT_TEMPLATE = '{run}/{datasetType}/{datasetType}_{dataId}_{id}';

/** Error for a path that would leave the repository root or a template that cannot render. */
export class PathError extends RegistryError {
  override name = 'PathError';
  constructor(message: string) {
    super(message, 'PATH');
  }
}

const SAFE_SEGMENT = /^[A-Za-z0-9_.=+-]+$/;
const DOTS_ONLY = /^\.+$/;

/**
 * A value as one path segment, injectively: letters, digits and `-_.=+` stay; every other
 * byte of its UTF-8 form (`%` included) becomes `%XX`; a segment of dots only has its dots
 * escaped (never `.` or `..`), and an empty value is `%` (which no escaped value can be).
 */
export function escapeSegment(value: string): string {
  // most values (names, numbers) have nothing to escape: test before rebuilding them
  if (SAFE_SEGMENT.test(value) && !DOTS_ONLY.test(value)) return value;
  if (value === '') return '%';
  if (/^\.+$/.test(value)) return value.replace(/\./g, '%2E');
  return value.replace(/[^A-Za-z0-9_.=+-]/gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

/** The folder of RUN `run` relative to the root (where `{run}` puts its files): one escaped segment per `/`-separated part. */
export function runFolder(run: string): string {
  const folder = run.split('/').map(escapeSegment).join('/');
  checkRelative(folder);
  return folder;
}

/**
 * A template split at its fields: literal text at even indices, field names at odd ones.
 * Runs render one path per dataset (hundreds of thousands), so each template is split once.
 */
const templateParts = new Map<string, readonly string[]>();
function partsOf(template: string): readonly string[] {
  let parts = templateParts.get(template);
  if (!parts) templateParts.set(template, (parts = template.split(/\{(\w+)\}/)));
  return parts;
}

/** The last run's folder: the datasets rendered together are mostly of one run. */
let lastRun: { run: string; folder: string } | null = null;

/** The escaped value of template field `name` for `ref`, or undefined. */
function fieldValue(name: string, ref: DatasetRef): string | undefined {
  switch (name) {
    case 'run':
      if (lastRun?.run !== ref.run) lastRun = { run: ref.run, folder: runFolder(ref.run) };
      return lastRun.folder;
    case 'datasetType':
      return escapeSegment(ref.datasetType);
    case 'id':
      return ref.id;
    case 'dataId':
      return Object.entries(ref.dataId).map(([k, v]) => escapeSegment(`${k}=${v}`)).join('_');
    default:
      return Object.hasOwn(ref.dataId, name) ? escapeSegment(String(ref.dataId[name])) : undefined;
  }
}

/** Renders `template` for `ref` into a relative path (without extension). */
export function renderTemplate(template: string, ref: DatasetRef): string {
  const parts = partsOf(template);
  let path = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) {
    const value = fieldValue(parts[i]!, ref);
    if (value === undefined) throw new PathError(`template field {${parts[i]}} has no value for ${ref.datasetType} ${JSON.stringify(ref.dataId)}`);
    path += value + parts[i + 1]!;
  }
  checkRelative(path);
  return path;
}

/** Refuses absolute paths and `..` segments. */
export function checkRelative(path: string): void {
  if (!path || isAbsolute(path) || path.split(/[\\/]/).some((s) => s === '..')) {
    throw new PathError(`path '${path}' must be relative to the repository root and may not contain '..'`);
  }
}

/** Resolves a stored relative path under `root`, refusing any escape (also through normalization). */
export function resolveInside(root: string, path: string): string {
  checkRelative(path);
  const full = resolve(root, normalize(path));
  const rel = relative(resolve(root), full);
  if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep)[0] === '..') throw new PathError(`path '${path}' escapes the repository root`);
  return full;
}
