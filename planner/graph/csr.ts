/**
 * Compressed sparse rows (CSR): the layout the planner and the engine use for every
 * one-to-many relation over numbered things (a quantum's edges, a task's successors), two
 * typed arrays and no per-row objects.
 */

/** Row r's entries are `values[offsets[r] .. offsets[r + 1])`. */
export interface Csr {
  readonly offsets: Int32Array;
  readonly values: Int32Array;
}

/**
 * Groups pairs by row, a stable counting sort: entry i, `values[i]` (or i itself when
 * `values` is left out), lands in row `rows[i]` (0 .. rowCount-1), after the entries
 * before it in the same row.
 */
export function csrFromPairs(rowCount: number, rows: ArrayLike<number>, values?: ArrayLike<number>): Csr {
  const offsets = new Int32Array(rowCount + 1);
  for (let i = 0; i < rows.length; i++) offsets[rows[i]! + 1]!++;
  for (let r = 0; r < rowCount; r++) offsets[r + 1]! += offsets[r]!;
  const fill = offsets.slice(0, rowCount);
  const sorted = new Int32Array(rows.length);
  if (values) for (let i = 0; i < rows.length; i++) sorted[fill[rows[i]!]!++] = values[i]!;
  else for (let i = 0; i < rows.length; i++) sorted[fill[rows[i]!]!++] = i;
  return { offsets, values: sorted };
}
