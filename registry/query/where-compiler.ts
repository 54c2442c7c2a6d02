/**
 * From a parsed --where expression to a SQL boolean fragment with bound values. Two passes:
 * `analyzeWhere` resolves every name against the universe (and the binds) and lists the
 * dimensions and elements the query must join, plus the region literals that need an exact
 * spatial pre-filter; `compileWhere` then type-checks and emits SQL through a scope that
 * knows where each key and column lives. Values are always bound (`?`), never spliced in;
 * only identifiers taken from the universe reach the SQL text.
 */
import { Circle, ConvexPolygon, boxPolygon, fromRaDec, type Region } from '../spatial/index.js';
import type { DimensionElement, DimensionGroup, DimensionUniverse } from '../universe/dimension-universe.js';
import { suggest } from '../universe/dimension-universe.js';
import type { BindValue } from './bind-values.js';
import { EmptyQueryError, WhereError } from './query-errors.js';
import type { BinaryNode, IdentifierNode, InListItem, RegionNode, Span, WhereNode } from './where/index.js';

/** Scalar types of compiled expressions. */
export type ScalarType = 'int' | 'float' | 'string' | 'bool' | 'time' | 'uuid';

/** What an identifier names. */
export type ResolvedName =
  | { readonly kind: 'key'; readonly dimension: string; readonly type: ScalarType }
  | { readonly kind: 'column'; readonly element: string; readonly column: string; readonly type: ScalarType }
  | { readonly kind: 'timespan'; readonly element: string }
  | { readonly kind: 'region'; readonly element: string }
  | { readonly kind: 'bind'; readonly name: string; readonly value: BindValue };

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

/** Where compiled SQL finds keys and columns. */
export interface WhereScope {
  /** SQL for dimension `d`'s key value. */
  keySql(dimension: string): string;
  /** SQL for a column of a joined element table. */
  columnSql(element: string, column: string): string;
  /** SQL (boolean) for a pre-filtered region term. */
  regionTermSql(term: RegionTerm): string;
}

/** A compiled fragment. */
interface Compiled {
  readonly sql: string;
  readonly bindings: unknown[];
  readonly type: ScalarType | 'timespan' | 'region' | 'list';
  /** For timespans: the begin/end columns. */
  readonly begin?: string;
  readonly end?: string;
  /** For bound lists: the items. */
  readonly items?: readonly Compiled[];
}

/** A bound integer parameter, typed so both databases compare and divide it as an integer. */
const INT_PARAM = 'CAST(? AS BIGINT)';

/**
 * A bound value with an explicit SQL type: PostgreSQL infers an untyped parameter's type
 * from the other operand (or takes it as text, so '10' < '9'), and SQLite binds JS numbers as
 * REAL (so 7 / 2 = 3.5). Casting fixes both.
 */
function param(value: string | number | bigint, type: 'int' | 'float' | 'string' | 'time'): Compiled {
  const sql = type === 'int' || type === 'time' ? INT_PARAM : type === 'float' ? 'CAST(? AS DOUBLE PRECISION)' : 'CAST(? AS VARCHAR(256))';
  return { sql, bindings: [value], type };
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
    const e = universe.elements.get(first);
    if (e?.isDimension) return { kind: 'key', dimension: e.name, type: scalarOf(e.key!.type) };
    const candidates = [...universe.dimensions.map((d) => d.name), ...binds.keys()];
    return fail(`unknown dimension '${first}'${suggest(first, candidates)}`);
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

/** Walks the tree: names, elements to join, and region literal terms. */
export function analyzeWhere(ast: WhereNode | null, universe: DimensionUniverse, binds: ReadonlyMap<string, BindValue>, expression: string): WhereAnalysis {
  const dimensions = new Set<string>();
  const elements = new Set<string>();
  const regionTerms: RegionTerm[] = [];
  const visit = (node: WhereNode): void => {
    switch (node.kind) {
      case 'Identifier': {
        const r = resolveName(node, universe, binds, expression);
        if (r.kind === 'key') dimensions.add(r.dimension);
        else if (r.kind !== 'bind') {
          elements.add(r.element);
          const e = universe.element(r.element);
          for (const d of e.required) dimensions.add(d);
          if (e.isDimension) dimensions.add(e.name);
        }
        return;
      }
      case 'Binary':
        if (node.op === 'OVERLAPS') {
          const term = regionTerm(node, universe, binds, expression);
          if (term) {
            regionTerms.push(term);
            const e = universe.element(term.element);
            for (const d of e.required) dimensions.add(d);
            if (e.isDimension) dimensions.add(e.name);
            return;
          }
        }
        visit(node.left);
        visit(node.right);
        return;
      case 'Unary': visit(node.operand); return;
      case 'InList': visit(node.operand); node.items.forEach(visit); return;
      case 'Tuple': node.items.forEach(visit); return;
      case 'Region': node.args.forEach(visit); return;
      default: return;
    }
  };
  if (ast) visit(ast);
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
      const v = binds.get(arg.kind === 'Identifier' ? arg.name : arg.name);
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

const NUMERIC: ReadonlySet<string> = new Set(['int', 'float']);

function describeType(c: Compiled): string {
  switch (c.type) {
    case 'int': return 'an integer';
    case 'float': return 'a number';
    case 'string': return 'a string';
    case 'bool': return 'a boolean condition';
    case 'time': return 'a time';
    case 'uuid': return 'a UUID';
    case 'timespan': return 'a timespan';
    case 'region': return 'a region';
    case 'list': return 'a list';
  }
}

/** Compiles `ast` to SQL in `scope`. `binds` supplies values for `:name` and bare bind names. */
export function compileWhere(ast: WhereNode, universe: DimensionUniverse, binds: ReadonlyMap<string, BindValue>, expression: string, scope: WhereScope, analysis: WhereAnalysis): { sql: string; bindings: unknown[] } {
  const fail = (message: string, at: Span, code = 'WHERE_TYPE'): never => {
    throw new WhereError(message, at.start, expression, code);
  };
  const text = (node: WhereNode) => expression.slice(node.span.start, node.span.end) || node.kind;
  const scalarValue = (v: string | number | bigint): Compiled => {
    if (typeof v === 'string') return param(v, 'string');
    if (typeof v === 'bigint' || Number.isInteger(v)) return param(BigInt(v), 'int');
    return param(v, 'float');
  };
  const bindValue = (name: string, at: Span): Compiled => {
    const v = binds.get(name);
    if (v === undefined) return fail(`no value bound to '${name}'${suggest(name, [...binds.keys()])} (use --bind ${name}=VALUE)`, at, 'WHERE_BIND');
    if (Array.isArray(v)) {
      const items = (v as readonly (string | number | bigint)[]).map(scalarValue);
      return { sql: items.map((i) => i.sql).join(', '), bindings: items.flatMap((i) => i.bindings), type: 'list', items };
    }
    return scalarValue(v as string | number | bigint);
  };
  const boolean = (node: WhereNode): Compiled => {
    const c = compile(node);
    if (c.type !== 'bool') fail(`'${text(node)}' is ${describeType(c)}, but a condition is needed here`, node.span);
    return c;
  };
  const comparable = (op: string, node: WhereNode, left: Compiled, right: Compiled): void => {
    const ok = left.type === right.type || (NUMERIC.has(left.type) && NUMERIC.has(right.type)) ||
      ((left.type === 'uuid' || right.type === 'uuid') && (left.type === 'string' || right.type === 'string'));
    if (!ok) {
      const b = node as BinaryNode;
      fail(`type mismatch in '${op}': left side '${text(b.left)}' is ${describeType(left)}, right side '${text(b.right)}' is ${describeType(right)}`, node.span, 'WHERE_TYPE');
    }
  };
  const compile = (node: WhereNode): Compiled => {
    switch (node.kind) {
      case 'IntLiteral': return param(node.value, 'int');
      case 'FloatLiteral': return param(node.value, 'float');
      case 'StringLiteral': return param(node.value, 'string');
      case 'TimeLiteral': return param(node.tai, 'time');
      case 'UuidLiteral': return { sql: '?', bindings: [node.value], type: 'uuid' };
      case 'BindParameter': return bindValue(node.name, node.span);
      case 'Identifier': {
        const r = resolveName(node, universe, binds, expression);
        switch (r.kind) {
          case 'bind': return bindValue(r.name, node.span);
          case 'key': return { sql: scope.keySql(r.dimension), bindings: [], type: r.type };
          case 'column': return { sql: scope.columnSql(r.element, r.column), bindings: [], type: r.type };
          case 'timespan': return {
            sql: '', bindings: [], type: 'timespan',
            begin: scope.columnSql(r.element, 'timespan_begin'), end: scope.columnSql(r.element, 'timespan_end'),
          };
          case 'region': return { sql: '', bindings: [], type: 'region' };
        }
      }
      // falls through (unreachable: every resolved kind returns)
      case 'Unary': {
        if (node.op === 'NOT') {
          const c = boolean(node.operand);
          return { sql: `NOT (${c.sql})`, bindings: c.bindings, type: 'bool' };
        }
        const c = compile(node.operand);
        if (!NUMERIC.has(c.type)) fail(`unary '-' needs a number, but '${text(node.operand)}' is ${describeType(c)}`, node.span);
        return { sql: `-(${c.sql})`, bindings: c.bindings, type: c.type };
      }
      case 'Binary': return binary(node);
      case 'InList': {
        const operand = compile(node.operand);
        if (!['int', 'float', 'string', 'time', 'uuid'].includes(operand.type)) fail(`IN needs a key, field or value on its left, but '${text(node.operand)}' is ${describeType(operand)}`, node.operand.span);
        const parts: string[] = [];
        const bindings: unknown[] = [];
        const plain: Compiled[] = [];
        for (const item of node.items) {
          if (item.kind === 'Range') {
            if (operand.type !== 'int') fail(`a range ${text(item)} needs an integer on the left of IN, but '${text(node.operand)}' is ${describeType(operand)}`, item.span);
            parts.push(item.stride === 1n
              ? `(${operand.sql} BETWEEN ${INT_PARAM} AND ${INT_PARAM})`
              : `(${operand.sql} BETWEEN ${INT_PARAM} AND ${INT_PARAM} AND ((${operand.sql}) - ${INT_PARAM}) % ${INT_PARAM} = 0)`);
            bindings.push(...operand.bindings, item.start, item.stop);
            if (item.stride !== 1n) bindings.push(...operand.bindings, item.start, item.stride);
          } else {
            plain.push(listItem(item, operand, node));
          }
        }
        const listed = plain.filter((p) => p.sql !== '');
        if (listed.length) {
          parts.push(`${operand.sql} IN (${listed.map((p) => p.sql).join(', ')})`);
          bindings.push(...operand.bindings, ...listed.flatMap((p) => p.bindings));
        }
        const any = parts.length ? `(${parts.join(' OR ')})` : '(1 = 0)';
        return { sql: node.negated ? `NOT ${any}` : any, bindings, type: 'bool' };
      }
      case 'Tuple': return fail(`a (begin, end) pair is only allowed on the right of OVERLAPS`, node.span);
      case 'Region': return fail(`${node.shape}(...) is only allowed in '<element>.region OVERLAPS ${node.shape}(...)'`, node.span);
      case 'Range': return fail('a range is only allowed inside IN (...)', node.span);
    }
  };
  const listItem = (item: InListItem, operand: Compiled, node: WhereNode): Compiled => {
    const c = compile(item);
    const asComparison = { ...node, kind: 'Binary', op: '=', left: (node as { operand: WhereNode }).operand, right: item } as BinaryNode;
    for (const one of c.type === 'list' ? c.items ?? [] : [c]) comparable('IN', asComparison, operand, one);
    return c;
  };
  const binary = (node: BinaryNode): Compiled => {
    switch (node.op) {
      case 'AND': case 'OR': {
        const l = boolean(node.left), r = boolean(node.right);
        return { sql: `(${l.sql}) ${node.op} (${r.sql})`, bindings: [...l.bindings, ...r.bindings], type: 'bool' };
      }
      case 'OVERLAPS': return overlaps(node);
      case '+': case '-': case '*': case '/': case '%': {
        const l = compile(node.left), r = compile(node.right);
        for (const [side, c] of [[node.left, l], [node.right, r]] as const) {
          if (!NUMERIC.has(c.type)) fail(`'${node.op}' needs numbers, but '${text(side)}' is ${describeType(c)}`, side.span);
        }
        if (node.op === '%' && (l.type !== 'int' || r.type !== 'int')) fail(`'%' needs integers`, node.span);
        const type = l.type === 'int' && r.type === 'int' ? 'int' : 'float';
        // Division by zero yields NULL (no match) on both databases instead of an error on one.
        const sql = node.op === '/' || node.op === '%' ? `(${l.sql}) ${node.op} NULLIF(${r.sql}, 0)` : `(${l.sql}) ${node.op} (${r.sql})`;
        return { sql, bindings: [...l.bindings, ...r.bindings], type };
      }
      default: {
        const l = compile(node.left), r = compile(node.right);
        if (l.type === 'timespan' || r.type === 'timespan') return timespanComparison(node, l, r);
        if (l.type === 'region' || r.type === 'region') fail(`regions can only be used with OVERLAPS`, node.span);
        if (l.type === 'list' || r.type === 'list') fail(`a bound list can only be used inside IN (...)`, node.span);
        comparable(node.op, node, l, r);
        if (l.type === 'bool' && !['=', '!='].includes(node.op)) fail(`conditions can only be compared with = or !=`, node.span);
        const op = node.op === '!=' ? '<>' : node.op;
        return { sql: `(${l.sql}) ${op} (${r.sql})`, bindings: [...l.bindings, ...r.bindings], type: 'bool' };
      }
    }
  };
  const timespanComparison = (node: BinaryNode, l: Compiled, r: Compiled): Compiled => {
    // LSST semantics: a timespan is "> t" when it begins after t, "< t" when it ends by t.
    const [ts, t, op] = l.type === 'timespan' ? [l, r, node.op] : [r, l, flip(node.op)];
    if (t.type !== 'time') fail(`a timespan can only be compared with a time, but got ${describeType(t)}`, node.span);
    switch (op) {
      case '>': return { sql: `${ts.begin} > ${t.sql}`, bindings: t.bindings, type: 'bool' };
      case '>=': return { sql: `${ts.begin} >= ${t.sql}`, bindings: t.bindings, type: 'bool' };
      case '<': case '<=': return { sql: `${ts.end} <= ${t.sql}`, bindings: t.bindings, type: 'bool' };
      default: return fail(`'${node.op}' is not defined between a timespan and a time; use <, >, or OVERLAPS`, node.span);
    }
  };
  const overlaps = (node: BinaryNode): Compiled => {
    const term = analysis.regionTerms.find((t) => t.node === node);
    if (term) return { sql: scope.regionTermSql(term), bindings: [], type: 'bool' };
    const l = compile(node.left);
    if (l.type === 'region') return fail(`a region can only OVERLAPS a POINT, CIRCLE, BOX or POLYGON literal here`, node.right.span);
    const [ts, other] = l.type === 'timespan' ? [l, node.right] : [compile(node.right), node.left];
    if (ts.type !== 'timespan') return fail(`OVERLAPS needs a timespan or a region on one side`, node.span);
    if (other.kind === 'Tuple') {
      const b = compile(other.items[0]), e = compile(other.items[1]);
      if (b.type !== 'time' || e.type !== 'time') fail(`a (begin, end) pair must hold two times`, other.span);
      // an empty or reversed pair holds no instant and overlaps nothing
      return { sql: `(${ts.begin} < ${e.sql} AND ${ts.end} > ${b.sql} AND ${b.sql} < ${e.sql})`, bindings: [...e.bindings, ...b.bindings, ...b.bindings, ...e.bindings], type: 'bool' };
    }
    const o = compile(other);
    if (o.type === 'timespan') return { sql: `(${ts.begin} < ${o.end} AND ${o.begin} < ${ts.end})`, bindings: [], type: 'bool' };
    if (o.type !== 'time') fail(`a timespan OVERLAPS a time, a (begin, end) pair or another timespan, not ${describeType(o)}`, other.span);
    return { sql: `(${ts.begin} <= ${o.sql} AND ${ts.end} > ${o.sql})`, bindings: [...o.bindings, ...o.bindings], type: 'bool' };
  };
  const result = boolean(ast);
  return { sql: result.sql, bindings: result.bindings };
}

function flip(op: string): string {
  return op === '<' ? '>' : op === '>' ? '<' : op === '<=' ? '>=' : op === '>=' ? '<=' : op;
}

/**
 * Terms that can never hold together: `d = a AND d = b` with different literal values for one
 * dimension, anywhere in the top-level AND chain. Returns the error, or null.
 */
export function findContradiction(ast: WhereNode | null, universe: DimensionUniverse, binds: ReadonlyMap<string, BindValue>, expression: string): EmptyQueryError | null {
  if (!ast) return null;
  const conjuncts: WhereNode[] = [];
  const flatten = (n: WhereNode): void => {
    if (n.kind === 'Binary' && n.op === 'AND') {
      flatten(n.left);
      flatten(n.right);
    } else {
      conjuncts.push(n);
    }
  };
  flatten(ast);
  const seen = new Map<string, { value: unknown; node: WhereNode }>();
  for (const c of conjuncts) {
    if (c.kind !== 'Binary' || c.op !== '=') continue;
    const [id, lit] = c.left.kind === 'Identifier' ? [c.left, c.right] : [c.right, c.left];
    if (id.kind !== 'Identifier') continue;
    const value = lit.kind === 'StringLiteral' || lit.kind === 'FloatLiteral' ? lit.value : lit.kind === 'IntLiteral' ? Number(lit.value) : undefined;
    if (value === undefined) continue;
    const r = resolveName(id, universe, binds, expression);
    if (r.kind !== 'key') continue;
    const before = seen.get(r.dimension);
    if (before && before.value !== value) {
      return new EmptyQueryError(
        `this expression can never match: '${expression.slice(before.node.span.start, before.node.span.end)}' and '${expression.slice(c.span.start, c.span.end)}' require different values of ${r.dimension}`,
        c.span.start, expression);
    }
    seen.set(r.dimension, { value, node: c });
  }
  return null;
}

/** Equality constraints on governor dimensions in the top-level AND chain (for summaries and record checks). */
export function governorConstraints(ast: WhereNode | null, universe: DimensionUniverse, binds: ReadonlyMap<string, BindValue>, expression: string): Map<string, { values: (string | number)[]; span: Span }> {
  const out = new Map<string, { values: (string | number)[]; span: Span }>();
  if (!ast) return out;
  const visit = (n: WhereNode): void => {
    if (n.kind === 'Binary' && n.op === 'AND') {
      visit(n.left);
      visit(n.right);
      return;
    }
    const record = (id: WhereNode, values: (string | number)[]) => {
      if (id.kind !== 'Identifier') return;
      const r = resolveName(id, universe, binds, expression);
      if (r.kind === 'key' && universe.element(r.dimension).governor) out.set(r.dimension, { values, span: n.span });
    };
    const literal = (v: WhereNode): (string | number)[] | undefined => {
      if (v.kind === 'StringLiteral') return [v.value];
      if (v.kind === 'IntLiteral') return [Number(v.value)];
      if (v.kind === 'BindParameter' || v.kind === 'Identifier') {
        const b = binds.get(v.name);
        if (b !== undefined && v.kind === 'BindParameter') return (Array.isArray(b) ? b : [b]).map((x) => (typeof x === 'bigint' ? Number(x) : x)) as (string | number)[];
        if (b !== undefined && v.kind === 'Identifier' && v.parts.length === 1) return (Array.isArray(b) ? b : [b]).map((x) => (typeof x === 'bigint' ? Number(x) : x)) as (string | number)[];
      }
      return undefined;
    };
    if (n.kind === 'Binary' && n.op === '=') {
      const right = literal(n.right);
      if (right) record(n.left, right);
      else {
        const left = literal(n.left);
        if (left) record(n.right, left);
      }
    } else if (n.kind === 'InList' && !n.negated) {
      const values = n.items.map(literal);
      if (values.every((v) => v)) record(n.operand, values.flat() as (string | number)[]);
    }
  };
  visit(ast);
  return out;
}

/** The element whose region represents a spatial family in a set of dimensions. */
export function regionElementFor(family: string, dimensions: ReadonlySet<string>, universe: DimensionUniverse): DimensionElement | null {
  const candidates = [...universe.elements.values()].filter((e) => e.spatial === family && e.hasTable &&
    [...e.required, ...(e.isDimension ? [e.name] : [])].every((d) => dimensions.has(d)));
  // the most specific: the one with the most dimensions (visit_detector_region over visit)
  candidates.sort((a, b) => b.required.length + (b.isDimension ? 1 : 0) - (a.required.length + (a.isDimension ? 1 : 0)));
  return candidates[0] ?? null;
}

/** The most specific region element (of any spatial family) whose keys a dimension group determines. */
export function regionElementForGroup(group: DimensionGroup, universe: DimensionUniverse): DimensionElement | null {
  const names = new Set(group.names);
  const families = [...new Set([...universe.elements.values()].map((e) => e.spatial).filter((f): f is string => !!f && f !== 'skypix'))];
  const found = families.map((f) => regionElementFor(f, names, universe)).filter((e): e is DimensionElement => e !== null);
  found.sort((a, b) => b.required.length + (b.isDimension ? 1 : 0) - (a.required.length + (a.isDimension ? 1 : 0)));
  return found[0] ?? null;
}
