/**
 * The values a graph's data IDs imply, by dimension element (an exposure its physical_filter
 * and day_obs, a physical_filter its band): the graph stores data IDs by their required keys
 * only, so without these `qg show --where "band='r'"` could not select an isr quantum.
 */
import type { DataIdColumns } from './quantum-graph.js';

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

/** A graph's implied-value tables, and data IDs completed with them. */
export class ImpliedValues {
  /** Per table, its record number by joined key values; built on first use. */
  private lookups: Map<string, number>[] | null = null;

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
      const lookup = this.lookup(i), values = t.columns[dim]!;
      return Array.from({ length: count }, (_, row) => {
        const key = rowKey(keys as ArrayLike<string | number | null>[], row);
        const record = key === null ? undefined : lookup.get(key);
        return record === undefined ? null : values[record]!;
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
        const row = this.lookup(i).get(joinedKey(t.keys.map((d) => out[d]!)));
        if (row === undefined) return;
        for (const d of t.implied) {
          if (d in out) continue;
          out[d] = t.columns[d]![row]!;
          added = true;
        }
      });
    }
    return out;
  }

  /** Table `i`'s record numbers by joined key values. */
  private lookup(i: number): Map<string, number> {
    this.lookups ??= this.tables.map(recordIndex);
    return this.lookups[i]!;
  }
}

function recordIndex(t: ImpliedTable): Map<string, number> {
  const index = new Map<string, number>();
  const keys = t.keys.map((d) => t.columns[d]!);
  for (let row = 0; row < t.count; row++) index.set(rowKey(keys, row)!, row);
  return index;
}

/** One text for a tuple of key values (a Map key). */
export const joinedKey = (values: readonly (string | number)[]): string => values.join('\u0000');

/** The joinedKey of row `row` of `columns`, built without an array per row; null when a value is null. */
export function rowKey(columns: readonly ArrayLike<string | number | null>[], row: number): string | null {
  let key = '';
  for (let c = 0; c < columns.length; c++) {
    const v = columns[c]![row];
    if (v === null || v === undefined) return null;
    key = c ? `${key}\u0000${v}` : String(v);
  }
  return key;
}
