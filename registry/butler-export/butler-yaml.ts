/**
 * The YAML dialect of LSST's `butler export` files: custom tags for UUIDs, TAI times,
 * timespans and sphgeom polygons, read into qg values and written back the same way.
 */
import { Document, parseDocument, YAMLMap, Scalar, LineCounter, type Tags } from 'yaml';
import { RegistryError } from '../errors.js';
import { taiFromIso, taiToIso, TIME_MAX, TIME_MIN, type Timespan } from '../time/tai-time.js';
import { ConvexPolygon } from '../spatial/index.js';
import { boundedToJS, EXPORT_YAML_LIMITS, type YamlLimits } from '../yaml/bounded-yaml.js';

/** Error for an unreadable export file, naming the file and line. */
export class ExportFormatError extends RegistryError {
  override name = 'ExportFormatError';
  constructor(message: string) {
    super(message, 'EXPORT_FORMAT');
  }
}

/** A `!butler_time/tai/iso` value. */
export class ButlerTime {
  constructor(readonly ns: bigint) {}
}

/** A `!uuid` value (kept distinct from plain strings so it is tagged when written). */
export class ButlerUuid {
  constructor(readonly value: string) {}
}

/** A `!lsst.daf.butler.Timespan` value; null ends are unbounded. */
export class ButlerTimespan {
  constructor(readonly begin: ButlerTime | null, readonly end: ButlerTime | null) {}

  /** As a qg timespan (unbounded ends become the stored sentinels). */
  toTimespan(): Timespan {
    return { begin: this.begin?.ns ?? TIME_MIN, end: this.end?.ns ?? TIME_MAX };
  }

  /** From a qg timespan. */
  static from(ts: Timespan): ButlerTimespan {
    return new ButlerTimespan(ts.begin <= TIME_MIN ? null : new ButlerTime(ts.begin), ts.end >= TIME_MAX ? null : new ButlerTime(ts.end));
  }
}

const POLYGON_TAG = 'lsst.sphgeom.ConvexPolygon';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

const tags: Tags = [
  {
    tag: '!uuid',
    identify: (v) => v instanceof ButlerUuid,
    resolve: (s: string) => new ButlerUuid(s.toLowerCase()),
    stringify: (item) => `'${(item.value as ButlerUuid).value}'`,
  },
  {
    tag: '!butler_time/tai/iso',
    identify: (v) => v instanceof ButlerTime,
    resolve: (s: string, onError: (m: string) => void) => {
      try {
        return new ButlerTime(taiFromIso(s));
      } catch (e) {
        onError((e as Error).message);
        return null;
      }
    },
    stringify: (item) => `'${taiToIso((item.value as ButlerTime).ns)}'`,
  },
  {
    tag: '!lsst.daf.butler.Timespan',
    collection: 'map',
    identify: (v) => v instanceof ButlerTimespan,
    resolve: (map: YAMLMap.Parsed, onError: (m: string) => void) => {
      const begin = map.get('begin'), end = map.get('end');
      const ok = (v: unknown) => v === null || v === undefined || v instanceof ButlerTime;
      if (!ok(begin) || !ok(end)) onError('a Timespan needs begin/end times tagged !butler_time/tai/iso (or null)');
      return new ButlerTimespan((begin as unknown as ButlerTime) ?? null, (end as unknown as ButlerTime) ?? null);
    },
    createNode: (schema, value) => {
      const ts = value as ButlerTimespan;
      const map = new YAMLMap(schema);
      map.set('begin', ts.begin ? new Scalar(ts.begin) : null);
      map.set('end', ts.end ? new Scalar(ts.end) : null);
      return map;
    },
  },
  {
    tag: POLYGON_TAG,
    collection: 'map',
    identify: (v) => v instanceof ConvexPolygon,
    resolve: (map: YAMLMap.Parsed, onError: (m: string) => void) => {
      const encoded = map.get('encoded');
      try {
        if (typeof encoded !== 'string' || !/^[0-9a-fA-F]*$/.test(encoded)) throw new Error('expected a hex string in `encoded`');
        return ConvexPolygon.decode(new Uint8Array(Buffer.from(encoded, 'hex')));
      } catch (e) {
        onError(`bad ConvexPolygon: ${(e as Error).message}`);
        return null;
      }
    },
    createNode: (schema, value) => {
      const map = new YAMLMap(schema);
      map.set('encoded', hex((value as ConvexPolygon).encode()));
      return map;
    },
  },
] as Tags;

/** A parsed export: its JS value, and where its nodes are, for error messages. */
export interface ExportDocument {
  /** The file the text came from. */
  readonly source: string;
  readonly value: unknown;
  /** 1-based line of the node at `path` (keys and indexes from the root), else of its closest ancestor. */
  lineOf(path: readonly (string | number)[]): number;
}

/**
 * Parses export YAML text, with aliases bounded by `limits`; errors name `source` and the
 * line. Text that does not end with a newline is refused as truncated: LSST and qg end
 * every export with one.
 */
export function parseExportYaml(text: string, source: string, limits: YamlLimits = EXPORT_YAML_LIMITS): ExportDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { customTags: ['binary', ...tags] as Tags, lineCounter, intAsBigInt: false, uniqueKeys: false });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return `${source}:${pos.line}:${pos.col}`;
  };
  if (text && !text.endsWith('\n')) throw new ExportFormatError(`${at(text.length)}: the file ends in the middle of a line (truncated?)`);
  const problem = doc.errors[0];
  if (problem) throw new ExportFormatError(`${at(problem.pos[0])}: ${problem.message.split('\n')[0]}`);
  const value = boundedToJS(doc, source, limits);
  return { source, value, lineOf: (path) => lineCounter.linePos(nodeOffset(doc, path)).line };
}

/** Where something is in an export: its YAML path, and how messages name it (`data[3] (type dataset, ...)`). */
export interface Place {
  readonly path: readonly (string | number)[];
  readonly label: string;
}

/** `file:line: label` of `place`, to start an error message. */
export function describePlace(doc: ExportDocument, place: Place): string {
  return `${doc.source}:${doc.lineOf(place.path)}: ${place.label}`;
}

/** Prefixes a registry error's message with `place` (keeping its class and code); other errors are returned as they are. */
export function atPlace(doc: ExportDocument, place: Place, error: unknown): unknown {
  if (error instanceof RegistryError && !error.message.startsWith(`${doc.source}:`)) error.message = `${describePlace(doc, place)}: ${error.message}`;
  return error;
}

/** Start offset of the node at `path`, or of its closest ancestor that has one. */
function nodeOffset(doc: Document, path: readonly (string | number)[]): number {
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return node.range[0];
  }
  return doc.contents?.range?.[0] ?? 0;
}

/** Writes a value (with ButlerTime/ButlerUuid/ButlerTimespan/ConvexPolygon/Uint8Array inside) as export YAML. */
export function stringifyExportYaml(value: unknown): string {
  const doc = new Document(value, { customTags: ['binary', ...tags] as Tags });
  // the polygon tag is written in verbatim form, as LSST does
  return doc.toString({ lineWidth: 0, indentSeq: false }).replaceAll(`!${POLYGON_TAG}`, `!<${POLYGON_TAG}>`);
}
