/**
 * The first pass over a parsed --where expression: every name resolved against the universe
 * (and the binds), the dimensions and elements the query must join, and the region literals
 * that need an exact spatial pre-filter. Walks AND/OR chains of any length without recursing
 * per term.
 */
import { Circle, ConvexPolygon, boxPolygon, fromRaDec, type Region } from '../spatial/index.js';
import type { DimensionUniverse } from '../universe/dimension-universe.js';
import { suggest } from '../universe/dimension-universe.js';
import type { BindValue } from './bind-values.js';
import { WhereError } from './query-errors.js';
import { walkWhere } from './where/index.js';
import type { BinaryNode, IdentifierNode, RegionNode, Span, WhereNode } from './where/index.js';

/** Scalar types of names and of compiled expressions. */
export type ScalarType = 'int' | 'float' | 'string' | 'bool' | 'time' | 'uuid';

/** What an identifier names. */
export type ResolvedName =
  | { readonly kind: 'key'; readonly dimension: string; readonly type: ScalarType }
  | { readonly kind: 'column'; readonly element: string; readonly column: string; readonly type: ScalarType }
  | { readonly kind: 'timespan'; readonly element: string }
  | { readonly kind: 'region'; readonly element: string }
  | { readonly kind: 'bind'; readonly name: string; readonly value: BindValue }
  /** `NULL` (any case), which LSST reads as a constant: an open end of a (begin, end) pair. */
  | { readonly kind: 'null' };

/** A region constraint `element.region OVERLAPS <literal>` to be pre-filtered exactly. */
export interface RegionTerm {
  readonly node: BinaryNode;
  readonly element: string;
  readonly region: Region;
}

/** What a where expression needs from the query. */
export interface WhereAnalysis {
  /** Dimensions named (as keys or through their elements' fields). */
  readonly dimensions: ReadonlySet<string>;
  /** Elements whose tables must be joined (fields, timespans). */
  readonly elements: ReadonlySet<string>;
  /** Region literal constraints, in expression order. */
  readonly regionTerms: readonly RegionTerm[];
}

/** Types of universe field kinds as query types. */
function scalarOf(type: string): ScalarType {
  return type === 'int' ? 'int' : type === 'float' ? 'float' : type === 'bool' ? 'bool' : 'string';
}

/** Resolves one identifier (bind names first, as LSST does for bare identifiers). */
export function resolveName(node: IdentifierNode, universe: DimensionUniverse, binds: ReadonlyMap<string, BindValue>, expression: string): ResolvedName {
  const fail = (message: string): never => {
    throw new WhereError(message, node.span.start, expression, 'WHERE_UNKNOWN_NAME');
  };
  const [first, second, third] = node.parts as [string, string?, string?];
  if (second === undefined) {
    const bound = binds.get(first);
    if (bound !== undefined) return { kind: 'bind', name: first, value: bound };
    if (first.toUpperCase() === 'NULL') return { kind: 'null' };
    const e = universe.elements.get(first);
    if (e?.isDimension) return { kind: 'key', dimension: e.name, type: scalarOf(e.key!.type) };
    const candidates = [...universe.dimensions.map((d) => d.name), ...binds.keys()];
    return fail(`unknown dimension '${first}'${quoteHint(node, universe, expression) ?? suggest(first, candidates)}`);
  }
  const element = universe.elements.get(first);
  if (!element) return fail(`unknown dimension element '${first}'${suggest(first, [...universe.elements.keys()])}`);
  if (third !== undefined) {
    if (second === 'timespan' && element.temporal && (third === 'begin' || third === 'end')) {
      return { kind: 'column', element: element.name, column: `timespan_${third}`, type: 'time' };
    }
    return fail(`'${node.name}' is not a field: only <element>.timespan.begin and .end have three parts`);
  }
  if (second === 'region') {
    if (!element.spatial) return fail(`'${first}' has no region`);
    return { kind: 'region', element: element.name };
  }
  if (second === 'timespan') {
    if (!element.temporal) return fail(`'${first}' has no timespan`);
    return { kind: 'timespan', element: element.name };
  }
  if (element.key && second === element.key.name) return { kind: 'key', dimension: element.name, type: scalarOf(element.key.type) };
  if (element.required.includes(second)) return { kind: 'key', dimension: second, type: scalarOf(universe.dimension(second).key!.type) };
  if (element.implies.includes(second)) return { kind: 'column', element: element.name, column: second, type: scalarOf(universe.dimension(second).key!.type) };
  const field = element.fields.find((f) => f.name === second);
  if (field && field.type !== 'binary') return { kind: 'column', element: element.name, column: field.name, type: scalarOf(field.type) };
  const known = [...(element.key ? [element.key.name] : []), ...element.implies, ...element.fields.map((f) => f.name), ...(element.spatial ? ['region'] : []), ...(element.temporal ? ['timespan'] : [])];
  return fail(`'${first}' has no field '${second}'${suggest(second, known)} (fields: ${known.join(', ')})`);
}

/**
 * `; a string value is quoted: band = 'r'` when the unknown one-part name `node` is the right
 * side of `KEY = name` (or `!=`) with KEY a string-keyed dimension: a value that lost its
 * quotes. Read from the text before the name, so every caller of resolveName says it.
 */
function quoteHint(node: IdentifierNode, universe: DimensionUniverse, expression: string): string | null {
  const m = /([A-Za-z_]\w*)\s*(=|!=|<>)\s*$/.exec(expression.slice(0, node.span.start));
  const key = m ? universe.elements.get(m[1]!) : undefined;
  if (!key?.isDimension || key.key?.type !== 'string') return null;
  return `; a string value is quoted: ${key.name} ${m![2]} '${node.name}'`;
}

/** Walks the tree: names, elements to join, and region literal terms. */
export function analyzeWhere(ast: WhereNode | null, universe: DimensionUniverse, binds: ReadonlyMap<string, BindValue>, expression: string): WhereAnalysis {
  const dimensions = new Set<string>();
  const elements = new Set<string>();
  const regionTerms: RegionTerm[] = [];
  const keysOf = (element: string) => {
    const e = universe.element(element);
    for (const d of e.required) dimensions.add(d);
    if (e.isDimension) dimensions.add(e.name);
  };
  if (ast) walkWhere(ast, (node) => {
    if (node.kind === 'Identifier') {
      const r = resolveName(node, universe, binds, expression);
      if (r.kind === 'key') dimensions.add(r.dimension);
      else if (r.kind !== 'bind' && r.kind !== 'null') {
        elements.add(r.element);
        keysOf(r.element);
      }
      return false;
    }
    const term = node.kind === 'Binary' && node.op === 'OVERLAPS' ? regionTerm(node, universe, binds, expression) : null;
    if (term) {
      regionTerms.push(term);
      keysOf(term.element);
    }
    return term === null;
  });
  return { dimensions, elements, regionTerms };
}

/** `x.region OVERLAPS <region literal>` (either way round), or null for other OVERLAPS. */
function regionTerm(node: BinaryNode, universe: DimensionUniverse, binds: ReadonlyMap<string, BindValue>, expression: string): RegionTerm | null {
  const pick = (a: WhereNode, b: WhereNode): RegionTerm | null => {
    if (a.kind !== 'Identifier' || b.kind !== 'Region') return null;
    const r = resolveName(a, universe, binds, expression);
    if (r.kind !== 'region') return null;
    return { node, element: r.element, region: regionFromLiteral(b, binds, expression) };
  };
  return pick(node.left, node.right) ?? pick(node.right, node.left);
}

/** Evaluates POINT/CIRCLE/BOX/POLYGON(...) with constant numeric arguments. */
export function regionFromLiteral(node: RegionNode, binds: ReadonlyMap<string, BindValue>, expression: string): Region {
  const fail = (message: string, at: Span = node.span): never => {
    throw new WhereError(message, at.start, expression, 'WHERE_TYPE');
  };
  const numberOf = (arg: WhereNode): number => {
    if (arg.kind === 'IntLiteral') return Number(arg.value);
    if (arg.kind === 'FloatLiteral') return arg.value;
    if (arg.kind === 'Unary' && arg.op === '-') return -numberOf(arg.operand);
    if (arg.kind === 'BindParameter' || arg.kind === 'Identifier') {
      const v = binds.get(arg.name);
      if (typeof v === 'number') return v;
    }
    return fail(`${node.shape} arguments must be numbers (degrees)`, arg.span);
  };
  const args = node.args.map(numberOf);
  const need = (n: number, what: string) => {
    if (args.length !== n) fail(`${node.shape} takes ${what}, got ${args.length} argument(s)`);
  };
  try {
    switch (node.shape) {
      case 'POINT': need(2, '(ra, dec)'); return new Circle(fromRaDec(args[0]!, args[1]!), 0);
      case 'CIRCLE': need(3, '(ra, dec, radius_deg)'); return Circle.fromRaDec(args[0]!, args[1]!, args[2]!);
      case 'BOX': need(4, '(ra, dec, width_deg, height_deg)'); return boxPolygon(args[0]!, args[1]!, args[2]!, args[3]!);
      case 'POLYGON': {
        if (args.length < 6 || args.length % 2) fail(`POLYGON takes (ra1, dec1, ra2, dec2, ra3, dec3, ...): an even number >= 6 of arguments, got ${args.length}`);
        const corners: [number, number][] = [];
        for (let i = 0; i < args.length; i += 2) corners.push([args[i]!, args[i + 1]!]);
        return ConvexPolygon.fromRaDecCorners(corners);
      }
    }
  } catch (e) {
    if (e instanceof WhereError) throw e;
    return fail(`invalid ${node.shape}: ${(e as Error).message}`);
  }
}
