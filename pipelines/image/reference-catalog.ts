/**
 * Reference stars from catalog shards (Arrow tables, or anything with `getChild(name)
 * .toArray()`): positions from `ra`/`dec` in degrees (or LSST's `coord_ra`/`coord_dec` in
 * radians) and fluxes from `<band>_flux` in nJy.
 */
import { ImageError } from './errors.js';

/** The part of an Arrow table the reader needs. */
export interface ColumnTable {
  readonly numRows: number;
  getChild(name: string): { toArray(): ArrayLike<unknown> } | null;
}

/** Reference stars of one band, concatenated over shards. */
export interface ReferenceStars {
  readonly count: number;
  /** Degrees. */
  readonly ra: Float64Array;
  readonly dec: Float64Array;
  /** nJy (NaN when the band is missing for a star). */
  readonly flux: Float64Array;
}

function numbers(table: ColumnTable, name: string): Float64Array | undefined {
  const col = table.getChild(name);
  if (!col) return undefined;
  const values = col.toArray();
  return Float64Array.from({ length: table.numRows }, (_, i) => Number(values[i] as number | bigint));
}

/** True if `value` looks like a column table. */
export function isColumnTable(value: unknown): value is ColumnTable {
  return typeof value === 'object' && value !== null && typeof (value as ColumnTable).getChild === 'function' && typeof (value as ColumnTable).numRows === 'number';
}

/** Reads the stars of `band` from the shards. Throws {@link ImageError} `IMAGE_INPUT` for a shard without positions. */
export function loadReferenceStars(tables: readonly unknown[], band: string): ReferenceStars {
  const ras: Float64Array[] = [], decs: Float64Array[] = [], fluxes: Float64Array[] = [];
  for (const [i, table] of tables.entries()) {
    if (!isColumnTable(table)) throw new ImageError(`reference catalog shard ${i} is not a table`, 'IMAGE_INPUT');
    let ra = numbers(table, 'ra'), dec = numbers(table, 'dec');
    if (!ra || !dec) {
      const r = numbers(table, 'coord_ra'), d = numbers(table, 'coord_dec');
      if (!r || !d) throw new ImageError(`reference catalog shard ${i} has no ra/dec (or coord_ra/coord_dec) columns`, 'IMAGE_INPUT');
      ra = r.map((v) => (v * 180) / Math.PI);
      dec = d.map((v) => (v * 180) / Math.PI);
    }
    ras.push(ra);
    decs.push(dec);
    fluxes.push(numbers(table, `${band}_flux`) ?? new Float64Array(table.numRows).fill(NaN));
  }
  const concat = (parts: Float64Array[]) => {
    const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
    let k = 0;
    for (const p of parts) {
      out.set(p, k);
      k += p.length;
    }
    return out;
  };
  const ra = concat(ras);
  return { count: ra.length, ra, dec: concat(decs), flux: concat(fluxes) };
}
