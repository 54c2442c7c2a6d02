/**
 * The values a graph's data IDs imply, by dimension element (an exposure its physical_filter
 * and day_obs, a physical_filter its band): the graph stores data IDs by their required keys
 * only, so without these `qg show --where "band='r'"` could not select an isr quantum.
 */
import type { DataIdColumns } from './quantum-graph.js';
import { TupleIndex } from './tuple-index.js';

/** One element's records as the graph holds them: its keys and the values they imply. */
export interface ImpliedTable {
  readonly element: string;
  /** The dimensions whose values identify a record (its required ones, then itself). */
  readonly keys: readonly string[];
  /** The dimensions a record gives values of. */
  readonly implied: readonly string[];
  readonly count: number;
  readonly columns: DataIdColumns;
}

type DataId = Record<string, string | number>;

/** One table's records found by their key values. */
interface RecordIndex {
  readonly keys: TupleIndex;
  /** Per tuple of key values, its record. */
  readonly recordOf: Int32Array;
}

/** A graph's implied-value tables, and data IDs completed with them. */
export class ImpliedValues {
  /** Per table, its records by key values; built on first use. */
  private indexes: RecordIndex[] | null = null;

  constructor(readonly tables: readonly ImpliedTable[]) {}

  /** The dimensions these tables give values of. */
  get dimensions(): string[] {
    return [...new Set(this.tables.flatMap((t) => t.implied))];
  }

  /**
   * The values of dimension `dim` for `count` data IDs given as columns: their own column, or
   * looked up through the tables (transitively: an exposure's physical_filter's band); null
   * when no table gives it, and null for a data ID whose record the tables lack.
   */
  column(dim: string, columns: DataIdColumns, count: number): ArrayLike<string | number | null> | null {
    const own = columns[dim];
    if (own) return own;
    for (const [i, t] of this.tables.entries()) {
      if (!t.implied.includes(dim)) continue;
      const keys = t.keys.map((k) => this.column(k, columns, count));
      if (keys.some((k) => k === null)) continue;
      const { keys: index, recordOf } = this.index(i), values = t.columns[dim]!;
      return Array.from({ length: count }, (_, row) => {
        const tuple = index.find(keys as ArrayLike<string | number | null>[], row);
        return tuple < 0 ? null : values[recordOf[tuple]!]!;
      });
    }
    return null;
  }

  /**
   * `dataId` with every value its keys imply, transitively (a visit's physical_filter, then
   * that filter's band); values the data ID has already are kept.
   */
  expand(dataId: Readonly<DataId>): DataId {
    if (!this.tables.length) return { ...dataId };
    const out: DataId = { ...dataId };
    for (let added = true; added;) {
      added = false;
      this.tables.forEach((t, i) => {
        if (t.implied.every((d) => d in out) || !t.keys.every((d) => d in out)) return;
        const { keys, recordOf } = this.index(i);
        const tuple = keys.find(t.keys.map((d) => [out[d]!]), 0);
        if (tuple < 0) return;
        for (const d of t.implied) {
          if (d in out) continue;
          out[d] = t.columns[d]![recordOf[tuple]!]!;
          added = true;
        }
      });
    }
    return out;
  }

  /** Table `i`'s records by key values. */
  private index(i: number): RecordIndex {
    this.indexes ??= this.tables.map(recordIndex);
    return this.indexes[i]!;
  }
}

function recordIndex(t: ImpliedTable): RecordIndex {
  const keys = TupleIndex.of(t.keys.map((d) => t.columns[d]!), t.count);
  const recordOf = new Int32Array(keys.count);
  for (let row = 0; row < t.count; row++) if (keys.rowTuple[row]! >= 0) recordOf[keys.rowTuple[row]!] = row;
  return { keys, recordOf };
}
