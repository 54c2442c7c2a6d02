/**
 * Limits for YAML that qg reads from users (butler exports, pipelines): the file's size is
 * checked before it is read, and alias expansion is bounded when the document becomes JS
 * values, so a small file cannot expand into gigabytes (a "billion laughs" alias bomb).
 */
import { readFileSync, statSync } from 'node:fs';
import type { Document, ToJSOptions } from 'yaml';
import { RegistryError } from '../errors.js';

/** How much YAML a reader accepts. */
export interface YamlLimits {
  /** Largest file, in bytes. */
  readonly maxBytes: number;
  /** The `yaml` package's `maxAliasCount` (its default, 100, allows ordinary anchor reuse). */
  readonly maxAliasCount: number;
}

/** Limits for pipeline files (LSST's largest pipelines are tens of KB). */
export const PIPELINE_YAML_LIMITS: YamlLimits = { maxBytes: 4 * 2 ** 20, maxAliasCount: 100 };

/** Limits for butler exports (parsing takes about 50 bytes of memory per byte of YAML). */
export const EXPORT_YAML_LIMITS: YamlLimits = { maxBytes: 32 * 2 ** 20, maxAliasCount: 100 };

/** Error for YAML over a size or alias limit; names the file. */
export class YamlLimitError extends RegistryError {
  override name = 'YamlLimitError';
  constructor(message: string) {
    super(message, 'YAML_LIMIT');
  }
}

/** Reads `path` as UTF-8 text; a file over `limits.maxBytes` is refused before it is read. */
export function readBoundedYaml(path: string, limits: YamlLimits): string {
  let bytes: Buffer;
  try {
    checkSize(path, statSync(path).size, limits);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof RegistryError) throw e;
    const error = e as NodeJS.ErrnoException;
    throw new RegistryError(`cannot read '${path}': ${error.code === 'ENOENT' ? 'no such file' : error.message}`, 'YAML_FILE');
  }
  checkSize(path, bytes.length, limits); // it may have grown since
  return bytes.toString('utf8');
}

function checkSize(source: string, size: number, limits: YamlLimits): void {
  if (size > limits.maxBytes) {
    throw new YamlLimitError(`${source}: ${size} bytes is larger than YAML input may be (the limit is ${limits.maxBytes} bytes)`);
  }
}

/** `doc.toJS` with aliases bounded by `limits.maxAliasCount`; an excess is a YamlLimitError. */
export function boundedToJS(doc: Document, source: string, limits: YamlLimits, options: Omit<ToJSOptions, 'maxAliasCount'> = {}): unknown {
  try {
    return doc.toJS({ ...options, maxAliasCount: limits.maxAliasCount });
  } catch (e) {
    if (e instanceof ReferenceError && e.message.startsWith('Excessive alias count')) {
      throw new YamlLimitError(`${source}: its aliases expand too much (more than ${limits.maxAliasCount} alias references, weighted by size): refused as a resource exhaustion attack`);
    }
    throw e;
  }
}
