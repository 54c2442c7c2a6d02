/**
 * The numbering of the data-ID rows against a brute-force one: each group's distinct data IDs
 * sorted by their required keys (numbers numerically, strings by code unit), each row's number
 * among them, and each connection's distinct (quantum, dataset) pairs. Both ways of ranking are
 * reached: a table over the combined keys when their range is small, a sort when it is not.
 */
import { describe, expect, it } from 'vitest';
import { DimensionUniverse } from '../../../registry/index.js';
import { EncodedRows, numberGroup, rowPairs } from '../../../planner/plan/row-numbering.js';
import { seededRandom } from '../../support/random.js';

const universe = DimensionUniverse.default();

type Value = number | string;

/** `count` rows of instrument, detector, visit, skymap, tract, patch; `spread` sets how many distinct visits and patches there are. */
function makeRows(count: number, spread: number, seed: number): Map<string, Value[]> {
  const random = seededRandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const columns = new Map<string, Value[]>([['instrument', []], ['detector', []], ['visit', []], ['skymap', []], ['tract', []], ['patch', []]]);
  for (let i = 0; i < count; i++) {
    columns.get('instrument')!.push(['HSC', 'LSSTCam', 'Cam-ä'][pick(3)]!);
    columns.get('detector')!.push(pick(12));
    columns.get('visit')!.push(2024010100000 + pick(spread) * 7);
    columns.get('skymap')!.push(['rings', 'Rings', 'discrete'][pick(3)]!);
    columns.get('tract')!.push(pick(4) - 1);
    columns.get('patch')!.push(pick(spread));
  }
  return columns;
}

const compare = (a: Value, b: Value) => (typeof a === 'number' && typeof b === 'number' ? a - b : a < b ? -1 : a > b ? 1 : 0);

/** The brute-force numbering: distinct tuples of `dims`, sorted; each row's index among them. */
function bruteNumbering(columns: Map<string, Value[]>, dims: readonly string[]): { tuples: Value[][]; rowIdx: number[] } {
  const count = columns.get(dims[0]!)!.length;
  const tupleOf = (i: number) => dims.map((d) => columns.get(d)![i]!);
  const distinct = new Map<string, Value[]>();
  for (let i = 0; i < count; i++) distinct.set(JSON.stringify(tupleOf(i)), tupleOf(i));
  const tuples = [...distinct.values()].sort((a, b) => {
    for (let k = 0; k < a.length; k++) if (compare(a[k]!, b[k]!) !== 0) return compare(a[k]!, b[k]!);
    return 0;
  });
  const index = new Map(tuples.map((t, i) => [JSON.stringify(t), i]));
  return { tuples, rowIdx: Array.from({ length: count }, (_, i) => index.get(JSON.stringify(tupleOf(i)))!) };
}

function encode(columns: Map<string, Value[]>): EncodedRows {
  const names = [...columns.keys()];
  return EncodedRows.fromColumns(names, columns.get(names[0]!)!.length, names.map((n) => columns.get(n)!));
}

describe('row numbering', () => {
  // few distinct values: combined keys in a small range (the table); many: a wide range (the sort)
  it.each([['a small key range', 20], ['a wide key range', 5000]])('numbers each group as a brute force does, over %s', (_, spread) => {
    const columns = makeRows(3000, spread, spread);
    const rows = encode(columns);
    for (const dims of [['instrument', 'detector', 'visit'], ['skymap', 'tract', 'patch'], ['instrument', 'visit', 'skymap', 'tract', 'patch']]) {
      const group = universe.group(dims);
      const numbered = numberGroup(rows, group);
      const brute = bruteNumbering(columns, group.required);
      expect(numbered.count).toBe(brute.tuples.length);
      expect([...numbered.rowIdx]).toEqual(brute.rowIdx);
      const ids = group.required.map((d) => [...numbered.dataIds[d]!]);
      expect(brute.tuples.map((_, j) => ids.map((c) => c[j]))).toEqual(brute.tuples);
      // and each data ID is found again from its values
      brute.tuples.forEach((t, j) => expect(numbered.locate(t)).toBe(j));
      expect(numbered.locate(group.required.map((d) => (d === 'instrument' || d === 'skymap' ? 'nobody' : 0)))).toBe(-1);
    }
  });

  it('pairs quanta with datasets as the distinct row pairs, sorted', () => {
    const columns = makeRows(4000, 40, 7);
    const rows = encode(columns);
    const quanta = numberGroup(rows, universe.group(['instrument', 'visit', 'skymap', 'tract', 'patch']));
    const datasets = numberGroup(rows, universe.group(['instrument', 'detector', 'visit']));
    const pairs = rowPairs(quanta, datasets);
    const expected = [...new Set(Array.from({ length: 4000 }, (_, i) => `${quanta.rowIdx[i]},${datasets.rowIdx[i]}`))]
      .map((p) => p.split(',').map(Number)).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    expect(expected.length).toBeGreaterThan(1000);
    expect(expected.length).toBeLessThan(4000);
    expect([...pairs.quanta].map((q, i) => [q, pairs.datasets[i]])).toEqual(expected);
  });
});
