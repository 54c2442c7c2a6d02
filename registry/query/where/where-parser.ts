/**
 * Recursive-descent parser for the --where language.
 *
 * ## Precedence, as LSST's grammar actually behaves
 *
 * daf_butler's `parserYacc.py` (lsst/daf_butler, python/lsst/daf/butler/queries/expressions/
 * parser/, same in the older registry/queries/expressions/parser/) declares this PLY table, from
 * lowest: OR; AND; OVERLAPS (nonassoc); = != (nonassoc); < <= > >= (nonassoc); + -; * / %;
 * unary + - and NOT (right). But PLY only consults that table to settle shift/reduce conflicts,
 * and the grammar is layered so that most never arise:
 *
 *     expr         : expr OR expr | expr AND expr | NOT expr | bool_primary
 *     bool_primary : bool_primary (= | != | < | <= | > | >= | OVERLAPS) predicate | predicate
 *     predicate    : bit_expr [NOT] IN ( list ) | bit_expr
 *     bit_expr     : bit_expr (+ | - | * | / | %) bit_expr | simple_expr
 *     simple_expr  : literal | identifier | :bind | name(args) | (+|-) simple_expr
 *                  | ( expr ) | ( expr , expr )
 *
 * What that grammar parses, and so what this parser builds, from loosest to tightest:
 *
 * 1. `OR`, left-associative;
 * 2. `AND`, left-associative;
 * 3. prefix `NOT`. Its operand is a whole comparison, because `NOT expr` lives in `expr`, above
 *    the comparisons: `NOT a = 1` is `NOT (a = 1)`, never `(NOT a) = 1`; the declared NOT
 *    precedence only makes `NOT a AND b` mean `(NOT a) AND b`. `a = NOT b` is a syntax error.
 * 4. `= != < <= > >= OVERLAPS`, all ONE level, left-associative: `bool_primary` is
 *    left-recursive with a `predicate` on the right, so there is no conflict for the nonassoc
 *    declarations to act on (`a = b < c` is `(a = b) < c`, `a OVERLAPS b = c` is
 *    `(a OVERLAPS b) = c`). The type checker rejects such chains later; the parser, like LSST's,
 *    accepts them.
 * 5. `[NOT] IN (...)`, non-associative, its operand an arithmetic expression;
 * 6. `+ -`, left-associative;
 * 7. `* / %`, left-associative;
 * 8. prefix `-` (and `+` before a number); `-` directly before a number folds into a negative
 *    literal, as LSST's `literal : SUB NUMERIC_LITERAL` rule does.
 *
 * Other behaviours kept from LSST: keywords are case-insensitive; a bare one-part identifier
 * may stand in an IN list (it may name a bind); `(a, b)` is a two-item tuple; functions are
 * `name(args)` with a case-insensitive name (here only UUID, POINT, CIRCLE, BOX, POLYGON); an
 * empty or all-whitespace expression means "no constraint". Ranges `a..b[:s]` are accepted only
 * inside IN lists (LSST lexes them anywhere and rejects them later).
 */
import {
  BinaryNode,
  BindParameterNode,
  FloatLiteralNode,
  IdentifierNode,
  InListNode,
  IntLiteralNode,
  RangeNode,
  RegionNode,
  StringLiteralNode,
  TimeLiteralNode,
  TupleNode,
  UnaryNode,
  UuidLiteralNode,
  span,
  whereChildren,
  withSpan,
  type BinaryOperator,
  type InListItem,
  type RegionShape,
  type WhereNode,
} from './where-ast.js';
import { WhereLexer, type WhereToken } from './where-lexer.js';
import { WhereSyntaxError } from './where-syntax-error.js';
import { readTimeLiteral } from './where-time-literal.js';
import { TimeFormatError } from '../../time/tai-time.js';

/** Smallest integer literal (int64). */
export const WHERE_INT_MIN = -(2n ** 63n);
/** Largest integer literal (int64). */
export const WHERE_INT_MAX = 2n ** 63n - 1n;
/**
 * Deepest nesting of parentheses, NOT and unary minus the parser accepts, and the greatest
 * height of the tree it returns (an AND or OR chain of any length counts as one level): every
 * walker and both databases' SQL parsers can then go as deep as a tree goes.
 */
export const WHERE_MAX_DEPTH = 256;

const COMPARISON_OPS: ReadonlySet<string> = new Set(['=', '!=', '<', '<=', '>', '>=']);

/** Argument counts of the region constructors (POLYGON: even, at least this many). */
const REGION_ARITY: Readonly<Record<RegionShape, { count: number; names: string }>> = {
  POINT: { count: 2, names: 'ra, dec' },
  CIRCLE: { count: 3, names: 'ra, dec, radius_deg' },
  BOX: { count: 4, names: 'ra, dec, width_deg, height_deg' },
  POLYGON: { count: 6, names: 'ra1, dec1, ra2, dec2, ra3, dec3, ...' },
};

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * Parses a --where expression. Returns `null` for an empty or all-whitespace expression (no
 * constraint). Every returned node is frozen and carries its source span.
 * @throws WhereSyntaxError pointing at the offending character.
 */
export function parseWhere(expression: string): WhereNode | null {
  return new WhereParser(expression).parse();
}

/** Describes a token for an "unexpected ..." message. */
function describe(token: WhereToken): string {
  switch (token.type) {
    case 'eof': return 'end of expression';
    case 'keyword': return token.keyword;
    case 'identifier': return `identifier '${token.text}'`;
    case 'int': case 'float': return `number ${token.text}`;
    case 'string': return `string ${token.text}`;
    case 'time': return `time literal ${token.text}`;
    case 'bind': return `bind parameter ${token.text}`;
    case 'punct': return `'${token.punct}'`;
  }
}

class WhereParser {
  private readonly lexer: WhereLexer;
  private depth = 0;
  /** Heights of the nodes built so far that are not leaves (leaves are 1). */
  private readonly heights = new WeakMap<WhereNode, number>();

  constructor(private readonly source: string) {
    this.lexer = new WhereLexer(source);
  }

  parse(): WhereNode | null {
    if (this.lexer.peek().type === 'eof') return null;
    const node = this.parseOr();
    const tok = this.lexer.peek();
    if (tok.type !== 'eof') {
      if (tok.type === 'punct' && tok.punct === ')') this.fail("unexpected ')': no '(' to close", tok.start);
      this.unexpected(tok, 'expected an operator or the end of the expression');
    }
    return node;
  }

  // --- helpers --------------------------------------------------------------------------------

  private fail(message: string, position: number): never {
    throw new WhereSyntaxError(message, position, this.source);
  }

  private unexpected(tok: WhereToken, expected: string): never {
    let message = `unexpected ${describe(tok)}: ${expected}`;
    if (tok.type === 'punct' && tok.punct === '..') message += ' (ranges a..b belong inside IN (...))';
    if (tok.type === 'punct' && tok.punct === ':' && expected.startsWith('expected an expression')) {
      message += ' (a bind parameter is written :name)';
    }
    this.fail(message, tok.start);
  }

  private isPunct(tok: WhereToken, punct: string): boolean {
    return tok.type === 'punct' && tok.punct === punct;
  }

  private isKeyword(tok: WhereToken, keyword: string): boolean {
    return tok.type === 'keyword' && tok.keyword === keyword;
  }

  private enter(at: number): void {
    if (++this.depth > WHERE_MAX_DEPTH) this.fail(`expression nested too deeply (more than ${WHERE_MAX_DEPTH} levels)`, at);
  }

  private leave(): void {
    this.depth--;
  }

  /** Consumes the ')' closing `open`, or fails: at `open` if the expression ended first. */
  private expectClose(open: WhereToken, expected: string): WhereToken {
    const tok = this.lexer.peek();
    if (this.isPunct(tok, ')')) return this.lexer.next();
    if (tok.type === 'eof') this.fail("unclosed parenthesis: no ')' matches this '('", open.start);
    return this.unexpected(tok, expected);
  }

  private checkInt(value: bigint, at: number, text: string): bigint {
    if (value < WHERE_INT_MIN || value > WHERE_INT_MAX) {
      this.fail(`bad number '${text}': outside the 64-bit integer range`, at);
    }
    return value;
  }

  private binary(op: BinaryOperator, left: WhereNode, right: WhereNode): BinaryNode {
    return this.grown(BinaryNode.create(op, left, right, span(left.span.start, right.span.end)));
  }

  /**
   * Records the height of a node just built and fails when it passes WHERE_MAX_DEPTH. An
   * operand of an AND (OR) that is itself an AND (OR) adds no level: the chain is flat.
   */
  private grown<T extends WhereNode>(node: T): T {
    const children = whereChildren(node);
    const chain = node.kind === 'Binary' && (node.op === 'AND' || node.op === 'OR') ? node.op : null;
    let height = 1;
    for (const child of children) {
      const own = this.heights.get(child) ?? 1;
      const sameChain = chain !== null && child.kind === 'Binary' && child.op === chain;
      height = Math.max(height, sameChain ? own : own + 1);
    }
    if (height > WHERE_MAX_DEPTH) {
      this.fail(`expression nested too deeply (more than ${WHERE_MAX_DEPTH} levels)`, children[children.length - 1]!.span.start);
    }
    if (height > 1) this.heights.set(node, height);
    return node;
  }

  // --- levels, loosest first ------------------------------------------------------------------

  private parseOr(): WhereNode {
    this.enter(this.lexer.peek().start);
    let left = this.parseAnd();
    while (this.isKeyword(this.lexer.peek(), 'OR')) {
      this.lexer.next();
      left = this.binary('OR', left, this.parseAnd());
    }
    this.leave();
    return left;
  }

  private parseAnd(): WhereNode {
    let left = this.parseNot();
    while (this.isKeyword(this.lexer.peek(), 'AND')) {
      this.lexer.next();
      left = this.binary('AND', left, this.parseNot());
    }
    return left;
  }

  private parseNot(): WhereNode {
    const tok = this.lexer.peek();
    if (!this.isKeyword(tok, 'NOT')) return this.parseComparison();
    this.lexer.next();
    this.enter(tok.start);
    const operand = this.parseNot();
    this.leave();
    return this.grown(UnaryNode.create('NOT', operand, span(tok.start, operand.span.end)));
  }

  private parseComparison(): WhereNode {
    let left = this.parsePredicate();
    for (;;) {
      const tok = this.lexer.peek();
      let op: BinaryOperator;
      if (tok.type === 'punct' && COMPARISON_OPS.has(tok.punct)) op = tok.punct as BinaryOperator;
      else if (this.isKeyword(tok, 'OVERLAPS')) op = 'OVERLAPS';
      else return left;
      this.lexer.next();
      left = this.binary(op, left, this.parsePredicate());
    }
  }

  private parsePredicate(): WhereNode {
    const operand = this.parseAdditive();
    const tok = this.lexer.peek();
    if (this.isKeyword(tok, 'IN')) {
      this.lexer.next();
      return this.parseInList(operand, false);
    }
    if (this.isKeyword(tok, 'NOT')) {
      const after = this.lexer.peek(1);
      if (!this.isKeyword(after, 'IN')) this.unexpected(after, 'expected IN after NOT');
      this.lexer.next();
      this.lexer.next();
      return this.parseInList(operand, true);
    }
    return operand;
  }

  private parseAdditive(): WhereNode {
    let left = this.parseMultiplicative();
    for (;;) {
      const tok = this.lexer.peek();
      if (tok.type !== 'punct' || (tok.punct !== '+' && tok.punct !== '-')) return left;
      this.lexer.next();
      left = this.binary(tok.punct, left, this.parseMultiplicative());
    }
  }

  private parseMultiplicative(): WhereNode {
    let left = this.parseUnary();
    for (;;) {
      const tok = this.lexer.peek();
      if (tok.type !== 'punct' || (tok.punct !== '*' && tok.punct !== '/' && tok.punct !== '%')) return left;
      this.lexer.next();
      left = this.binary(tok.punct, left, this.parseUnary());
    }
  }

  private parseUnary(): WhereNode {
    const tok = this.lexer.peek();
    if (tok.type !== 'punct' || (tok.punct !== '-' && tok.punct !== '+')) return this.parsePrimary();
    const signed = this.parseSignedNumber();
    if (signed !== null) return signed;
    if (tok.punct === '+') this.fail("unary '+' may only precede a number", tok.start);
    this.lexer.next();
    this.enter(tok.start);
    const operand = this.parseUnary();
    this.leave();
    return this.grown(UnaryNode.create('-', operand, span(tok.start, operand.span.end)));
  }

  /** A '+' or '-' directly followed by a number, folded into one literal; else null (nothing
   * consumed). */
  private parseSignedNumber(): IntLiteralNode | FloatLiteralNode | null {
    const sign = this.lexer.peek();
    const num = this.lexer.peek(1);
    if (sign.type !== 'punct' || (sign.punct !== '-' && sign.punct !== '+')) return null;
    if (num.type !== 'int' && num.type !== 'float') return null;
    this.lexer.next();
    this.lexer.next();
    const at = span(sign.start, num.end);
    const negative = sign.punct === '-';
    if (num.type === 'int') {
      const value = negative ? -num.value : num.value;
      return IntLiteralNode.create(this.checkInt(value, sign.start, this.source.slice(at.start, at.end)), at);
    }
    return FloatLiteralNode.create(negative ? -num.value : num.value, at);
  }

  private parsePrimary(): WhereNode {
    const tok = this.lexer.peek();
    switch (tok.type) {
      case 'int':
        this.lexer.next();
        return IntLiteralNode.create(this.checkInt(tok.value, tok.start, tok.text), span(tok.start, tok.end));
      case 'float':
        this.lexer.next();
        return FloatLiteralNode.create(tok.value, span(tok.start, tok.end));
      case 'string':
        this.lexer.next();
        return StringLiteralNode.create(tok.value, span(tok.start, tok.end));
      case 'time':
        this.lexer.next();
        return this.timeLiteral(tok);
      case 'bind':
        this.lexer.next();
        return BindParameterNode.create(tok.name, span(tok.start, tok.end));
      case 'identifier':
        if (tok.parts.length === 1 && this.isPunct(this.lexer.peek(1), '(')) return this.parseCall();
        this.lexer.next();
        return IdentifierNode.create(tok.parts, span(tok.start, tok.end));
      case 'punct':
        if (tok.punct === '(') return this.parseParenthesized();
        return this.unexpected(tok, 'expected an expression');
      case 'keyword':
        if (tok.keyword === 'NOT') {
          return this.unexpected(tok, 'expected an expression (NOT negates a whole comparison: write NOT a = b, or (NOT a))');
        }
        return this.unexpected(tok, 'expected an expression');
      default:
        return this.unexpected(tok, 'expected an expression');
    }
  }

  private timeLiteral(tok: WhereToken & { type: 'time' }): TimeLiteralNode {
    try {
      const { format, scale, tai } = readTimeLiteral(tok.value);
      return TimeLiteralNode.create(tok.value, format, scale, tai, span(tok.start, tok.end));
    } catch (e) {
      if (e instanceof TimeFormatError) this.fail(`bad time literal ${tok.text}: ${e.message}`, tok.start);
      throw e;
    }
  }

  /** `( expr )` (no node of its own: the inner node's span grows to cover the parentheses) or
   * the pair `( expr , expr )`. */
  private parseParenthesized(): WhereNode {
    const open = this.lexer.next();
    if (this.isPunct(this.lexer.peek(), ')')) this.unexpected(this.lexer.peek(), 'expected an expression inside ()');
    const first = this.parseOr();
    if (this.isPunct(this.lexer.peek(), ',')) {
      this.lexer.next();
      const second = this.parseOr();
      const tok = this.lexer.peek();
      if (this.isPunct(tok, ',')) this.fail('a tuple has exactly two items: (begin, end)', tok.start);
      const close = this.expectClose(open, "expected ')' to end the pair");
      return this.grown(TupleNode.create(first, second, span(open.start, close.end)));
    }
    const close = this.expectClose(open, "expected an operator, ',' or ')'");
    return this.grown(withSpan(first, span(open.start, close.end)));
  }

  /** `NAME ( args )`: UUID('...') or a region constructor. */
  private parseCall(): WhereNode {
    const name = this.lexer.next() as WhereToken & { type: 'identifier' };
    const upper = name.text.toUpperCase();
    if (upper !== 'UUID' && !Object.hasOwn(REGION_ARITY, upper)) {
      this.fail(`unknown function '${name.text}' (known: UUID, POINT, CIRCLE, BOX, POLYGON)`, name.start);
    }
    const open = this.lexer.next();
    const args: WhereNode[] = [];
    if (!this.isPunct(this.lexer.peek(), ')')) {
      for (;;) {
        args.push(this.parseOr());
        if (!this.isPunct(this.lexer.peek(), ',')) break;
        this.lexer.next();
      }
    }
    const close = this.expectClose(open, "expected ',' or ')'");
    const at = span(name.start, close.end);
    if (upper === 'UUID') {
      const arg = args[0];
      if (args.length !== 1 || !StringLiteralNode.is(arg!)) {
        this.fail(`${name.text}(...) takes one string: UUID('xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx')`, arg ? arg.span.start : close.start);
      }
      const text = arg.value.trim();
      if (!UUID_RE.test(text)) {
        this.fail(`bad UUID '${arg.value}': expected 32 hex digits, as xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, arg.span.start);
      }
      const hex = text.replace(/-/g, '').toLowerCase();
      const value = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      return UuidLiteralNode.create(value, at);
    }
    const shape = upper as RegionShape;
    const { count, names } = REGION_ARITY[shape];
    const ok = shape === 'POLYGON' ? args.length >= count && args.length % 2 === 0 : args.length === count;
    if (!ok) {
      const wanted = shape === 'POLYGON' ? 'an even number of arguments, at least 6' : `${count} arguments`;
      this.fail(`${shape} takes ${wanted} (${names}), got ${args.length}`, name.start);
    }
    return this.grown(RegionNode.create(shape, args, at));
  }

  private parseInList(operand: WhereNode, negated: boolean): InListNode {
    const open = this.lexer.peek();
    if (!this.isPunct(open, '(')) this.unexpected(open, `expected '(' after ${negated ? 'NOT IN' : 'IN'}`);
    this.lexer.next();
    if (this.isPunct(this.lexer.peek(), ')')) this.unexpected(this.lexer.peek(), 'an IN list needs at least one value');
    const items: InListItem[] = [];
    for (;;) {
      items.push(this.parseInItem());
      if (!this.isPunct(this.lexer.peek(), ',')) break;
      this.lexer.next();
    }
    const close = this.expectClose(open, "expected ',' or ')'");
    return this.grown(InListNode.create(operand, items, negated, span(operand.span.start, close.end)));
  }

  private parseInItem(): InListItem {
    const expected = 'expected a literal, a bind parameter or a range a..b[:stride]';
    const tok = this.lexer.peek();
    if (tok.type === 'punct' && (tok.punct === '-' || tok.punct === '+')) {
      const num = this.parseSignedNumber();
      if (num === null) this.unexpected(this.lexer.peek(1), `expected a number after '${tok.punct}'`);
      return this.maybeRange(num);
    }
    switch (tok.type) {
      case 'int': case 'float':
        return this.maybeRange(this.parsePrimary() as IntLiteralNode | FloatLiteralNode);
      case 'string': case 'time': case 'bind':
        return this.parsePrimary() as InListItem;
      case 'identifier': {
        if (tok.parts.length === 1 && this.isPunct(this.lexer.peek(1), '(')) {
          if (tok.text.toUpperCase() !== 'UUID') this.unexpected(tok, `${expected} (only UUID(...) may be called here)`);
          return this.parseCall() as UuidLiteralNode;
        }
        if (tok.parts.length > 1) this.unexpected(tok, `${expected} (a dotted name can't be an IN value)`);
        return this.parsePrimary() as IdentifierNode;
      }
      default:
        return this.unexpected(tok, expected);
    }
  }

  /** After a number in an IN list: `..stop[:stride]` makes it a range start. */
  private maybeRange(first: IntLiteralNode | FloatLiteralNode): InListItem {
    const dots = this.lexer.peek();
    if (!this.isPunct(dots, '..')) return first;
    if (!IntLiteralNode.is(first)) this.fail('a range bound must be an integer', first.span.start);
    this.lexer.next();
    const stop = this.rangeInt('range end');
    let stride = 1n;
    let end = stop.span.end;
    const colon = this.lexer.peek();
    if (colon.type === 'bind') this.fail("expected a positive integer stride after ':'", colon.start + 1);
    if (this.isPunct(colon, ':')) {
      this.lexer.next();
      const tok = this.lexer.peek();
      if (tok.type !== 'int') this.unexpected(tok, 'expected a positive integer stride after ":"');
      this.lexer.next();
      if (tok.value < 1n) this.fail('a range stride must be a positive integer', tok.start);
      stride = this.checkInt(tok.value, tok.start, tok.text);
      end = tok.end;
    }
    return RangeNode.create(first.value, stop.value, stride, span(first.span.start, end));
  }

  private rangeInt(what: string): IntLiteralNode {
    const tok = this.lexer.peek();
    const signed = this.parseSignedNumber();
    const num = signed ?? (tok.type === 'int' || tok.type === 'float' ? (this.parsePrimary() as IntLiteralNode | FloatLiteralNode) : null);
    if (num === null) return this.unexpected(tok, `expected an integer ${what}`);
    if (!IntLiteralNode.is(num)) this.fail('a range bound must be an integer', num.span.start);
    return num;
  }
}
