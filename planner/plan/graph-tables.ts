/**
 * The numbered tables of a build: the distinct data IDs of each task's quanta and each dataset
 * type's datasets, numbered (`idx`) in JS from one read of the data-ID rows (row-numbering.ts),
 * so edges are integer pairs with no per-row objects.
 */
import type { DataIdColumns } from '../graph/quantum-graph.js';
import { rowPairs, type GroupNumbering } from './row-numbering.js';

/** A group's numbered data IDs, with their required key values in `idx` order. */
export type NumberedTable = GroupNumbering;

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

/** Integer pairs (quantum idx, dataset idx) related by the rows. */
export function edgePairs(quanta: NumberedTable, datasets: NumberedTable): { quanta: Int32Array; datasets: Int32Array } {
  if (quanta === datasets) {
    // same dimensions, same numbering: quantum i writes (or reads) dataset i
    // filled by a loop: Int32Array.from with a mapping function took ~0.2 s of a 1M-quanta build
    const identity = new Int32Array(quanta.count);
    for (let i = 0; i < identity.length; i++) identity[i] = i;
    return { quanta: identity, datasets: identity };
  }
  return rowPairs(quanta, datasets);
}
