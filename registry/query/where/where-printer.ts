/**
 * Prints a --where syntax tree back as canonical text: keywords upper case, one space around
 * binary operators, parentheses only where the grammar needs them (see where-parser.ts for the
 * levels). For any tree `parseWhere` can return, `parseWhere(formatWhere(t))` equals `t` except
 * for spans; it is what reproduce commands print.
 */
import { RegistryError } from '../../errors.js';
import { isWhereKeyword } from './where-lexer.js';
import { dispatchWhere, type BinaryOperator, type WhereNode, type WhereNodeHandlers } from './where-ast.js';

/** Binding levels, loosest first; a child printed below its slot's level gets parentheses. */
const Level = {
  Or: 1,
  And: 2,
  Not: 3,
  Comparison: 4,
  In: 5,
  Additive: 6,
  Multiplicative: 7,
  Unary: 8,
  Primary: 9,
} as const;
type Level = number;

const BINARY_LEVEL: Readonly<Record<BinaryOperator, Level>> = {
  OR: Level.Or,
  AND: Level.And,
  '=': Level.Comparison, '!=': Level.Comparison, '<': Level.Comparison, '<=': Level.Comparison,
  '>': Level.Comparison, '>=': Level.Comparison, OVERLAPS: Level.Comparison,
  '+': Level.Additive, '-': Level.Additive,
  '*': Level.Multiplicative, '/': Level.Multiplicative, '%': Level.Multiplicative,
};

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const PRIMARY = (): Level => Level.Primary;
const LEVEL: WhereNodeHandlers<Level> = {
  IntLiteral: PRIMARY,
  FloatLiteral: PRIMARY,
  StringLiteral: PRIMARY,
  TimeLiteral: PRIMARY,
  UuidLiteral: PRIMARY,
  Identifier: PRIMARY,
  BindParameter: PRIMARY,
  Range: PRIMARY,
  Tuple: PRIMARY,
  Region: PRIMARY,
  Binary: (node) => BINARY_LEVEL[node.op],
  Unary: (node) => (node.op === 'NOT' ? Level.Not : Level.Unary),
  InList: () => Level.In,
};

function unprintable(why: string): never {
  throw new RegistryError(`cannot print --where tree: ${why}`, 'WHERE_UNPRINTABLE');
}

/** A float as text the lexer reads back as the same float (always with '.' or an exponent). */
function formatFloat(value: number): string {
  if (!Number.isFinite(value)) unprintable(`float ${value} has no literal`);
  if (Object.is(value, -0)) return '-0.0';
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

function formatString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function formatIdentifier(parts: readonly string[]): string {
  if (parts.length < 1 || parts.length > 3 || !parts.every((p) => NAME_RE.test(p))) {
    unprintable(`'${parts.join('.')}' is not a valid identifier`);
  }
  if (parts.length === 1 && isWhereKeyword(parts[0]!)) unprintable(`identifier '${parts[0]}' is a keyword`);
  return parts.join('.');
}

function at(node: WhereNode, min: Level): string {
  const text = print(node);
  return dispatchWhere(node, LEVEL) < min ? `(${text})` : text;
}

function print(node: WhereNode): string {
  return dispatchWhere(node, PRINT);
}

const PRINT: WhereNodeHandlers<string> = {
  IntLiteral: (node) => node.value.toString(),
  FloatLiteral: (node) => formatFloat(node.value),
  StringLiteral: (node) => formatString(node.value),
  TimeLiteral: (node) => {
    if (node.text.includes("'")) unprintable(`time text ${JSON.stringify(node.text)} contains a quote`);
    return `T'${node.text}'`;
  },
  UuidLiteral: (node) => {
    if (!UUID_RE.test(node.value)) unprintable(`'${node.value}' is not a normalized UUID`);
    return `UUID('${node.value}')`;
  },
  Identifier: (node) => formatIdentifier(node.parts),
  BindParameter: (node) => {
    if (!NAME_RE.test(node.name)) unprintable(`':${node.name}' is not a valid bind name`);
    return `:${node.name}`;
  },
  Range: (node) => `${node.start}..${node.stop}${node.stride === 1n ? '' : `:${node.stride}`}`,
  Tuple: (node) => `(${at(node.items[0], Level.Or)}, ${at(node.items[1], Level.Or)})`,
  Region: (node) => `${node.shape}(${node.args.map((a) => at(a, Level.Or)).join(', ')})`,
  InList: (node) => `${at(node.operand, Level.Additive)} ${node.negated ? 'NOT IN' : 'IN'} (${node.items.map(print).join(', ')})`,
  Unary: (node) => {
    if (node.op === 'NOT') return `NOT ${at(node.operand, Level.Not)}`;
    // '-' before a number would fold into a negative literal, so keep the node visible.
    const operand = node.operand;
    if (operand.kind === 'IntLiteral' || operand.kind === 'FloatLiteral') return `-(${print(operand)})`;
    const text = at(operand, Level.Unary);
    return text.startsWith('-') ? `- ${text}` : `-${text}`;
  },
  Binary: (node) => {
    // Walk the left spine iteratively so long AND/OR chains don't exhaust the stack.
    const level = BINARY_LEVEL[node.op];
    const spine: Array<{ op: BinaryOperator; right: WhereNode }> = [];
    let left: WhereNode = node;
    while (left.kind === 'Binary' && BINARY_LEVEL[left.op] === level) {
      spine.push({ op: left.op, right: left.right });
      left = left.left;
    }
    let text = at(left, level);
    for (let i = spine.length - 1; i >= 0; i--) {
      text += ` ${spine[i]!.op} ${at(spine[i]!.right, level + 1)}`;
    }
    return text;
  },
};

/**
 * Canonical text for a --where tree; `''` for `null` (no constraint).
 * @throws RegistryError (code `WHERE_UNPRINTABLE`) for a hand-built tree with no textual form,
 *   e.g. a non-finite float or an identifier that is a keyword.
 */
export function formatWhere(node: WhereNode | null): string {
  return node === null ? '' : print(node);
}
