/**
 * The numbering of a build, in JS from one read of the data-ID rows, with no per-row objects:
 * each key column dictionary-encoded (its distinct values sorted, numbers numerically and
 * strings by UTF-16 code unit, so the numbering is the same on every dialect whatever its
 * collation), each dimension group's distinct data IDs numbered in the order of their required
 * keys, each row mapped to its number in every group, and the (quantum, dataset) pairs of a
 * connection deduplicated as single numbers.
 */
import type { DimensionGroup, Projection } from '../../registry/index.js';
import { csrFromPairs } from '../graph/csr.js';
import type { DataIdColumns } from '../graph/quantum-graph.js';

/** Integers up to this are exact in a double: the bound of a combined key. */
const EXACT = 2 ** 53;
/**
 * Combined keys below this many per row are ranked through a table indexed by key (at most 32
 * bytes a row) instead of by sorting them: one pass each way instead of a sort and a binary
 * search per row (a 1M-quanta build's groups all fit, from 0.44 s of ranking).
 */
const DIRECT_RANGE_PER_ROW = 8;

type Key = number | string;

/** One key column: its sorted distinct values, each row's code (index into them), and the code of a value. */
interface EncodedColumn {
  readonly values: readonly Key[];
  readonly codes: Int32Array;
  readonly codeOf: ReadonlyMap<unknown, number>;
}

function compareKeys(a: Key, b: Key): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Builds one column's codes row by row (first-seen codes), then renumbers them in sorted value order. */
class ColumnEncoder {
  private readonly seen = new Map<unknown, number>();
  private readonly firstSeen: Key[] = [];
  private readonly codes: Int32Array;

  constructor(count: number) {
    this.codes = new Int32Array(count);
  }

  add(row: number, value: unknown): void {
    let code = this.seen.get(value);
    if (code === undefined) {
      code = this.firstSeen.push(value as Key) - 1;
      this.seen.set(value, code);
    }
    this.codes[row] = code;
  }

  finish(): EncodedColumn {
    const order = this.firstSeen.map((_, i) => i).sort((a, b) => compareKeys(this.firstSeen[a]!, this.firstSeen[b]!));
    const renumber = new Int32Array(order.length);
    order.forEach((old, code) => (renumber[old] = code));
    const codes = this.codes;
    for (let i = 0; i < codes.length; i++) codes[i] = renumber[codes[i]!]!;
    const values = order.map((old) => this.firstSeen[old]!);
    return { values, codes, codeOf: new Map(values.map((v, code) => [v, code])) };
  }
}

/** The data-ID rows of a build, their key columns encoded. */
export class EncodedRows {
  private constructor(readonly count: number, private readonly columns: ReadonlyMap<string, EncodedColumn>) {}

  /**
   * Encodes `count` rows given column by column (`values[c]` holds column `names[c]`);
   * `constants` are columns every row has the same value in, not read.
   */
  static fromColumns(names: readonly string[], count: number, values: readonly (readonly unknown[])[], constants: ReadonlyMap<string, Key> = new Map()): EncodedRows {
    const encoded = names.map((_, c) => {
      const encoder = new ColumnEncoder(count);
      const column = values[c]!;
      for (let i = 0; i < count; i++) encoder.add(i, column[i]);
      return encoder.finish();
    });
    const constant = (v: Key): EncodedColumn => ({ values: [v], codes: new Int32Array(count), codeOf: new Map([[v, 0]]) });
    return new EncodedRows(count, new Map([...names.map((n, c) => [n, encoded[c]!] as const), ...[...constants].map(([n, v]) => [n, constant(v)] as const)]));
  }

  column(name: string): EncodedColumn {
    const c = this.columns.get(name);
    if (!c) throw new Error(`internal: dimension ${name} was not read from the data-ID rows`);
    return c;
  }
}

/** A group's numbered data IDs: a Projection the registry can locate data IDs in, and each row's number. */
export interface GroupNumbering extends Projection {
  readonly count: number;
  /** The required key values in number order. */
  readonly dataIds: DataIdColumns;
  /** Per row of the data-ID rows, the number of its data ID in the group. */
  readonly rowIdx: Int32Array;
}

/**
 * One step of combining key columns into a number: the combined key of the previous step's
 * rank and these columns' codes (mixed radix), ranked among `sorted`, the distinct keys.
 */
interface Stage {
  readonly columns: readonly EncodedColumn[];
  readonly sorted: Float64Array;
}

/** Numbers the distinct data IDs of `group` in the rows in the order of its required keys. */
export function numberGroup(rows: EncodedRows, group: DimensionGroup): GroupNumbering {
  const keys = new Float64Array(rows.count);
  const stages: Stage[] = [];
  let columns: EncodedColumn[] = [];
  let range = 1;
  for (const d of group.required) {
    const column = rows.column(d);
    const radix = Math.max(column.values.length, 1);
    if (range * radix > EXACT) {
      // rank what is combined so far, so the key stays exact
      stages.push({ columns, sorted: rankInPlace(keys, range) });
      range = stages.at(-1)!.sorted.length;
      columns = [];
    }
    for (let i = 0; i < keys.length; i++) keys[i] = keys[i]! * radix + column.codes[i]!;
    range *= radix;
    columns.push(column);
  }
  stages.push({ columns, sorted: rankInPlace(keys, range) });
  const count = stages.at(-1)!.sorted.length;
  const rowIdx = Int32Array.from(keys);
  return { group, count, rowIdx, dataIds: dataIdsOf(group.required, rows, rowIdx, count), locate: (row) => locate(stages, row) };
}

/** Replaces each key (an integer in [0, range)) by its rank among the distinct keys; returns those, sorted. */
function rankInPlace(keys: Float64Array, range: number): Float64Array {
  if (range <= DIRECT_RANGE_PER_ROW * keys.length) return rankByTable(keys, range);
  const sorted = unique(keys.slice().sort());
  for (let i = 0; i < keys.length; i++) keys[i] = search(sorted, keys[i]!);
  return sorted;
}

/** {@link rankInPlace} through a table of every key in the range: its rank + 1, 0 where no row has it. */
function rankByTable(keys: Float64Array, range: number): Float64Array {
  const rankOf = new Int32Array(range);
  for (let i = 0; i < keys.length; i++) rankOf[keys[i]!] = 1;
  let distinct = 0;
  for (let k = 0; k < range; k++) if (rankOf[k]) rankOf[k] = ++distinct;
  const sorted = new Float64Array(distinct);
  for (let k = 0; k < range; k++) if (rankOf[k]) sorted[rankOf[k]! - 1] = k;
  for (let i = 0; i < keys.length; i++) keys[i] = rankOf[keys[i]!]! - 1;
  return sorted;
}

/** The distinct values of a sorted array. */
function unique(sorted: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[n - 1]) sorted[n++] = sorted[i]!;
  return sorted.slice(0, n);
}

/** The index of `key` in `sorted`, -1 when absent. */
function search(sorted: Float64Array, key: number): number {
  let lo = 0, hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === key) return mid;
    if (v < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The number of the data ID whose required values lead `row`, -1 when the rows have none such. */
function locate(stages: readonly Stage[], row: readonly unknown[]): number {
  let rank = 0, at = 0;
  for (const { columns, sorted } of stages) {
    let key = rank;
    for (const c of columns) {
      const code = c.codeOf.get(row[at++]);
      if (code === undefined) return -1;
      key = key * Math.max(c.values.length, 1) + code;
    }
    rank = search(sorted, key);
    if (rank < 0) return -1;
  }
  return rank;
}

/** The required key values of each number (from its first row): numbers in Float64Array, strings in arrays. */
function dataIdsOf(names: readonly string[], rows: EncodedRows, rowIdx: Int32Array, count: number): DataIdColumns {
  const first = new Int32Array(count).fill(-1);
  for (let i = 0; i < rowIdx.length; i++) if (first[rowIdx[i]!]! < 0) first[rowIdx[i]!] = i;
  const out: Record<string, Float64Array | string[]> = {};
  for (const name of names) {
    const { values, codes } = rows.column(name);
    const at = (j: number) => values[codes[first[j]!]!]!;
    // filled by loops: the typed arrays' and Array's from() with a mapping function are several times slower
    if (count && typeof at(0) === 'number') {
      const column = new Float64Array(count);
      for (let j = 0; j < count; j++) column[j] = at(j) as number;
      out[name] = column;
    } else {
      const column = new Array<string>(count);
      for (let j = 0; j < count; j++) column[j] = String(at(j));
      out[name] = column;
    }
  }
  return out;
}

/**
 * The distinct (quantum, dataset) pairs the rows relate, sorted by quantum then dataset: the
 * rows grouped by dataset, then stably by quantum (two counting sorts, linear, where sorting
 * combined keys took 0.41 s of a 1M-quanta build), and repeats dropped.
 */
export function rowPairs(quanta: GroupNumbering, datasets: GroupNumbering): { quanta: Int32Array; datasets: Int32Array } {
  const q = quanta.rowIdx, d = datasets.rowIdx;
  const byDataset = csrFromPairs(datasets.count, d).values;
  const order = csrFromPairs(quanta.count, byDataset.map((row) => q[row]!), byDataset).values;
  const qs = new Int32Array(order.length), ds = new Int32Array(order.length);
  let n = 0;
  // index loops here and in the assembly: for-of makes an iterator result per step until the code is optimized
  for (let i = 0; i < order.length; i++) {
    const row = order[i]!;
    if (n > 0 && qs[n - 1] === q[row] && ds[n - 1] === d[row]) continue;
    qs[n] = q[row]!;
    ds[n++] = d[row]!;
  }
  return { quanta: qs.slice(0, n), datasets: ds.slice(0, n) };
}
