/**
 * `qg show --where`: the --where language evaluated in memory on data IDs (keys only:
 * comparisons, arithmetic, IN with ranges, AND/OR/NOT). A dimension a data ID lacks is
 * NULL, so a term on it is false for that quantum, as in SQL.
 */
// The where-language's own surface, not registry/index.js (databases, files): `qg show`
// loads this at start-up.
import { logicalOperands, parseWhere, suggest, walkWhere, WhereError, type IdentifierNode, type WhereNode } from '../../registry/query/where/index.js';

type Value = string | number | boolean | null;

/** The values the data IDs hold of dimension `key`. */
export type ValuesOf = (key: string) => ReadonlySet<string | number>;

/** A data ID as the graph stores it. */
export type DataIdRecord = Readonly<Record<string, string | number>>;

/**
 * A predicate over data IDs, or null when the expression is empty. Every name in the
 * expression must be one of `keys` (the dimensions the data IDs can have): a typo would
 * otherwise make every term NULL and silently select nothing.
 */
export function dataIdFilter(expression: string, keys: readonly string[], valuesOf?: ValuesOf): ((dataId: DataIdRecord) => boolean) | null {
  const ast = parseWhere(expression);
  if (!ast) return null;
  checkNames(ast, keys, expression);
  if (valuesOf) checkStringValues(ast, valuesOf, expression);
  const evaluate = (node: WhereNode, id: Readonly<Record<string, string | number>>): Value => {
    switch (node.kind) {
      case 'IntLiteral': return Number(node.value);
      case 'FloatLiteral': case 'StringLiteral': return node.value;
      case 'Identifier': {
        if (node.parts.length !== 1) throw new WhereError(`qg show --where filters on data-ID keys only, not '${node.name}'`, node.span.start, expression, 'WHERE_UNSUPPORTED');
        return id[node.name] ?? null;
      }
      case 'Unary': {
        const v = evaluate(node.operand, id);
        if (v === null) return null;
        return node.op === 'NOT' ? !v : -(v as number);
      }
      case 'InList': {
        const v = evaluate(node.operand, id);
        if (v === null) return null;
        const hit = node.items.some((item) => item.kind === 'Range'
          ? typeof v === 'number' && v >= Number(item.start) && v <= Number(item.stop) && (v - Number(item.start)) % Number(item.stride) === 0
          : evaluate(item, id) === v);
        return node.negated ? !hit : hit;
      }
      case 'Binary': {
        if (node.op === 'AND' || node.op === 'OR') {
          // A chain of any length is one loop (no recursion per term); SQL's three-valued logic.
          const decisive = node.op === 'OR';
          let unknown = false;
          for (const operand of logicalOperands(node, node.op)) {
            const v = evaluate(operand, id);
            if (v === decisive) return decisive;
            if (v === null) unknown = true;
          }
          return unknown ? null : !decisive;
        }
        const l = evaluate(node.left, id), r = evaluate(node.right, id);
        if (l === null || r === null) return null;
        switch (node.op) {
          case '=': return l === r;
          case '!=': return l !== r;
          case '<': return l < r;
          case '<=': return l <= r;
          case '>': return l > r;
          case '>=': return l >= r;
          case '+': return (l as number) + (r as number);
          case '-': return (l as number) - (r as number);
          case '*': return (l as number) * (r as number);
          case '/': return r === 0 ? null : Math.trunc((l as number) / (r as number));
          case '%': return r === 0 ? null : (l as number) % (r as number);
          default: throw new WhereError(`'${node.op}' is not supported by qg show --where`, node.span.start, expression, 'WHERE_UNSUPPORTED');
        }
      }
      default:
        throw new WhereError(`qg show --where supports keys, literals, comparisons, IN, AND/OR/NOT`, node.span.start, expression, 'WHERE_UNSUPPORTED');
    }
  };
  return (dataId) => evaluate(ast, dataId) === true;
}

/** Throws a WhereError (with a caret) at the first identifier that is not one of `keys`. */
function checkNames(ast: WhereNode, keys: readonly string[], expression: string): void {
  const unknown = firstUnknownName(ast, new Set(keys));
  if (!unknown) return;
  const { node: { name, span }, comparedWith } = unknown;
  const hint = comparedWith ? `; a string value is quoted: ${comparedWith} = '${name}'` : suggest(name, keys);
  throw new WhereError(`no dimension '${name}' in this graph${hint} (its dimensions: ${[...keys].sort().join(', ')})`, span.start, expression, 'WHERE_UNKNOWN_NAME');
}

/**
 * Throws a WhereError (with a caret) at the first string compared for (in)equality with a key
 * that holds no such value: `band = 'R'` would otherwise select nothing, silently.
 */
function checkStringValues(ast: WhereNode, valuesOf: ValuesOf, expression: string): void {
  walkWhere(ast, (node) => {
    const pairs = node.kind === 'Binary' && (node.op === '=' || node.op === '!=') ? [[node.left, node.right], [node.right, node.left]]
      : node.kind === 'InList' ? node.items.map((item) => [node.operand, item]) : [];
    for (const [key, value] of pairs) {
      if (key!.kind !== 'Identifier' || key!.parts.length !== 1 || value!.kind !== 'StringLiteral') continue;
      const values = valuesOf(key!.name);
      if (values.has(value!.value)) continue;
      const strings = [...values].map(String).sort();
      const listed = strings.length > 12 ? `${strings.slice(0, 12).join(', ')}, ...` : strings.join(', ');
      throw new WhereError(`no ${key!.name} '${value!.value}' in this graph${suggest(value!.value, strings)} (its values: ${listed})`, value!.span.start, expression, 'WHERE_ABSENT_VALUE');
    }
    return true;
  });
}

const COMPARISONS = new Set(['=', '!=', '<', '<=', '>', '>=']);

/**
 * The first one-part identifier not in `known`, in source order, and the key it is compared
 * with when it is the right side of `key = word` (`band = r`: a string value that lost its quotes).
 */
function firstUnknownName(ast: WhereNode, known: ReadonlySet<string>): UnknownName | null {
  const isUnknown = (node: WhereNode): node is IdentifierNode => node.kind === 'Identifier' && node.parts.length === 1 && !known.has(node.name);
  const found: UnknownName[] = [];
  walkWhere(ast, (node) => {
    if (found.length) return false;
    if (node.kind === 'Binary' && COMPARISONS.has(node.op) && node.left.kind === 'Identifier' && known.has(node.left.name) && isUnknown(node.right)) {
      found.push({ node: node.right, comparedWith: node.left.name });
    } else if (isUnknown(node)) {
      found.push({ node, comparedWith: null });
    }
    return true;
  });
  return found[0] ?? null;
}

interface UnknownName {
  readonly node: IdentifierNode;
  readonly comparedWith: string | null;
}
