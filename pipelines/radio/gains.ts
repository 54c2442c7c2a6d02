/**
 * Per-antenna complex gain tables: samples (time as Julian date, antenna, gain) stored as an
 * Arrow table with columns `time_jd`, `antenna`, `gain_re`, `gain_im`; a gain at any time is
 * interpolated linearly (real and imaginary parts) between an antenna's two nearest samples.
 */
import { tableFromArrays, type Table } from 'apache-arrow';
import { RadioError } from './errors.js';

/** Gain samples, one per (time, antenna). */
export interface GainTable {
  readonly time: Float64Array;
  readonly antenna: Int32Array;
  readonly re: Float64Array;
  readonly im: Float64Array;
}

/** `table` as an Arrow table. */
export function gainTableToArrow(table: GainTable): Table {
  return tableFromArrays({ time_jd: table.time, antenna: table.antenna, gain_re: table.re, gain_im: table.im });
}

/** A gain table read back from Arrow (GAIN_TABLE when a column is missing). */
export function gainTableFromArrow(table: Table): GainTable {
  const column = (name: string) => {
    const c = table.getChild(name);
    if (!c) throw new RadioError(`gain table has no column '${name}' (columns: ${table.schema.fields.map((f) => f.name).join(', ')})`, 'GAIN_TABLE');
    return c.toArray() as ArrayLike<number>;
  };
  return { time: Float64Array.from(column('time_jd')), antenna: Int32Array.from(column('antenna')), re: Float64Array.from(column('gain_re')), im: Float64Array.from(column('gain_im')) };
}

/** Linear interpolation of each antenna's gain samples in time (held constant beyond the first and last). */
export class GainInterpolator {
  private readonly byAntenna = new Map<number, { t: number[]; re: number[]; im: number[] }>();

  constructor(table: GainTable) {
    const order = [...table.time.keys()].sort((a, b) => table.time[a]! - table.time[b]!);
    for (const i of order) {
      let s = this.byAntenna.get(table.antenna[i]!);
      if (!s) this.byAntenna.set(table.antenna[i]!, (s = { t: [], re: [], im: [] }));
      s.t.push(table.time[i]!);
      s.re.push(table.re[i]!);
      s.im.push(table.im[i]!);
    }
  }

  /** The gain [re, im] of `antenna` at Julian date `jd` (GAIN_TABLE when the antenna has no samples). */
  at(antenna: number, jd: number): [number, number] {
    const s = this.byAntenna.get(antenna);
    if (!s) throw new RadioError(`gain table has no samples for antenna ${antenna}`, 'GAIN_TABLE');
    let hi = s.t.findIndex((t) => t >= jd);
    if (hi < 0) hi = s.t.length - 1;
    const lo = Math.max(0, hi - 1);
    const span = s.t[hi]! - s.t[lo]!;
    const f = span > 0 ? Math.min(1, Math.max(0, (jd - s.t[lo]!) / span)) : 0;
    return [s.re[lo]! + f * (s.re[hi]! - s.re[lo]!), s.im[lo]! + f * (s.im[hi]! - s.im[lo]!)];
  }
}
