/**
 * The dimension universe: which elements exist, their keys, and how they depend on each
 * other. Loaded from YAML (a default that mirrors LSST's names ships beside this file).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDocument, LineCounter } from 'yaml';
import { RegistryError } from '../errors.js';
import { shippedFile } from '../shipped-files.js';
import { suggest } from './did-you-mean.js';

export { suggest };

/** Column value types a universe may declare. */
export type FieldType = 'int' | 'float' | 'string' | 'bool' | 'binary';

/** A metadata column of an element. */
export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
}

/** Error for a malformed universe file or an unknown element/dimension name. */
export class UniverseError extends RegistryError {
  override name = 'UniverseError';
  constructor(message: string) {
    super(message, 'UNIVERSE');
  }
}

/**
 * A table-backed element (a dimension with a key, or a join element without one), or the
 * table-less skypix dimension. `requires` and `implies` are the direct links; the `required`
 * list is their closure in universe order (the element's primary key, minus its own key).
 */
export class DimensionElement {
  /** Dimensions (closure of `requires`) whose keys prefix this element's primary key. */
  required: readonly string[] = [];
  constructor(
    readonly name: string,
    readonly index: number,
    readonly key: FieldSpec | null,
    readonly requires: readonly string[],
    readonly implies: readonly string[],
    readonly fields: readonly FieldSpec[],
    readonly governor: boolean,
    readonly spatial: string | null,
    readonly temporal: boolean,
    readonly skypix: { system: string; level: number } | null,
    readonly alwaysJoin = false,
  ) {}

  /** True for elements that are dimensions (have a key of their own). */
  get isDimension(): boolean {
    return this.key !== null;
  }

  /** True when records live in a table (all but skypix dimensions). */
  get hasTable(): boolean {
    return this.skypix === null;
  }

  /** Column in this element's own table holding key `dimension` (its own key is `key.name`). */
  columnFor(dimension: string): string {
    return dimension === this.name && this.key ? this.key.name : dimension;
  }

  /** Primary-key columns of this element's table, in order. */
  get primaryKeyColumns(): string[] {
    return this.key ? [...this.required, this.key.name] : [...this.required];
  }
}

const FIELD_TYPES: ReadonlySet<string> = new Set(['int', 'float', 'string', 'bool', 'binary']);

/** `text` as a JSON object, or null when it is not one (then it is read as YAML). */
function jsonObject(text: string): Record<string, unknown> | null {
  if (!text.trimStart().startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null; // a YAML flow mapping, or broken: the YAML parser says which
  }
}

/** The set of elements and the rules that relate them. Immutable once built. */
export class DimensionUniverse {
  readonly elements: ReadonlyMap<string, DimensionElement>;
  /** The common skypix dimension (e.g. htm7) used for spatial overlap tables. */
  readonly skypix: DimensionElement;
  /** Spatial families of the elements with regions (e.g. observation, skymap), in universe
   * order; the skypix pixelization is not one. */
  readonly spatialFamilies: readonly string[];
  private readonly groupCache = new Map<string, DimensionGroup>();

  constructor(
    readonly namespace: string,
    readonly version: number,
    elements: DimensionElement[],
    /** The plain form it was read from (JSON-safe), which Registry.create stores. */
    readonly config: Readonly<Record<string, unknown>>,
  ) {
    this.elements = new Map(elements.map((e) => [e.name, e]));
    const skypix = elements.find((e) => e.skypix);
    if (!skypix) throw new UniverseError('the universe declares no skypix dimension');
    this.skypix = skypix;
    this.spatialFamilies = [...new Set([...this.elements.values()].map((e) => e.spatial).filter((f): f is string => !!f && f !== 'skypix'))];
    for (const e of elements) e.required = this.closure(e.requires, (d) => d.requires);
  }

  /** Loads the universe shipped with qg. */
  static default(): DimensionUniverse {
    return DimensionUniverse.fromFile(fileURLToPath(shippedFile('universe/default-universe.yaml')));
  }

  /** Loads a universe YAML file; errors name the file and line. */
  static fromFile(path: string): DimensionUniverse {
    return DimensionUniverse.fromYaml(readFileSync(path, 'utf8'), path);
  }

  /**
   * Parses universe YAML text (`source` names it in errors, with the line). JSON is YAML too:
   * a universe stored as JSON (Registry.create stores it so) is read without the YAML parser,
   * ~15 ms of every start that opens a repository.
   */
  static fromYaml(text: string, source = '<universe>'): DimensionUniverse {
    const json = jsonObject(text);
    if (json) return DimensionUniverse.fromConfig(json, source, (path) => `${source} (${path.join('.')})`);
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter });
    if (doc.errors.length) throw new UniverseError(`${source}: ${doc.errors[0]!.message}`);
    const at = (path: (string | number)[]): string => {
      const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
      const pos = node?.range ? lineCounter.linePos(node.range[0]) : undefined;
      return `${source}${pos ? `:${pos.line}` : ''} (${path.join('.')})`;
    };
    return DimensionUniverse.fromConfig(doc.toJS() as Record<string, unknown>, source, at);
  }

  /** Checks a parsed universe and builds it; `at` names a place in its text (`source`) for errors. */
  private static fromConfig(root: Record<string, unknown>, source: string, at: (path: (string | number)[]) => string): DimensionUniverse {
    const rawElements = root['elements'] as Record<string, Record<string, unknown>> | undefined;
    if (!rawElements || typeof rawElements !== 'object') throw new UniverseError(`${source}: missing 'elements' mapping`);
    const skypixSpec = root['skypix'] as { name?: string; system?: string; level?: number } | undefined;
    if (!skypixSpec?.name || skypixSpec.system !== 'htm' || !Number.isInteger(skypixSpec.level)) {
      throw new UniverseError(`${at(['skypix'])}: expected { name, system: htm, level: <int> }`);
    }
    const names = Object.keys(rawElements);
    const known = new Set([...names, skypixSpec.name]);
    const list = (value: unknown, path: (string | number)[]): string[] => {
      if (value === undefined) return [];
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new UniverseError(`${at(path)}: expected a list of names`);
      for (const v of value as string[]) {
        if (!known.has(v)) throw new UniverseError(`${at(path)}: unknown dimension '${v}'`);
      }
      return value as string[];
    };
    const field = (value: unknown, path: (string | number)[]): FieldSpec => {
      const f = value as { name?: unknown; type?: unknown } | null;
      if (!f || typeof f.name !== 'string' || typeof f.type !== 'string' || !FIELD_TYPES.has(f.type)) {
        throw new UniverseError(`${at(path)}: expected { name, type: int|float|string|bool|binary }`);
      }
      return { name: f.name, type: f.type as FieldType };
    };
    const elements: DimensionElement[] = [];
    names.forEach((name, index) => {
      const spec = rawElements[name] ?? {};
      const path = ['elements', name];
      if ((typeof spec !== 'object' || Array.isArray(spec)) && Object.keys(spec).length) throw new UniverseError(`${at(path)}: expected a mapping`);
      const isJoin = spec['join'] === true;
      const key = isJoin ? null : field(spec['key'], [...path, 'key']);
      const requires = list(spec['requires'], [...path, 'requires']);
      for (const r of requires) {
        if (names.indexOf(r) > index) throw new UniverseError(`${at([...path, 'requires'])}: '${r}' must be defined before '${name}'`);
      }
      const fields = ((spec['fields'] as unknown[] | undefined) ?? []).map((f, i) => field(f, [...path, 'fields', i]));
      elements.push(new DimensionElement(
        name, index, key, requires, list(spec['implies'], [...path, 'implies']), fields,
        spec['governor'] === true, typeof spec['spatial'] === 'string' ? spec['spatial'] : null,
        spec['temporal'] === true, null, isJoin && spec['always_join'] === true,
      ));
    });
    elements.push(new DimensionElement(
      skypixSpec.name, names.length, { name: 'id', type: 'int' }, [], [], [], false, 'skypix', false,
      { system: skypixSpec.system, level: skypixSpec.level! },
    ));
    return new DimensionUniverse(String(root['namespace'] ?? 'qg'), Number(root['version'] ?? 1), elements, root);
  }

  /** The element called `name`; suggests the closest name when unknown. */
  element(name: string): DimensionElement {
    const e = this.elements.get(name);
    if (!e) throw new UniverseError(`unknown dimension element '${name}'${suggest(name, [...this.elements.keys()])}`);
    return e;
  }

  /** A dimension (element with a key); join elements are refused. */
  dimension(name: string): DimensionElement {
    const e = this.element(name);
    if (!e.isDimension) throw new UniverseError(`'${name}' is a join element, not a dimension`);
    return e;
  }

  /** Dimensions in universe order. */
  get dimensions(): DimensionElement[] {
    return [...this.elements.values()].filter((e) => e.isDimension);
  }

  /** Governor dimensions (instrument, skymap). */
  get governors(): DimensionElement[] {
    return this.dimensions.filter((e) => e.governor);
  }

  /** The normalized group for a set of dimension names (adds required and implied dimensions). */
  group(names: Iterable<string>): DimensionGroup {
    const all = this.closure([...names].map((n) => this.dimension(n).name), (d) => [...d.requires, ...d.implies]);
    const cacheKey = all.join(',');
    let group = this.groupCache.get(cacheKey);
    if (!group) {
      const impliedByOthers = new Set(all.flatMap((n) => this.element(n).implies));
      group = new DimensionGroup(this, all.filter((n) => !impliedByOthers.has(n)), all.filter((n) => impliedByOthers.has(n)));
      this.groupCache.set(cacheKey, group);
    }
    return group;
  }

  /** Names reachable from `start` through `next`, including `start`, in universe order. */
  private closure(start: readonly string[], next: (e: DimensionElement) => readonly string[]): string[] {
    const seen = new Set<string>();
    const stack = [...start];
    while (stack.length) {
      const name = stack.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const e = this.elements.get(name);
      if (e) stack.push(...next(e));
    }
    return [...seen].sort((a, b) => this.elements.get(a)!.index - this.elements.get(b)!.index);
  }
}

/**
 * A normalized set of dimensions. `required` dimensions identify a data ID; `implied` ones
 * are determined by them (e.g. {instrument, exposure, detector} implies physical_filter,
 * band and day_obs). Both lists are in universe order.
 */
export class DimensionGroup {
  constructor(readonly universe: DimensionUniverse, readonly required: readonly string[], readonly implied: readonly string[]) {}

  /** Required then implied names. */
  get names(): string[] {
    return [...this.required, ...this.implied];
  }

  /** Stable text key, e.g. `instrument,detector,physical_filter`. */
  get key(): string {
    return this.required.join(',');
  }

  /** Whether `name` is in the group. */
  has(name: string): boolean {
    return this.required.includes(name) || this.implied.includes(name);
  }

  /** Governor dimensions among the required ones. */
  get governors(): string[] {
    return this.required.filter((n) => this.universe.element(n).governor);
  }
}

