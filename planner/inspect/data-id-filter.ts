/**
 * `qg show --where`: the --where language evaluated in memory on data IDs (keys only:
 * comparisons, arithmetic, IN with ranges, AND/OR/NOT). A dimension a data ID lacks is
 * NULL, so a term on it is false for that quantum, as in SQL.
 */
// The where-language's own surface, not registry/index.js (databases, files, YAML): `qg show`
// loads this at start-up.
import { logicalOperands, parseWhere, type WhereNode } from '../../registry/query/where/index.js';
import { WhereError } from '../../registry/query/query-errors.js';

type Value = string | number | boolean | null;

/** A predicate over data IDs, or null when the expression is empty. */
export function dataIdFilter(expression: string): ((dataId: Readonly<Record<string, string | number>>) => boolean) | null {
  const ast = parseWhere(expression);
  if (!ast) return null;
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
