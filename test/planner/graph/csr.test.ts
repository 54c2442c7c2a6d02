/** csrFromPairs, the one CSR construction of the planner and the engine, against a naive grouping. */
import { describe, expect, it } from 'vitest';
import { csrFromPairs } from '../../../planner/graph/csr.js';

/** Row r's entries of a CSR as plain lists. */
function rowsOf(offsets: Int32Array, values: Int32Array): number[][] {
  return Array.from({ length: offsets.length - 1 }, (_, r) => [...values.subarray(offsets[r]!, offsets[r + 1]!)]);
}

describe('csrFromPairs', () => {
  it('groups values by row, keeping their order within a row; empty rows included', () => {
    const { offsets, values } = csrFromPairs(4, [2, 0, 2, 3, 0], [10, 11, 12, 13, 14]);
    expect(rowsOf(offsets, values)).toEqual([[11, 14], [], [10, 12], [13]]);
  });

  it('without values, each row lists the indices of its pairs', () => {
    const { offsets, values } = csrFromPairs(3, Int32Array.from([1, 1, 0]));
    expect(rowsOf(offsets, values)).toEqual([[2], [0, 1], []]);
  });

  it('agrees with a naive grouping on random pairs', () => {
    const rowCount = 50;
    const rows = Array.from({ length: 2000 }, (_, i) => (i * 7919) % rowCount);
    const values = rows.map((_, i) => i * 3);
    const naive: number[][] = Array.from({ length: rowCount }, () => []);
    rows.forEach((r, i) => naive[r]!.push(values[i]!));
    const csr = csrFromPairs(rowCount, rows, values);
    expect(rowsOf(csr.offsets, csr.values)).toEqual(naive);
  });
});
