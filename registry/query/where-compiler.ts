/**
 * The second pass over a parsed --where expression (after where-analysis.ts): type checks and
 * a SQL boolean fragment with bound values, emitted through a scope that knows where each key
 * and column lives. Values are always bound (`?`), never spliced in (a long IN list as one
 * JSON array); only identifiers taken from the universe reach the SQL text. AND/OR chains of
 * any length compile without recursing per term, and both databases get the same answer or
 * the same WhereError: values are range-checked first, and what only the database can see
 * (overflow on data) fails alike through the dialect's hooks.
 */
import { TIME_MAX, TIME_MIN } from '../time/tai-time.js';
import type { DimensionUniverse } from '../universe/dimension-universe.js';
import { suggest } from '../universe/dimension-universe.js';
import type { BindValue } from './bind-values.js';
import { WhereError } from './query-errors.js';
import { resolveName, type RegionTerm, type ScalarType, type WhereAnalysis } from './where-analysis.js';
import { constantValue, foldArithmetic, foldNegation, jsonArray, type NumericConstant } from './where-constants.js';
import { WHERE_INLINE_VALUES, WHERE_MAX_BINDINGS, type ValueListType, type WhereDialect } from './where-dialect.js';
import { dispatchWhere, logicalOperands } from './where/index.js';
import type { ArithmeticOperator, BinaryNode, BinaryOperator, IdentifierNode, InListItem, InListNode, LogicalOperator, RangeNode, Span, UnaryNode, WhereNode, WhereNodeHandlers } from './where/index.js';

// query/index.ts and data-id-query.ts import the other passes from here too.
export { analyzeWhere, regionFromLiteral, resolveName, type RegionTerm, type ResolvedName, type WhereAnalysis } from './where-analysis.js';
export { findContradiction, governorConstraints, overflowError } from './where-facts.js';
export { regionElementFor, regionElementForGroup } from '../universe/region-elements.js';

/** Where compiled SQL finds keys and columns. */
export interface WhereScope {
  /** SQL for dimension `d`'s key value. */
  keySql(dimension: string): string;
  /** SQL for a column of a joined element table. */
  columnSql(element: string, column: string): string;
  /** SQL (boolean) for a pre-filtered region term. */
  regionTermSql(term: RegionTerm): string;
  /** How the database spells value lists and overflow checks. */
  readonly dialect: WhereDialect;
}

/** A compiled fragment. */
interface Compiled {
  readonly sql: string;
  readonly bindings: readonly unknown[];
  readonly type: ScalarType | 'timespan' | 'region' | 'list' | 'null';
  /** For timespans: the begin/end columns. */
  readonly begin?: string;
  readonly end?: string;
  /** For bound lists: the items. */
  readonly items?: readonly Compiled[];
  /** The value, when the fragment is a constant (a literal, a bound value, or arithmetic on those). */
  readonly value?: string | NumericConstant;
  /** Arithmetic on data, whose overflow only the database sees: checked where it is used. */
  readonly unchecked?: boolean;
}

/** A compiled condition and the source it came from (for errors). */
interface Term {
  readonly c: Compiled;
  readonly at: Span;
}

/** A bound integer parameter, typed so both databases compare and divide it as an integer. */
const INT_PARAM = 'CAST(? AS BIGINT)';

/**
 * A bound value with an explicit SQL type: PostgreSQL infers an untyped parameter's type
 * from the other operand (or takes it as text, so '10' < '9'), and SQLite binds JS numbers as
 * REAL (so 7 / 2 = 3.5). Casting fixes both.
 */
function param(value: string | NumericConstant, type: 'int' | 'float' | 'string' | 'time'): Compiled {
  // VARCHAR without a length: PostgreSQL cuts a longer string to fit VARCHAR(n), SQLite doesn't.
  const sql = type === 'int' || type === 'time' ? INT_PARAM : type === 'float' ? 'CAST(? AS DOUBLE PRECISION)' : 'CAST(? AS VARCHAR)';
  return { sql, bindings: [value], type, value };
}

/**
 * `parts` joined by `op` as a balanced tree: the SQL nests log2(n) deep rather than n (SQLite
 * refuses an expression more than 1000 deep, and parses a flat `a OR b OR ...` as a chain).
 */
function balanced(parts: readonly string[], op: LogicalOperator, from = 0, to = parts.length): string {
  if (to - from === 1) return parts[from]!;
  const middle = (from + to) >>> 1;
  return `(${balanced(parts, op, from, middle)} ${op} ${balanced(parts, op, middle, to)})`;
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
    case 'null': return 'NULL (only an open end of a (begin, end) pair)';
  }
}

const IN_OPERAND: ReadonlySet<string> = new Set(['int', 'float', 'string', 'time', 'uuid']);

/** A compiled fragment's constant number, if it has one. */
function numericValue(c: Compiled): NumericConstant | undefined {
  return typeof c.value === 'string' ? undefined : c.value;
}

/**
 * Compiles `ast` to SQL in `scope`. `binds` supplies values for `:name` and bare bind names.
 * An AND/OR chain of any length compiles with no recursion per term, into SQL nested log2(n)
 * deep; an IN list of more than WHERE_INLINE_VALUES constants binds them as one JSON array.
 * Constants are checked first (WhereError code `WHERE_RANGE` for a value no column holds,
 * `WHERE_OVERFLOW` for arithmetic on constants that leaves its type's range), and at most
 * WHERE_MAX_BINDINGS values are bound (`WHERE_TOO_LARGE`), so the database never refuses them.
 */
export function compileWhere(ast: WhereNode, universe: DimensionUniverse, binds: ReadonlyMap<string, BindValue>, expression: string, scope: WhereScope, analysis: WhereAnalysis): { sql: string; bindings: readonly unknown[] } {
  return new WhereCompiler(universe, binds, expression, scope, analysis).compileExpression(ast);
}

/** One expression's compilation: type checks, SQL and bound values, node by node. */
class WhereCompiler {
  /** How each kind of node compiles. */
  private readonly nodes: WhereNodeHandlers<Compiled> = {
    IntLiteral: (node) => param(node.value, 'int'),
    FloatLiteral: (node) => param(node.value, 'float'),
    StringLiteral: (node) => this.constant(node.value, node.span, 'this string'),
    TimeLiteral: (node) => param(node.tai, 'time'),
    UuidLiteral: (node) => ({ sql: '?', bindings: [node.value], type: 'uuid', value: node.value }),
    BindParameter: (node) => this.bindValue(node.name, node.span),
    Identifier: (node) => this.identifier(node),
    Unary: (node) => (node.op === 'NOT' ? this.not(node) : this.negation(node)),
    Binary: (node) => this.binaryOperators[node.op](node),
    InList: (node) => this.inList(node),
    Tuple: (node) => this.fail(`a (begin, end) pair is only allowed on the right of OVERLAPS`, node.span),
    Region: (node) => this.fail(`${node.shape}(...) is only allowed in '<element>.region OVERLAPS ${node.shape}(...)'`, node.span),
    Range: (node) => this.fail('a range is only allowed inside IN (...)', node.span),
  };

  /** How each binary operator compiles. */
  private readonly binaryOperators: Readonly<Record<BinaryOperator, (node: BinaryNode) => Compiled>> = {
    AND: (node) => this.logical(node, 'AND'),
    OR: (node) => this.logical(node, 'OR'),
    OVERLAPS: (node) => this.overlaps(node),
    '+': (node) => this.arithmetic(node, '+'),
    '-': (node) => this.arithmetic(node, '-'),
    '*': (node) => this.arithmetic(node, '*'),
    '/': (node) => this.arithmetic(node, '/'),
    '%': (node) => this.arithmetic(node, '%'),
    '=': (node) => this.comparison(node),
    '!=': (node) => this.comparison(node),
    '<': (node) => this.comparison(node),
    '<=': (node) => this.comparison(node),
    '>': (node) => this.comparison(node),
    '>=': (node) => this.comparison(node),
  };

  constructor(
    private readonly universe: DimensionUniverse,
    private readonly binds: ReadonlyMap<string, BindValue>,
    private readonly expression: string,
    private readonly scope: WhereScope,
    private readonly analysis: WhereAnalysis,
  ) {}

  /** The whole expression: a condition, binding at most WHERE_MAX_BINDINGS values. */
  compileExpression(ast: WhereNode): { sql: string; bindings: readonly unknown[] } {
    const result = this.condition(ast);
    this.within(result.bindings.length, ast.span);
    return { sql: result.sql, bindings: result.bindings };
  }

  private compile(node: WhereNode): Compiled {
    return dispatchWhere(node, this.nodes);
  }

  private fail(message: string, at: Span, code: WhereError['code'] = 'WHERE_TYPE'): never {
    throw new WhereError(message, at.start, this.expression, code);
  }

  private text(node: WhereNode): string {
    return this.expression.slice(node.span.start, node.span.end) || node.kind;
  }

  private within(count: number, at: Span): void {
    if (count > WHERE_MAX_BINDINGS) {
      this.fail(`this expression binds more than ${WHERE_MAX_BINDINGS} values (the most one query may) by here; write many values of one key as IN (...), which binds a long list as one value`, at, 'WHERE_TOO_LARGE');
    }
  }

  private overflowOf(node: WhereNode): (why: string) => never {
    return (why) => this.fail(`'${this.text(node)}' overflows: ${why}`, node.span, 'WHERE_OVERFLOW');
  }

  private constant(v: string | number | bigint, at: Span, what: string): Compiled {
    const value = constantValue(v, (why) => this.fail(`${what}: ${why}`, at, 'WHERE_RANGE'));
    return param(value, typeof value === 'string' ? 'string' : typeof value === 'bigint' ? 'int' : 'float');
  }

  private bindValue(name: string, at: Span): Compiled {
    const v = this.binds.get(name);
    if (v === undefined) return this.fail(`no value bound to '${name}'${suggest(name, [...this.binds.keys()])} (use --bind ${name}=VALUE)`, at, 'WHERE_BIND');
    if (Array.isArray(v)) {
      const items = (v as readonly (string | number | bigint)[]).map((x) => this.constant(x, at, `bind '${name}'`));
      return { sql: items.map((i) => i.sql).join(', '), bindings: items.flatMap((i) => i.bindings), type: 'list', items };
    }
    return this.constant(v as string | number | bigint, at, `bind '${name}'`);
  }

  /** `node` compiled, which must be a condition. */
  private condition(node: WhereNode): Compiled {
    const c = this.compile(node);
    if (c.type !== 'bool') this.fail(`'${this.text(node)}' is ${describeType(c)}, but a condition is needed here`, node.span);
    return c;
  }

  /** Fails unless `op` may compare `l` (compiled from `left`) with `r` (from `right`); `at` is the comparison. */
  private comparable(op: string, at: Span, left: WhereNode, l: Compiled, right: WhereNode, r: Compiled): void {
    const ok = l.type === r.type || (NUMERIC.has(l.type) && NUMERIC.has(r.type)) ||
      ((l.type === 'uuid' || r.type === 'uuid') && (l.type === 'string' || r.type === 'string'));
    if (!ok) {
      this.fail(`type mismatch in '${op}': left side '${this.text(left)}' is ${describeType(l)}, right side '${this.text(right)}' is ${describeType(r)}`, at, 'WHERE_TYPE');
    }
  }

  /** An arithmetic result on data, made to fail on overflow wherever the database would not. */
  private checked(c: Compiled): Compiled {
    return c.unchecked ? { ...c, ...this.scope.dialect.checked(c, c.type === 'int' ? 'int' : 'float'), unchecked: false } : c;
  }

  private identifier(node: IdentifierNode): Compiled {
    const r = resolveName(node, this.universe, this.binds, this.expression);
    switch (r.kind) {
      case 'bind': return this.bindValue(r.name, node.span);
      case 'key': return { sql: this.scope.keySql(r.dimension), bindings: [], type: r.type };
      case 'column': return { sql: this.scope.columnSql(r.element, r.column), bindings: [], type: r.type };
      case 'timespan': return {
        sql: '', bindings: [], type: 'timespan',
        begin: this.scope.columnSql(r.element, 'timespan_begin'), end: this.scope.columnSql(r.element, 'timespan_end'),
      };
      case 'region': return { sql: '', bindings: [], type: 'region' };
      case 'null': return { sql: '', bindings: [], type: 'null' };
    }
  }

  private not(node: UnaryNode): Compiled {
    const c = this.condition(node.operand);
    return { sql: `NOT (${c.sql})`, bindings: c.bindings, type: 'bool' };
  }

  private negation(node: UnaryNode): Compiled {
    const c = this.compile(node.operand);
    if (!NUMERIC.has(c.type)) this.fail(`unary '-' needs a number, but '${this.text(node.operand)}' is ${describeType(c)}`, node.span);
    const v = numericValue(c);
    const value = v === undefined ? undefined : foldNegation(v, this.overflowOf(node));
    return { sql: `-(${c.sql})`, bindings: c.bindings, type: c.type, value, unchecked: value === undefined };
  }

  /** An AND/OR chain, all its operands at once (no recursion per term). */
  private logical(node: BinaryNode, op: LogicalOperator): Compiled {
    return this.joined(logicalOperands(node, op).map((n) => ({ c: this.condition(n), at: n.span })), op);
  }

  /** Conditions joined by `op`, binding at most WHERE_MAX_BINDINGS values in all. */
  private joined(terms: readonly Term[], op: LogicalOperator): Compiled {
    let count = 0;
    for (const t of terms) this.within(count += t.c.bindings.length, t.at);
    return { sql: balanced(terms.map((t) => `(${t.c.sql})`), op), bindings: terms.flatMap((t) => t.c.bindings), type: 'bool' };
  }

  private inList(node: InListNode): Compiled {
    const operand = this.checked(this.compile(node.operand));
    if (!IN_OPERAND.has(operand.type)) this.fail(`IN needs a key, field or value on its left, but '${this.text(node.operand)}' is ${describeType(operand)}`, node.operand.span);
    const terms: Term[] = [];
    const values: Compiled[] = [];
    for (const item of node.items) {
      if (item.kind === 'Range') terms.push({ c: this.rangeTest(item, operand, node), at: item.span });
      else values.push(...this.listItem(item, operand, node));
    }
    const constants = values.filter((v) => v.value !== undefined);
    const bulk = constants.length > WHERE_INLINE_VALUES;
    const inline = bulk ? values.filter((v) => v.value === undefined) : values;
    if (inline.length) {
      const sql = `${operand.sql} IN (${inline.map((v) => v.sql).join(', ')})`;
      terms.push({ c: { sql, bindings: [...operand.bindings, ...inline.flatMap((v) => v.bindings)], type: 'bool' }, at: node.span });
    }
    if (bulk) terms.push({ c: this.valueList(operand, constants), at: node.span });
    const any: Compiled = terms.length ? this.joined(terms, 'OR') : { sql: '1 = 0', bindings: [], type: 'bool' };
    return { sql: node.negated ? `NOT (${any.sql})` : `(${any.sql})`, bindings: any.bindings, type: 'bool' };
  }

  /** The values of one IN-list item (a bound list gives several), each comparable with the operand. */
  private listItem(item: InListItem, operand: Compiled, node: InListNode): readonly Compiled[] {
    const c = this.compile(item);
    const scalars = c.type === 'list' ? c.items ?? [] : [c];
    for (const one of scalars) this.comparable('IN', node.span, node.operand, operand, item, one);
    return scalars;
  }

  /** `operand IN (<the constants, as one bound JSON array>)`. */
  private valueList(operand: Compiled, constants: readonly Compiled[]): Compiled {
    const type: ValueListType = operand.type === 'string' || operand.type === 'uuid' ? 'string'
      : constants.some((v) => v.type === 'float') ? 'float' : 'int';
    const json = jsonArray(constants.map((v) => v.value!));
    return { sql: `${operand.sql} IN (${this.scope.dialect.valueList(type)})`, bindings: [...operand.bindings, json], type: 'bool' };
  }

  private rangeTest(item: RangeNode, operand: Compiled, node: InListNode): Compiled {
    if (operand.type !== 'int') this.fail(`a range ${this.text(item)} needs an integer on the left of IN, but '${this.text(node.operand)}' is ${describeType(operand)}`, item.span);
    const sql = `${operand.sql} BETWEEN ${INT_PARAM} AND ${INT_PARAM}`;
    const bindings = [...operand.bindings, item.start, item.stop];
    if (item.stride === 1n) return { sql, bindings, type: 'bool' };
    // operand ≡ start (mod stride) without computing operand - start, which can overflow; SQL's
    // % keeps the sign of the operand, so its remainder is r, or r - stride for a negative one.
    const r = ((item.start % item.stride) + item.stride) % item.stride;
    return {
      sql: `${sql} AND (${operand.sql}) % ${INT_PARAM} IN (${INT_PARAM}, ${INT_PARAM})`,
      bindings: [...bindings, ...operand.bindings, item.stride, r, r - item.stride], type: 'bool',
    };
  }

  /** `=`, `!=`, `<`, `<=`, `>`, `>=`: between scalars, or a timespan and a time. */
  private comparison(node: BinaryNode): Compiled {
    const l = this.checked(this.compile(node.left)), r = this.checked(this.compile(node.right));
    if (l.type === 'timespan' || r.type === 'timespan') return this.timespanComparison(node, l, r);
    if (l.type === 'region' || r.type === 'region') this.fail(`regions can only be used with OVERLAPS`, node.span);
    if (l.type === 'list' || r.type === 'list') this.fail(`a bound list can only be used inside IN (...)`, node.span);
    this.comparable(node.op, node.span, node.left, l, node.right, r);
    if (l.type === 'bool' && !['=', '!='].includes(node.op)) this.fail(`conditions can only be compared with = or !=`, node.span);
    const op = node.op === '!=' ? '<>' : node.op;
    return { sql: `(${l.sql}) ${op} (${r.sql})`, bindings: [...l.bindings, ...r.bindings], type: 'bool' };
  }

  private arithmetic(node: BinaryNode, op: ArithmeticOperator): Compiled {
    const l = this.compile(node.left), r = this.compile(node.right);
    for (const [side, c] of [[node.left, l], [node.right, r]] as const) {
      if (!NUMERIC.has(c.type)) this.fail(`'${op}' needs numbers, but '${this.text(side)}' is ${describeType(c)}`, side.span);
    }
    if (op === '%' && (l.type !== 'int' || r.type !== 'int')) this.fail(`'%' needs integers`, node.span);
    const type = l.type === 'int' && r.type === 'int' ? 'int' : 'float';
    const a = numericValue(l), b = numericValue(r);
    const value = a === undefined || b === undefined ? undefined : foldArithmetic(op, a, b, this.overflowOf(node)) ?? undefined;
    // Division by zero yields NULL (no match) on both databases instead of an error on one.
    const sql = op === '/' || op === '%' ? `(${l.sql}) ${op} NULLIF(${r.sql}, 0)` : `(${l.sql}) ${op} (${r.sql})`;
    return { sql, bindings: [...l.bindings, ...r.bindings], type, value, unchecked: value === undefined };
  }

  private timespanComparison(node: BinaryNode, l: Compiled, r: Compiled): Compiled {
    // LSST semantics: a timespan is "> t" when it begins after t, "< t" when it ends by t.
    const [ts, t, op] = l.type === 'timespan' ? [l, r, node.op] : [r, l, flip(node.op)];
    if (t.type !== 'time') this.fail(`a timespan can only be compared with a time, but got ${describeType(t)}`, node.span);
    switch (op) {
      case '>': return { sql: `${ts.begin} > ${t.sql}`, bindings: t.bindings, type: 'bool' };
      case '>=': return { sql: `${ts.begin} >= ${t.sql}`, bindings: t.bindings, type: 'bool' };
      case '<': case '<=': return { sql: `${ts.end} <= ${t.sql}`, bindings: t.bindings, type: 'bool' };
      default: return this.fail(`'${node.op}' is not defined between a timespan and a time; use <, >, or OVERLAPS`, node.span);
    }
  }

  /** A bound of a (begin, end) pair: a time, or NULL for an open end (stored as `open`). */
  private timeBound(node: WhereNode, open: bigint, pair: WhereNode): Compiled {
    const c = this.compile(node);
    if (c.type === 'null') return param(open, 'time');
    if (c.type !== 'time') this.fail(`a (begin, end) pair must hold two times (or NULL for an open end)`, pair.span);
    return c;
  }

  private overlaps(node: BinaryNode): Compiled {
    const term = this.analysis.regionTerms.find((t) => t.node === node);
    if (term) return { sql: this.scope.regionTermSql(term), bindings: [], type: 'bool' };
    const l = this.compile(node.left);
    if (l.type === 'region') return this.fail(`a region can only OVERLAPS a POINT, CIRCLE, BOX or POLYGON literal here`, node.right.span);
    const [ts, other] = l.type === 'timespan' ? [l, node.right] : [this.compile(node.right), node.left];
    if (ts.type !== 'timespan') return this.fail(`OVERLAPS needs a timespan or a region on one side`, node.span);
    if (other.kind === 'Tuple') {
      const b = this.timeBound(other.items[0], TIME_MIN, other), e = this.timeBound(other.items[1], TIME_MAX, other);
      // an empty or reversed pair holds no instant and overlaps nothing
      return { sql: `(${ts.begin} < ${e.sql} AND ${ts.end} > ${b.sql} AND ${b.sql} < ${e.sql})`, bindings: [...e.bindings, ...b.bindings, ...b.bindings, ...e.bindings], type: 'bool' };
    }
    const o = this.compile(other);
    if (o.type === 'timespan') return { sql: `(${ts.begin} < ${o.end} AND ${o.begin} < ${ts.end})`, bindings: [], type: 'bool' };
    if (o.type !== 'time') this.fail(`a timespan OVERLAPS a time, a (begin, end) pair or another timespan, not ${describeType(o)}`, other.span);
    return { sql: `(${ts.begin} <= ${o.sql} AND ${ts.end} > ${o.sql})`, bindings: [...o.bindings, ...o.bindings], type: 'bool' };
  }
}

function flip(op: string): string {
  return op === '<' ? '>' : op === '>' ? '<' : op === '<=' ? '>=' : op === '>=' ? '<=' : op;
}
