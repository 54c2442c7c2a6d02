/**
 * The implied-value tables a graph carries (see planner/graph/implied-values.ts), from one
 * DISTINCT read of the data-ID rows, which hold the implied values already: one statement
 * whatever the size of the graph, and only the records the graph's data IDs use.
 */
import type { DimensionElement, DimensionGroup, PlanningQueries } from '../../registry/index.js';
import type { ImpliedTable } from '../graph/implied-values.js';
import { columnsOf } from './graph-tables.js';

/** The tables of every element of `union` that implies values the rows hold. */
export async function impliedTables(union: DimensionGroup, planning: PlanningQueries): Promise<ImpliedTable[]> {
  const present = new Set(union.names);
  const elements = union.names.map((d) => union.universe.element(d))
    .filter((e) => e.implies.length && [...keysOf(e), ...e.implies].every((d) => present.has(d)));
  if (!elements.length) return [];
  const columns = [...new Set(elements.flatMap((e) => [...keysOf(e), ...e.implies]))];
  const rows = await planning.distinctRows(columns);
  return elements.map((e) => elementTable(e, columns, rows));
}

/** The dimensions whose values identify a record of `e`. */
const keysOf = (e: DimensionElement): string[] => [...e.required, e.name];

/** `e`'s records among `rows` (of `columns`), each once; a record implying NULL is left out. */
function elementTable(e: DimensionElement, columns: readonly string[], rows: readonly unknown[][]): ImpliedTable {
  const keys = keysOf(e), names = [...keys, ...e.implies];
  const at = names.map((d) => columns.indexOf(d));
  const records = new Map<string, unknown[]>();
  for (const row of rows) {
    const values = at.map((c) => row[c]);
    if (!values.some((v) => v === null)) records.set(values.slice(0, keys.length).join('\u0000'), values);
  }
  const list = [...records.values()];
  return { element: e.name, keys, implied: e.implies, count: list.length, columns: columnsOf(names, list) };
}
