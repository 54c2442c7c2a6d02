/**
 * TupleIndex finds tuples of key values as a map keyed by the tuple's JSON does: mixed
 * numbers and strings (a number and its digits as a string are different values), unknown
 * (null) values that match nothing, and tuples absent from the index.
 */
import { describe, expect, it } from 'vitest';
import { TupleIndex } from '../../../planner/graph/tuple-index.js';
import { seededRandom } from '../../support/random.js';

describe('TupleIndex', () => {
  it('numbers distinct tuples in the order of their first row and finds them again', () => {
    const random = seededRandom(77);
    const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)]!;
    const rows = 2000;
    const columns = [
      Array.from({ length: rows }, () => pick(['HSC', 'LSSTCam', '7'])),
      Float64Array.from({ length: rows }, () => pick([0, 1, 7, 2024010100001])),
      Array.from({ length: rows }, () => pick<string | number | null>(['g', 'r', 7, null])),
    ];
    const index = TupleIndex.of(columns, rows);
    // the independent answer: tuples by their JSON, null ones left out
    const keyOf = (cs: readonly ArrayLike<unknown>[], r: number) => (cs.some((c) => c[r] === null) ? null : JSON.stringify(cs.map((c) => c[r])));
    const numbers = new Map<string, number>();
    for (let r = 0; r < rows; r++) {
      const key = keyOf(columns, r);
      if (key !== null && !numbers.has(key)) numbers.set(key, numbers.size);
      expect(index.rowTuple[r]).toBe(key === null ? -1 : numbers.get(key));
    }
    expect(index.count).toBe(numbers.size);
    // queries: every indexed tuple, then tuples mixing in values the index lacks or holds as another type
    const queries = [
      ['HSC', 'LSSTCam', '7', 'HSC', 'Cam', 'HSC', '1'],
      [0, 1, 7, 2024010100001, 0, 3, 1],
      ['g', 'r', 7, null, 'g', 'r', 'r'],
    ];
    for (let q = 0; q < queries[0]!.length; q++) {
      const key = keyOf(queries, q);
      expect(index.find(queries, q)).toBe(key === null ? -1 : numbers.get(key) ?? -1);
    }
    expect(index.find([['7'], ['0'], ['g']], 0)).toBe(-1); // '0' is not the number 0
  });

  it('indexes no rows', () => {
    const index = TupleIndex.of([[], []], 0);
    expect(index.count).toBe(0);
    expect(index.find([['a'], [1]], 0)).toBe(-1);
  });
});
