/**
 * String values a --where expression compares a dimension with that no record of that
 * dimension holds (`band = 'R'` where the bands are g, r, i): the reason a query comes out
 * empty that is cheapest to name. Checked only after the fact (an empty result, a diagnosis),
 * with one bounded statement per compared dimension, never per row.
 */
import type { Registry } from '../registry.js';
import { closestName } from '../universe/did-you-mean.js';
import type { DimensionUniverse } from '../universe/dimension-universe.js';
import type { BindValue } from './bind-values.js';
import { resolveName } from './where-analysis.js';
import { walkWhere, type WhereNode } from './where/index.js';

/** Values of one dimension read to compare with (beyond this, the dimension is not checked). */
const MAX_VALUES = 500;
/** Existing values named in a message. */
const SHOWN_VALUES = 8;

/** A compared value that does not exist, with the values that do, closest first. */
export interface AbsentValue {
  readonly dimension: string;
  readonly value: string;
  readonly existing: readonly string[];
}

/** The string values `ast` compares each string-keyed, non-governor dimension with (`=` and `IN`, either side, literals and binds). */
export function comparedStringValues(ast: WhereNode | null, universe: DimensionUniverse, binds: ReadonlyMap<string, BindValue>, expression: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const strings = (v: WhereNode): string[] => {
    if (v.kind === 'StringLiteral') return [v.value];
    const bound = v.kind === 'BindParameter' || (v.kind === 'Identifier' && v.parts.length === 1) ? binds.get(v.name) : undefined;
    return (Array.isArray(bound) ? bound : [bound]).filter((x): x is string => typeof x === 'string');
  };
  const record = (id: WhereNode, values: string[]) => {
    if (id.kind !== 'Identifier' || !values.length || binds.has(id.name)) return;
    const r = resolveName(id, universe, binds, expression);
    // Governor values (instrument, skymap) are checked before any query runs (QUERY_EMPTY).
    const element = r.kind === 'key' ? universe.element(r.dimension) : null;
    if (r.kind !== 'key' || r.type !== 'string' || !element!.hasTable || element!.governor) return;
    const set = out.get(r.dimension) ?? new Set<string>();
    for (const v of values) set.add(v);
    out.set(r.dimension, set);
  };
  if (ast) walkWhere(ast, (n) => {
    if (n.kind === 'Binary' && n.op === '=') {
      record(n.left, strings(n.right));
      record(n.right, strings(n.left));
    } else if (n.kind === 'InList' && !n.negated) {
      record(n.operand, n.items.flatMap(strings));
    }
    return true;
  });
  return out;
}

/** The compared values of `compared` (see comparedStringValues) that no record holds: one statement per dimension. */
export async function absentValues(registry: Registry, compared: ReadonlyMap<string, ReadonlySet<string>>): Promise<AbsentValue[]> {
  const out: AbsentValue[] = [];
  for (const [dimension, values] of compared) {
    const element = registry.universe.element(dimension);
    const column = element.key!.name;
    const rows = await registry.db.arrays(registry.knex, registry.knex(element.name).distinct(column).orderBy(column).limit(MAX_VALUES + 1));
    if (rows.length > MAX_VALUES) continue; // too many to list: the query itself is the check
    const existing = rows.map((r) => String(r[0]));
    const present = new Set(existing);
    for (const value of values) if (!present.has(value)) out.push({ dimension, value, existing: closestFirst(value, existing) });
  }
  return out;
}

/** `no band 'R' in this repository; did you mean 'r'? (its band values, closest first: 'r', 'g', 'i')`. */
export function absentValueText(a: AbsentValue): string {
  const shown = a.existing.slice(0, SHOWN_VALUES).map((v) => `'${v}'`).join(', ');
  const more = a.existing.length > SHOWN_VALUES ? `, ... (${a.existing.length} in all)` : '';
  const near = suggestion(a);
  return `no ${a.dimension} '${a.value}' in this repository${near ? `; did you mean '${near}'?` : ''} (${a.existing.length ? `its ${a.dimension} values, closest first: ${shown}${more}` : `it has no ${a.dimension} records`})`;
}

/** The value `a` most likely meant: the same but for case, or the only close one (one letter is close to every one-letter value). */
function suggestion(a: AbsentValue): string | null {
  const first = a.existing[0];
  if (first === undefined || closestName(a.value, [first]) === null) return null;
  return first.toLowerCase() === a.value.toLowerCase() || closestName(a.value, a.existing.slice(1)) === null ? first : null;
}

/** `existing` with the close matches of `value` first (closest first), then the rest in order. */
function closestFirst(value: string, existing: readonly string[]): string[] {
  const rest = [...existing];
  const near: string[] = [];
  for (let c = closestName(value, rest); c !== null; c = closestName(value, rest)) {
    near.push(c);
    rest.splice(rest.indexOf(c), 1);
  }
  return [...near, ...rest];
}
