/**
 * The numbered tables of a build: the distinct data IDs of each task's quanta and each dataset
 * type's datasets, projected from the materialized data-ID rows and numbered (`idx`) by the
 * registry's planning queries, so edges come back as integer pairs with no per-row objects in JS.
 */
import type { DimensionGroup, PlanningQueries, Projection } from '../../registry/index.js';
import type { DataIdColumns } from '../graph/quantum-graph.js';

/** A numbered projection of the rows table, with its data IDs in `idx` order. */
export interface NumberedTable extends Projection {
  readonly count: number;
  readonly dataIds: DataIdColumns;
}

/** Projects `group` out of the rows, numbers it and reads its required columns. */
export async function numberedProjection(planning: PlanningQueries, purpose: string, group: DimensionGroup): Promise<NumberedTable> {
  const { projection, keys } = await planning.numberedProjection(purpose, group);
  return { ...projection, count: keys.length, dataIds: columnsOf(group.required, keys) };
}

/** Splits array rows into typed columns (numbers into Float64Array, strings into arrays). */
export function columnsOf(names: readonly string[], rows: readonly unknown[][]): DataIdColumns {
  const out: Record<string, Float64Array | string[]> = {};
  names.forEach((name, c) => {
    if (rows.length && typeof rows[0]![c] === 'number') {
      const col = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) col[i] = rows[i]![c] as number;
      out[name] = col;
    } else {
      out[name] = rows.map((r) => String(r[c]));
    }
  });
  return out;
}

/** Integer pairs (quantum idx, dataset idx) related by the rows table. */
export async function edgePairs(planning: PlanningQueries, quanta: NumberedTable, datasets: NumberedTable): Promise<{ quanta: Int32Array; datasets: Int32Array }> {
  if (quanta === datasets) {
    // same dimensions, same numbering: quantum i writes (or reads) dataset i
    const identity = Int32Array.from({ length: quanta.count }, (_, i) => i);
    return { quanta: identity, datasets: identity };
  }
  return planning.edgePairs(quanta, datasets);
}
