/**
 * Prerequisites matched to quanta by data ID (and calibrations by validity during the
 * quantum's observation) in JS: two statements bring the candidate datasets, each once per
 * collection and validity range, and the timespans of the quanta's observations; each
 * quantum's choice, the candidate of the first collection in search order, is made in one pass
 * over the quanta. Joining in SQL gave one row per quantum with the dataset's whole data ID
 * (0.45-0.8 s per calibration type at 127k quanta, most of it making rows in JS).
 */
import type { CollectionRecord, DatasetType, DimensionElement, PlanningQueries, PrerequisiteLookup } from '../../registry/index.js';
import type { ImpliedValues } from '../graph/implied-values.js';
import { TupleIndex } from '../graph/tuple-index.js';
import type { NumberedTable } from './graph-tables.js';

/** A candidate dataset in one collection (and validity range). */
interface Candidate {
  readonly id: string;
  readonly runId: number;
  readonly dataId: readonly unknown[];
  readonly rank: number;
  /** The validity range (TAI ns, half-open) of a calibration; null for a RUN or TAGGED collection. */
  readonly valid: { readonly begin: bigint; readonly end: bigint } | null;
}

/** What a quantum is matched by: the candidates with the data-ID values it gives the type's dimensions, and the timespan of its observation. */
interface QuantumKeys {
  /** Per quantum (idx), the candidates at its data-ID values (none when one is unknown). */
  readonly candidates: (idx: number) => readonly Candidate[] | undefined;
  /** Per quantum, the timespan of its observation (calibrations only). */
  readonly timespan: ((idx: number) => { readonly begin: bigint; readonly end: bigint } | undefined) | null;
}

/**
 * The lookup of prerequisite `type` for every quantum of `quanta`: find-first in `inputs`, with
 * calibrations valid during the timespan of its `temporal` element when given.
 */
export async function matchByDataId(
  planning: PlanningQueries, quanta: NumberedTable, type: DatasetType, inputs: readonly CollectionRecord[], temporal: DimensionElement | undefined, implied: ImpliedValues,
): Promise<PrerequisiteLookup> {
  const rows = await planning.prerequisiteCandidates(quanta, type, inputs, temporal !== undefined);
  const keys: QuantumKeys = {
    candidates: candidatesOfQuanta(rows, quanta, type.dimensions.required, implied),
    timespan: temporal ? await observationTimespans(planning, quanta, temporal) : null,
  };
  return chooseFirst(quanta.count, keys);
}

/**
 * Per quantum, the candidate rows (see PlanningQueries.prerequisiteCandidates) at the values
 * it gives `dims` (its own or implied: an exposure's physical_filter).
 */
function candidatesOfQuanta(rows: readonly unknown[][], quanta: NumberedTable, dims: readonly string[], implied: ImpliedValues): (idx: number) => readonly Candidate[] | undefined {
  const width = dims.length;
  const index = TupleIndex.of(dims.map((_, c) => rows.map((r) => r[3 + c])), rows.length);
  const lists: Candidate[][] = Array.from({ length: index.count }, () => []);
  rows.forEach((r, i) => {
    const [begin, end] = [r[3 + width], r[4 + width]];
    lists[index.rowTuple[i]!]!.push({
      id: String(r[0]), runId: Number(r[2]), dataId: r.slice(3, 3 + width), rank: Number(r[5 + width]),
      valid: begin === null ? null : { begin: BigInt(String(begin)), end: BigInt(String(end)) },
    });
  });
  const columns = dims.map((d) => {
    const column = implied.column(d, quanta.dataIds, quanta.count);
    if (!column) throw new Error(`internal: the quanta's data IDs {${quanta.group.required.join(', ')}} give no '${d}'`);
    return column;
  });
  return (idx) => lists[index.find(columns, idx)];
}

/** Per quantum, the timespan of its `temporal` record (read in one statement). */
async function observationTimespans(planning: PlanningQueries, quanta: NumberedTable, temporal: DimensionElement): Promise<(idx: number) => { begin: bigint; end: bigint } | undefined> {
  const keys = [...temporal.required, temporal.name];
  const rows = (await planning.timespans(quanta, temporal)).filter((r) => r[keys.length] !== null);
  const index = TupleIndex.of(keys.map((_, c) => rows.map((r) => r[c])), rows.length);
  const spans: { begin: bigint; end: bigint }[] = [];
  rows.forEach((r, i) => (spans[index.rowTuple[i]!] = { begin: BigInt(String(r[keys.length])), end: BigInt(String(r[keys.length + 1])) }));
  const columns = keys.map((k) => quanta.dataIds[k]!);
  return (idx) => spans[index.find(columns, idx)];
}

/**
 * Per quantum, in quantum order, the candidate of least search rank among those matching it
 * (a calibration must be valid during its timespan, overlapping it as the SQL
 * `begin < end' AND end > begin'` does); another dataset of that rank makes the first such
 * quantum ambiguous. Datasets are numbered in the order quanta first take them.
 */
function chooseFirst(count: number, keys: QuantumKeys): PrerequisiteLookup {
  const datasets: { id: string; runId: number; dataId: readonly unknown[] }[] = [];
  const numbers = new Map<string, number>();
  const qs: number[] = [], ds: number[] = [];
  let ambiguous: PrerequisiteLookup['ambiguous'] = null;
  for (let idx = 0; idx < count; idx++) {
    const list = keys.candidates(idx);
    if (!list) continue;
    const span = keys.timespan?.(idx);
    let best: Candidate | null = null, rival: Candidate | null = null;
    for (let k = 0; k < list.length; k++) {
      const c = list[k]!;
      if (c.valid && !(span && c.valid.begin < span.end && c.valid.end > span.begin)) continue;
      if (!best || c.rank < best.rank) {
        best = c;
        rival = null;
      } else if (c.rank === best.rank && !rival && c.id !== best.id) rival = c;
    }
    if (!best) continue;
    if (rival && !ambiguous) ambiguous = { idx, datasetId: best.id, rival: rival.id };
    let d = numbers.get(best.id);
    if (d === undefined) numbers.set(best.id, (d = datasets.push({ id: best.id, runId: best.runId, dataId: best.dataId }) - 1));
    qs.push(idx);
    ds.push(d);
  }
  return { datasets, pairs: { quanta: Int32Array.from(qs), datasets: Int32Array.from(ds) }, ambiguous };
}
