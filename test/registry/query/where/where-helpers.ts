/**
 * Test helpers for the --where parser: an S-expression view of trees for goldens, span
 * stripping, a deliberately different (fully parenthesized, random-case, random-whitespace)
 * printer, and fast-check arbitraries for parser-producible trees.
 */
import fc from 'fast-check';
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
  isWhereKeyword,
  readTimeLiteral,
  type BinaryOperator,
  type InListItem,
  type RegionShape,
  type WhereNode,
} from '../../../../registry/query/where/index.js';
import { seededRandom } from '../../../support/random.js';

/** Compact S-expression of a tree; floats end in `f`, strings are JSON-quoted. */
export function sexpr(node: WhereNode | null): string {
  if (node === null) return 'null';
  switch (node.kind) {
    case 'IntLiteral': return node.value.toString();
    case 'FloatLiteral': return `${Object.is(node.value, -0) ? '-0' : String(node.value)}f`;
    case 'StringLiteral': return JSON.stringify(node.value);
    case 'TimeLiteral': return `T'${node.text}'`;
    case 'UuidLiteral': return `uuid:${node.value}`;
    case 'Identifier': return node.name;
    case 'BindParameter': return `:${node.name}`;
    case 'Unary': return `(${node.op === '-' ? 'neg' : 'NOT'} ${sexpr(node.operand)})`;
    case 'Binary': return `(${node.op} ${sexpr(node.left)} ${sexpr(node.right)})`;
    case 'InList': return `(${node.negated ? 'NOT-IN' : 'IN'} ${sexpr(node.operand)} [${node.items.map(sexpr).join(' ')}])`;
    case 'Range': return `${node.start}..${node.stop}:${node.stride}`;
    case 'Tuple': return `(tuple ${sexpr(node.items[0])} ${sexpr(node.items[1])})`;
    case 'Region': return `(${node.shape} ${node.args.map(sexpr).join(' ')})`;
  }
}

/** A deep copy without `span` fields, for comparing trees parsed from different text. */
export function stripSpans(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSpans);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== 'span') out[k] = stripSpans(v);
    return out;
  }
  return value;
}

/** Every node of a tree, parents first (IN-list items and region/tuple children included). */
export function allNodes(node: WhereNode): WhereNode[] {
  const out: WhereNode[] = [node];
  switch (node.kind) {
    case 'Unary': out.push(...allNodes(node.operand)); break;
    case 'Binary': out.push(...allNodes(node.left), ...allNodes(node.right)); break;
    case 'InList': out.push(...allNodes(node.operand)); for (const i of node.items) out.push(...allNodes(i)); break;
    case 'Tuple': out.push(...allNodes(node.items[0]), ...allNodes(node.items[1])); break;
    case 'Region': for (const a of node.args) out.push(...allNodes(a)); break;
    default: break;
  }
  return out;
}

/**
 * Prints a tree fully parenthesized, with keywords and function names in random case and random
 * whitespace between tokens: written independently of `formatWhere`, so whatever precedence the
 * parser has, the text must parse back to the same tree.
 */
export function noisyFormat(node: WhereNode, seed: number): string {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const ws = (): string => pick([' ', ' ', '  ', '\n', '\t', ' \r\n ']);
  const cased = (word: string): string =>
    Array.from(word, (c) => (rnd() < 0.5 ? c.toLowerCase() : c.toUpperCase())).join('');
  const float = (v: number): string => (Object.is(v, -0) ? '-0.0' : v.toExponential());
  const str = (v: string): string => `'${v.split("'").join("''")}'`;
  const item = (n: InListItem): string => {
    switch (n.kind) {
      case 'Range': return `${n.start}${ws()}..${ws()}${n.stop}${n.stride === 1n && rnd() < 0.5 ? '' : `${ws()}:${ws()}${n.stride}`}`;
      case 'IntLiteral': return n.value < 0n ? `-${ws()}${-n.value}` : `${n.value}`;
      default: return p(n);
    }
  };
  const p = (n: WhereNode): string => {
    switch (n.kind) {
      case 'IntLiteral': return `${n.value}`;
      case 'FloatLiteral': return float(n.value);
      case 'StringLiteral': return str(n.value);
      case 'TimeLiteral': return `${pick(['T', 't'])}'${n.text}'`;
      case 'UuidLiteral': return `${cased('uuid')}(${ws()}'${rnd() < 0.5 ? n.value.toUpperCase() : n.value}'${ws()})`;
      case 'Identifier': return n.name;
      case 'BindParameter': return `:${n.name}`;
      case 'Range': return item(n);
      case 'Unary':
        return n.op === 'NOT' ? `(${ws()}${cased('not')}${ws()}${p(n.operand)}${ws()})` : `(-${ws()}(${p(n.operand)}))`;
      case 'Binary': {
        const op = /^[A-Z]+$/.test(n.op) ? cased(n.op) : n.op;
        return `(${ws()}${p(n.left)}${ws()}${op}${ws()}${p(n.right)}${ws()})`;
      }
      case 'InList':
        return `(${p(n.operand)}${ws()}${n.negated ? `${cased('not')}${ws()}` : ''}${cased('in')}${ws()}(${n.items.map(item).join(`,${ws()}`)}))`;
      case 'Tuple': return `(${ws()}${p(n.items[0])}${ws()},${ws()}${p(n.items[1])}${ws()})`;
      case 'Region': return `${cased(n.shape)}${ws()}(${n.args.map(p).join(`,${ws()}`)})`;
    }
  };
  return `${pick(['', ' ', '\n'])}${p(node)}${pick(['', ' ', '\t'])}`;
}

// --- arbitraries --------------------------------------------------------------------------------

const INT_MIN = -(2n ** 63n);
const INT_MAX = 2n ** 63n - 1n;

const nameArb = fc.oneof(
  fc.constantFrom('visit', 'band', 'detector', 'exposure', 'T', 't', 'uuid', 'point', 'circle', 'b', '_x', 'INx', 'notes', 'order'),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,7}$/),
);
const simpleNameArb = nameArb.filter((n) => !isWhereKeyword(n));
const partArb = fc.oneof(nameArb, fc.constantFrom('and', 'OR', 'in', 'timespan', 'begin', 'end', 'region'));

/** Identifiers of 1 to 3 parts (a one-part identifier is never a keyword). */
export const identifierArb: fc.Arbitrary<IdentifierNode> = fc.oneof(
  simpleNameArb.map((n) => IdentifierNode.create([n])),
  fc.tuple(nameArb, partArb).map(([a, b]) => IdentifierNode.create([a, b])),
  fc.tuple(nameArb, partArb, partArb).map(([a, b, c]) => IdentifierNode.create([a, b, c])),
);

const intArb = fc.oneof(
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.bigInt({ min: INT_MIN, max: INT_MAX }),
  fc.constantFrom(INT_MIN, INT_MAX, 0n),
).map((v) => IntLiteralNode.create(v));

const floatArb = fc
  .oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 0.5, 1.5, 1e21, 1e-7, 5e-324, 150.0))
  .map((v) => FloatLiteralNode.create(v));

const stringArb = fc
  .oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom("it's", "''", "x'; DROP TABLE x; --", '', '\n'))
  .map((v) => StringLiteralNode.create(v));

const timeTextArb = fc.oneof(
  fc.date({ min: new Date('1972-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).chain((d) =>
    fc.constantFrom(
      d.toISOString().slice(0, 19).replace('T', ' '),
      d.toISOString().slice(0, 19),
      `iso/${d.toISOString().slice(0, 19).replace('T', ' ')}/tai`,
      `isot/${d.toISOString().slice(0, 23)}/UTC`,
      d.toISOString().slice(0, 10),
    ),
  ),
  fc.double({ min: 41317, max: 80000, noNaN: true }).chain((m) =>
    fc.constantFrom(m.toFixed(5), `mjd/${m.toFixed(3)}/tai`, `${m.toFixed(1)}/utc`, `MJD/${Math.floor(m)}`),
  ),
);
const timeArb = timeTextArb.map((text) => {
  const { format, scale, tai } = readTimeLiteral(text);
  return TimeLiteralNode.create(text, format, scale, tai);
});

const uuidArb = fc.uuid().map((u) => UuidLiteralNode.create(u.toLowerCase()));
const bindArb = simpleNameArb.map((n) => BindParameterNode.create(n));

const rangeArb = fc
  .tuple(fc.bigInt({ min: INT_MIN, max: INT_MAX }), fc.bigInt({ min: -50n, max: 50n }), fc.oneof(fc.constant(1n), fc.bigInt({ min: 1n, max: INT_MAX })))
  .map(([start, stop, stride]) => RangeNode.create(start, stop, stride));

const inItemArb: fc.Arbitrary<InListItem> = fc.oneof(
  intArb, floatArb, stringArb, timeArb, uuidArb, bindArb, rangeArb,
  simpleNameArb.map((n) => IdentifierNode.create([n])),
);

const leafArb: fc.Arbitrary<WhereNode> = fc.oneof(
  { arbitrary: identifierArb, weight: 4 },
  { arbitrary: intArb, weight: 2 },
  { arbitrary: floatArb, weight: 1 },
  { arbitrary: stringArb, weight: 2 },
  { arbitrary: timeArb, weight: 1 },
  { arbitrary: uuidArb, weight: 1 },
  { arbitrary: bindArb, weight: 1 },
);

const BINARY_OPS: readonly BinaryOperator[] = ['+', '-', '*', '/', '%', '=', '!=', '<', '<=', '>', '>=', 'AND', 'OR', 'OVERLAPS'];
const SHAPE_ARITY: ReadonlyArray<readonly [RegionShape, number]> = [['POINT', 2], ['CIRCLE', 3], ['BOX', 4], ['POLYGON', 6], ['POLYGON', 8]];

/** Random trees of every node kind, shaped as the parser can produce them (spans left empty). */
export const whereTreeArb: fc.Arbitrary<WhereNode> = fc.letrec<{ node: WhereNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'medium', withCrossShrink: true },
    { arbitrary: leafArb, weight: 5 },
    { arbitrary: fc.tuple(fc.constantFrom(...BINARY_OPS), tie('node'), tie('node')).map(([op, l, r]) => BinaryNode.create(op, l, r)), weight: 6 },
    { arbitrary: fc.tuple(fc.constantFrom('NOT' as const, '-' as const), tie('node')).map(([op, x]) => UnaryNode.create(op, x)), weight: 2 },
    {
      arbitrary: fc.tuple(tie('node'), fc.array(inItemArb, { minLength: 1, maxLength: 5 }), fc.boolean())
        .map(([x, items, neg]) => InListNode.create(x, items, neg)),
      weight: 1,
    },
    { arbitrary: fc.tuple(tie('node'), tie('node')).map(([a, b]) => TupleNode.create(a, b)), weight: 1 },
    {
      arbitrary: fc.constantFrom(...SHAPE_ARITY).chain(([shape, n]) =>
        fc.array(tie('node'), { minLength: n, maxLength: n }).map((args) => RegionNode.create(shape, args))),
      weight: 1,
    },
  ),
})).node;
