/**
 * The --where language's syntax tree. Every node is a frozen, readonly object with a literal
 * `kind` and the `span` of source text it came from; each node type has a same-name frozen
 * companion object holding `is` (a type guard) and `create` (which freezes what it builds).
 *
 * The tree is purely syntactic: names are not yet checked against the dimension universe, and a
 * bare identifier may still turn out to be a bind name (LSST writes `band = b` with bind b='g').
 * Parentheses leave no node; a parenthesized node's span covers its parentheses.
 */

/** Half-open `[start, end)` UTF-16 offsets into the parsed expression. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Builds a frozen span. */
export function span(start: number, end: number): Span {
  return Object.freeze({ start, end });
}

/** Where {@link create} helpers put nodes that were not parsed from text. */
const NO_SPAN: Span = span(0, 0);

function freeze<T extends object>(node: T): T {
  return Object.freeze(node);
}

// ---------------------------------------------------------------------------------------------
// Literals

/** An integer literal; `value` is exact (int64 range, checked by the parser). Negative numbers
 * written as `-5` fold into a literal with a negative value. */
export interface IntLiteralNode {
  readonly kind: 'IntLiteral';
  readonly value: bigint;
  readonly span: Span;
}

/** Companion of {@link IntLiteralNode}. */
export const IntLiteralNode = Object.freeze({
  /** True for an {@link IntLiteralNode}. */
  is(node: WhereNode): node is IntLiteralNode {
    return node.kind === 'IntLiteral';
  },
  /** Builds a frozen node. */
  create(value: bigint, at: Span = NO_SPAN): IntLiteralNode {
    return freeze({ kind: 'IntLiteral', value, span: at });
  },
});

/** A floating-point literal (`1.5`, `1.`, `.5`, `1e3`); always finite. */
export interface FloatLiteralNode {
  readonly kind: 'FloatLiteral';
  readonly value: number;
  readonly span: Span;
}

/** Companion of {@link FloatLiteralNode}. */
export const FloatLiteralNode = Object.freeze({
  /** True for a {@link FloatLiteralNode}. */
  is(node: WhereNode): node is FloatLiteralNode {
    return node.kind === 'FloatLiteral';
  },
  /** Builds a frozen node. */
  create(value: number, at: Span = NO_SPAN): FloatLiteralNode {
    return freeze({ kind: 'FloatLiteral', value, span: at });
  },
});

/** A single-quoted string; `value` has the `''` escapes already undone. */
export interface StringLiteralNode {
  readonly kind: 'StringLiteral';
  readonly value: string;
  readonly span: Span;
}

/** Companion of {@link StringLiteralNode}. */
export const StringLiteralNode = Object.freeze({
  /** True for a {@link StringLiteralNode}. */
  is(node: WhereNode): node is StringLiteralNode {
    return node.kind === 'StringLiteral';
  },
  /** Builds a frozen node. */
  create(value: string, at: Span = NO_SPAN): StringLiteralNode {
    return freeze({ kind: 'StringLiteral', value, span: at });
  },
});

/** Time formats a time literal may name (or that are guessed from its value). */
export type TimeFormat = 'iso' | 'isot' | 'mjd';
/** Time scales a time literal may name. ISO/ISOT default to UTC, MJD to TAI (as LSST does). */
export type TimeScale = 'tai' | 'utc';

/**
 * A time literal `T'...'`, already converted to TAI nanoseconds. `text` is exactly what stood
 * between the quotes (so the literal can be printed back); `format` and `scale` are the ones
 * named in the text or the defaults that applied.
 */
export interface TimeLiteralNode {
  readonly kind: 'TimeLiteral';
  readonly text: string;
  readonly format: TimeFormat;
  readonly scale: TimeScale;
  /** TAI nanoseconds since 1970-01-01 00:00:00 TAI. */
  readonly tai: bigint;
  readonly span: Span;
}

/** Companion of {@link TimeLiteralNode}. */
export const TimeLiteralNode = Object.freeze({
  /** True for a {@link TimeLiteralNode}. */
  is(node: WhereNode): node is TimeLiteralNode {
    return node.kind === 'TimeLiteral';
  },
  /** Builds a frozen node; callers are responsible for `tai` agreeing with `text`. */
  create(text: string, format: TimeFormat, scale: TimeScale, tai: bigint, at: Span = NO_SPAN): TimeLiteralNode {
    return freeze({ kind: 'TimeLiteral', text, format, scale, tai, span: at });
  },
});

/** `UUID('...')`; `value` is normalized to lower-case 8-4-4-4-12 form. */
export interface UuidLiteralNode {
  readonly kind: 'UuidLiteral';
  readonly value: string;
  readonly span: Span;
}

/** Companion of {@link UuidLiteralNode}. */
export const UuidLiteralNode = Object.freeze({
  /** True for a {@link UuidLiteralNode}. */
  is(node: WhereNode): node is UuidLiteralNode {
    return node.kind === 'UuidLiteral';
  },
  /** Builds a frozen node; `value` must already be normalized. */
  create(value: string, at: Span = NO_SPAN): UuidLiteralNode {
    return freeze({ kind: 'UuidLiteral', value, span: at });
  },
});

// ---------------------------------------------------------------------------------------------
// Names

/**
 * A possibly dotted name: `visit`, `exposure.exposure_time`, `visit.timespan.begin`.
 * `parts` has 1 to 3 entries, each `[A-Za-z_][A-Za-z0-9_]*`, case kept as written; `name` is
 * `parts.join('.')`. A one-part identifier is never a keyword.
 */
export interface IdentifierNode {
  readonly kind: 'Identifier';
  readonly name: string;
  readonly parts: readonly string[];
  readonly span: Span;
}

/** Companion of {@link IdentifierNode}. */
export const IdentifierNode = Object.freeze({
  /** True for an {@link IdentifierNode}. */
  is(node: WhereNode): node is IdentifierNode {
    return node.kind === 'Identifier';
  },
  /** Builds a frozen node from its dot-separated parts. */
  create(parts: readonly string[], at: Span = NO_SPAN): IdentifierNode {
    return freeze({ kind: 'Identifier', name: parts.join('.'), parts: Object.freeze([...parts]), span: at });
  },
});

/** A bind parameter `:name` (`name` without the colon), supplied with `--bind name=value`. */
export interface BindParameterNode {
  readonly kind: 'BindParameter';
  readonly name: string;
  readonly span: Span;
}

/** Companion of {@link BindParameterNode}. */
export const BindParameterNode = Object.freeze({
  /** True for a {@link BindParameterNode}. */
  is(node: WhereNode): node is BindParameterNode {
    return node.kind === 'BindParameter';
  },
  /** Builds a frozen node. */
  create(name: string, at: Span = NO_SPAN): BindParameterNode {
    return freeze({ kind: 'BindParameter', name, span: at });
  },
});

// ---------------------------------------------------------------------------------------------
// Operators

/** Prefix operators: boolean `NOT` and arithmetic `-`. */
export type UnaryOperator = 'NOT' | '-';

/** `NOT operand` or `-operand`. The parser folds `-` before a number into the literal, so a
 * parsed `-` never has a non-negative numeric literal as its operand. */
export interface UnaryNode {
  readonly kind: 'Unary';
  readonly op: UnaryOperator;
  readonly operand: WhereNode;
  readonly span: Span;
}

/** Companion of {@link UnaryNode}. */
export const UnaryNode = Object.freeze({
  /** True for a {@link UnaryNode}. */
  is(node: WhereNode): node is UnaryNode {
    return node.kind === 'Unary';
  },
  /** Builds a frozen node. */
  create(op: UnaryOperator, operand: WhereNode, at: Span = NO_SPAN): UnaryNode {
    return freeze({ kind: 'Unary', op, operand, span: at });
  },
});

/** Arithmetic operators. */
export type ArithmeticOperator = '+' | '-' | '*' | '/' | '%';
/** Comparison operators. */
export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';
/** Boolean connectives. */
export type LogicalOperator = 'AND' | 'OR';
/** Every infix operator; keywords are upper case whatever the source's case. */
export type BinaryOperator = ArithmeticOperator | ComparisonOperator | LogicalOperator | 'OVERLAPS';

/** `left op right`; all infix operators are left-associative (see where-parser.ts). */
export interface BinaryNode {
  readonly kind: 'Binary';
  readonly op: BinaryOperator;
  readonly left: WhereNode;
  readonly right: WhereNode;
  readonly span: Span;
}

/** Companion of {@link BinaryNode}. */
export const BinaryNode = Object.freeze({
  /** True for a {@link BinaryNode}. */
  is(node: WhereNode): node is BinaryNode {
    return node.kind === 'Binary';
  },
  /** Builds a frozen node. */
  create(op: BinaryOperator, left: WhereNode, right: WhereNode, at: Span = NO_SPAN): BinaryNode {
    return freeze({ kind: 'Binary', op, left, right, span: at });
  },
});

/** An inclusive integer range `start..stop[:stride]` inside `IN (...)`; `stride >= 1`
 * (1 when not written). `start > stop` is syntactically fine and matches nothing. */
export interface RangeNode {
  readonly kind: 'Range';
  readonly start: bigint;
  readonly stop: bigint;
  readonly stride: bigint;
  readonly span: Span;
}

/** Companion of {@link RangeNode}. */
export const RangeNode = Object.freeze({
  /** True for a {@link RangeNode}. */
  is(node: WhereNode): node is RangeNode {
    return node.kind === 'Range';
  },
  /** Builds a frozen node. */
  create(start: bigint, stop: bigint, stride: bigint = 1n, at: Span = NO_SPAN): RangeNode {
    return freeze({ kind: 'Range', start, stop, stride, span: at });
  },
});

/** What may stand in an `IN (...)` list: literals, binds, ranges, and one-part identifiers (which
 * LSST treats as bind names; the checker decides). Never empty. */
export type InListItem =
  | IntLiteralNode
  | FloatLiteralNode
  | StringLiteralNode
  | TimeLiteralNode
  | UuidLiteralNode
  | BindParameterNode
  | IdentifierNode
  | RangeNode;

/** `operand IN (items)` or, with `negated`, `operand NOT IN (items)`; `items` is non-empty. */
export interface InListNode {
  readonly kind: 'InList';
  readonly operand: WhereNode;
  readonly negated: boolean;
  readonly items: readonly InListItem[];
  readonly span: Span;
}

/** Companion of {@link InListNode}. */
export const InListNode = Object.freeze({
  /** True for an {@link InListNode}. */
  is(node: WhereNode): node is InListNode {
    return node.kind === 'InList';
  },
  /** Builds a frozen node. */
  create(operand: WhereNode, items: readonly InListItem[], negated = false, at: Span = NO_SPAN): InListNode {
    return freeze({ kind: 'InList', operand, negated, items: Object.freeze([...items]), span: at });
  },
});

/** A pair `(a, b)`, used for a timespan `(begin, end)` on the right of OVERLAPS. */
export interface TupleNode {
  readonly kind: 'Tuple';
  readonly items: readonly [WhereNode, WhereNode];
  readonly span: Span;
}

/** Companion of {@link TupleNode}. */
export const TupleNode = Object.freeze({
  /** True for a {@link TupleNode}. */
  is(node: WhereNode): node is TupleNode {
    return node.kind === 'Tuple';
  },
  /** Builds a frozen node. */
  create(first: WhereNode, second: WhereNode, at: Span = NO_SPAN): TupleNode {
    return freeze({ kind: 'Tuple', items: Object.freeze([first, second] as const), span: at });
  },
});

/** Region constructors and their argument counts (degrees throughout). */
export type RegionShape = 'POINT' | 'CIRCLE' | 'BOX' | 'POLYGON';

/**
 * `POINT(ra, dec)`, `CIRCLE(ra, dec, radius)`, `BOX(ra, dec, width, height)` or
 * `POLYGON(ra1, dec1, ra2, dec2, ra3, dec3, ...)`. The parser guarantees the argument count
 * (POLYGON: an even number, at least 6); argument types are the checker's job.
 */
export interface RegionNode {
  readonly kind: 'Region';
  readonly shape: RegionShape;
  readonly args: readonly WhereNode[];
  readonly span: Span;
}

/** Companion of {@link RegionNode}. */
export const RegionNode = Object.freeze({
  /** True for a {@link RegionNode}. */
  is(node: WhereNode): node is RegionNode {
    return node.kind === 'Region';
  },
  /** Builds a frozen node. */
  create(shape: RegionShape, args: readonly WhereNode[], at: Span = NO_SPAN): RegionNode {
    return freeze({ kind: 'Region', shape, args: Object.freeze([...args]), span: at });
  },
});

// ---------------------------------------------------------------------------------------------

/** Any node of the --where syntax tree (one closed union; switch on `kind`). */
export type WhereNode =
  | IntLiteralNode
  | FloatLiteralNode
  | StringLiteralNode
  | TimeLiteralNode
  | UuidLiteralNode
  | IdentifierNode
  | BindParameterNode
  | UnaryNode
  | BinaryNode
  | InListNode
  | RangeNode
  | TupleNode
  | RegionNode;

/** Every node kind. */
export type WhereNodeKind = WhereNode['kind'];

/** The node type of one kind. */
export type WhereNodeOf<K extends WhereNodeKind> = Extract<WhereNode, { readonly kind: K }>;

/** One handler per node kind: a table of these won't compile until a new kind is handled. */
export type WhereNodeHandlers<R> = { readonly [K in WhereNodeKind]: (node: WhereNodeOf<K>) => R };

/** Calls the handler for `node`'s kind. */
export function dispatchWhere<R>(node: WhereNode, handlers: WhereNodeHandlers<R>): R {
  // TypeScript cannot relate handlers[node.kind] to node's own kind; the mapped type guarantees it.
  return (handlers[node.kind] as (node: WhereNode) => R)(node);
}

/** Returns the same node with another span (nodes are frozen, so this copies). */
export function withSpan<T extends WhereNode>(node: T, at: Span): T {
  return Object.freeze({ ...node, span: at }) as unknown as T;
}

// ---------------------------------------------------------------------------------------------
// Walking without recursion: a 10,000-term OR chain is 10,000 nodes deep.

const NO_CHILDREN: readonly WhereNode[] = Object.freeze([]);
const LEAF = () => NO_CHILDREN;
const CHILDREN: WhereNodeHandlers<readonly WhereNode[]> = {
  IntLiteral: LEAF,
  FloatLiteral: LEAF,
  StringLiteral: LEAF,
  TimeLiteral: LEAF,
  UuidLiteral: LEAF,
  Identifier: LEAF,
  BindParameter: LEAF,
  Range: LEAF,
  Unary: (node) => [node.operand],
  Binary: (node) => [node.left, node.right],
  InList: (node) => [node.operand, ...node.items],
  Tuple: (node) => node.items,
  Region: (node) => node.args,
};

/** The direct children of a node in source order (IN-list items, tuple items and region
 * arguments included); none for literals, names and ranges. */
export function whereChildren(node: WhereNode): readonly WhereNode[] {
  return dispatchWhere(node, CHILDREN);
}

/**
 * Visits `root` and every node below it in source order, parents first, with an explicit
 * stack (so a tree of any depth is safe); `visit` returns false to skip a node's children.
 */
export function walkWhere(root: WhereNode, visit: (node: WhereNode) => boolean): void {
  const stack: WhereNode[] = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (!visit(node)) continue;
    const children = whereChildren(node);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}

/**
 * The operands of the `op` chain at `node`, left to right, through parentheses:
 * `a AND (b AND c) AND d` gives `[a, b, c, d]`; anything else gives `[node]`. AND and OR are
 * associative, so a chain means the same as one n-ary operator over these operands.
 */
export function logicalOperands(node: WhereNode, op: LogicalOperator): WhereNode[] {
  const out: WhereNode[] = [];
  const stack: WhereNode[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.kind === 'Binary' && n.op === op) stack.push(n.right, n.left);
    else out.push(n);
  }
  return out;
}

/** The terms of the top-level AND chain (`a AND (b AND c)` gives `[a, b, c]`); none for no expression. */
export function conjuncts(ast: WhereNode | null): WhereNode[] {
  return ast ? logicalOperands(ast, 'AND') : [];
}
