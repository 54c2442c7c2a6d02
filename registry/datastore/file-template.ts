/**
 * Where a dataset's file goes under the repository root. Templates name fields in braces:
 * `{run}`, `{datasetType}`, `{id}`, `{dataId}` (key=value pairs joined by `_`) and any
 * dimension (`{visit}`). Every field value is made path-safe, and the result must stay
 * inside the root: no absolute paths, no `..`.
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

/** Keeps letters, digits and `-_.=+`; everything else becomes `-`. `..` never survives. */
function safeSegment(value: string): string {
  return value.replace(/[^A-Za-z0-9_.=+-]/g, '-').replace(/\.\.+/g, '-');
}

/** Renders `template` for `ref` into a relative path (without extension). */
export function renderTemplate(template: string, ref: DatasetRef): string {
  const fields: Record<string, string> = {
    run: ref.run.split('/').map(safeSegment).join('/'),
    datasetType: safeSegment(ref.datasetType),
    id: ref.id,
    dataId: Object.entries(ref.dataId).map(([k, v]) => safeSegment(`${k}=${v}`)).join('_'),
  };
  for (const [k, v] of Object.entries(ref.dataId)) fields[k] = safeSegment(String(v));
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = fields[name];
    if (value === undefined) throw new PathError(`template field {${name}} has no value for ${ref.datasetType} ${JSON.stringify(ref.dataId)}`);
    return value;
  });
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
