/**
 * Tuples of key values (data-ID values, given column by column) found again by value, with no
 * string per tuple: each column's distinct values are numbered, and a tuple's numbers combined
 * into one (mixed radix). Joining the values into a string for a Map key took ~0.3 s of a
 * 1M-quanta build's prerequisite matching.
 */

/** A column of key values; null or undefined where a value is unknown. */
type Column = ArrayLike<unknown>;

export class TupleIndex {
  private constructor(
    /** Per column, its values' numbers. */
    private readonly codes: readonly Map<unknown, number>[],
    /** Per combined number, its tuple. */
    private readonly tuples: ReadonlyMap<number, number>,
    /** Per indexed row, the number of its tuple; -1 where a value is unknown. */
    readonly rowTuple: Int32Array,
    /** The distinct tuples, numbered in the order of the first row holding each. */
    readonly count: number,
  ) {}

  /** Indexes the `rows` tuples of `columns` (at least one). */
  static of(columns: readonly Column[], rows: number): TupleIndex {
    const codes = columns.map((column) => {
      const map = new Map<unknown, number>();
      for (let r = 0; r < rows; r++) {
        const v = column[r];
        if (v !== null && v !== undefined && !map.has(v)) map.set(v, map.size);
      }
      return map;
    });
    if (codes.reduce((range, map) => range * Math.max(map.size, 1), 1) > Number.MAX_SAFE_INTEGER) throw new Error('internal: too many distinct key values to combine exactly');
    const tuples = new Map<number, number>();
    const rowTuple = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const code = combined(codes, columns, r);
      let tuple = code < 0 ? -1 : tuples.get(code);
      if (tuple === undefined) tuples.set(code, (tuple = tuples.size));
      rowTuple[r] = tuple;
    }
    return new TupleIndex(codes, tuples, rowTuple, tuples.size);
  }

  /** The tuple of row `row` of `columns` (the indexed columns' order), -1 when no indexed row holds it. */
  find(columns: readonly Column[], row: number): number {
    const code = combined(this.codes, columns, row);
    return code < 0 ? -1 : this.tuples.get(code) ?? -1;
  }
}

/** The combined number of row `row`'s values, -1 when one is not among `codes`. */
function combined(codes: readonly Map<unknown, number>[], columns: readonly Column[], row: number): number {
  let code = 0;
  for (let c = 0; c < codes.length; c++) {
    const map = codes[c]!;
    const k = map.get(columns[c]![row]);
    if (k === undefined) return -1;
    code = code * Math.max(map.size, 1) + k;
  }
  return code;
}
