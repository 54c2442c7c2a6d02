/**
 * What the query layer reads from a --where tree besides its SQL: the term to blame for an
 * overflow the database reported, terms that contradict each other, and the governor values
 * the top-level AND chain pins down.
 */
import type { DimensionUniverse } from '../universe/dimension-universe.js';
import type { BindValue } from './bind-values.js';
import { EmptyQueryError, WhereError } from './query-errors.js';
import { resolveName } from './where-analysis.js';
import { conjuncts, walkWhere } from './where/index.js';
import type { Span, WhereNode } from './where/index.js';

/**
 * The error for a statement that failed on an arithmetic overflow (`WhereDialect.isOverflow`).
 * Arithmetic on constants is checked when compiled, so the culprit reads data: this points at
 * the first arithmetic term that does. Null when there is none (the failure was not ours).
 */
export function overflowError(ast: WhereNode | null, universe: DimensionUniverse, binds: ReadonlyMap<string, BindValue>, expression: string): WhereError | null {
  const readsData = (root: WhereNode): boolean => {
    let reads = false;
    walkWhere(root, (node) => {
      if (node.kind === 'Identifier') reads ||= !['bind', 'null'].includes(resolveName(node, universe, binds, expression).kind);
      return !reads;
    });
    return reads;
  };
  const found: WhereNode[] = [];
  if (ast) walkWhere(ast, (node) => {
    const arithmetic = (node.kind === 'Binary' && ARITHMETIC.has(node.op)) || (node.kind === 'Unary' && node.op === '-');
    if (!found.length && arithmetic && readsData(node)) found.push(node);
    return !found.length;
  });
  const [term] = found;
  if (!term) return null;
  const text = expression.slice(term.span.start, term.span.end);
  return new WhereError(`arithmetic overflow: for some data ID, '${text}' is outside the range of its type (64-bit integers, or doubles)`, term.span.start, expression, 'WHERE_OVERFLOW');
}

const ARITHMETIC: ReadonlySet<string> = new Set(['+', '-', '*', '/', '%']);

/**
 * Terms that can never hold together: `d = a AND d = b` with different literal values for one
 * dimension, anywhere in the top-level AND chain. Returns the error, or null.
 */
export function findContradiction(ast: WhereNode | null, universe: DimensionUniverse, binds: ReadonlyMap<string, BindValue>, expression: string): EmptyQueryError | null {
  const seen = new Map<string, { value: unknown; node: WhereNode }>();
  for (const c of conjuncts(ast)) {
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
  const visit = (n: WhereNode): void => {
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
  for (const n of conjuncts(ast)) visit(n);
  return out;
}
