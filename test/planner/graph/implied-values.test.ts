/**
 * ImpliedValues: data IDs completed through the graph's implied-value tables, transitively
 * (exposure -> physical_filter -> band), as records and as columns, against values written
 * out by hand.
 */
import { describe, expect, it } from 'vitest';
import { ImpliedValues, type ImpliedTable } from '../../../planner/graph/implied-values.js';

const exposure: ImpliedTable = {
  element: 'exposure', keys: ['instrument', 'exposure'], implied: ['physical_filter', 'day_obs'], count: 3,
  columns: { instrument: ['Cam', 'Cam', 'Other'], exposure: Float64Array.of(1, 2, 1), physical_filter: ['Cam-r', 'Cam-g', 'Other-r'], day_obs: Float64Array.of(20240101, 20240102, 20240101) },
};
const physicalFilter: ImpliedTable = {
  element: 'physical_filter', keys: ['instrument', 'physical_filter'], implied: ['band'], count: 3,
  columns: { instrument: ['Cam', 'Cam', 'Other'], physical_filter: ['Cam-r', 'Cam-g', 'Other-r'], band: ['r', 'g', 'r'] },
};
// in the order a graph may list them: the filter's table before the exposure's
const implied = new ImpliedValues([physicalFilter, exposure]);

describe('ImpliedValues', () => {
  it('names the dimensions it gives values of', () => {
    expect(implied.dimensions.sort()).toEqual(['band', 'day_obs', 'physical_filter']);
  });

  it('expands a data ID through every table, transitively, keeping values it has', () => {
    expect(implied.expand({ instrument: 'Cam', exposure: 2, detector: 4 }))
      .toEqual({ instrument: 'Cam', exposure: 2, detector: 4, physical_filter: 'Cam-g', day_obs: 20240102, band: 'g' });
    // the same exposure number of another instrument is another record
    expect(implied.expand({ instrument: 'Other', exposure: 1 })).toMatchObject({ physical_filter: 'Other-r', band: 'r' });
    expect(implied.expand({ instrument: 'Cam', physical_filter: 'Cam-r' })).toEqual({ instrument: 'Cam', physical_filter: 'Cam-r', band: 'r' });
    // an exposure the tables lack implies nothing; a data ID without keys is returned as it is
    expect(implied.expand({ instrument: 'Cam', exposure: 9 })).toEqual({ instrument: 'Cam', exposure: 9 });
    expect(implied.expand({ tract: 0, patch: 3 })).toEqual({ tract: 0, patch: 3 });
    expect(new ImpliedValues([]).expand({ visit: 1 })).toEqual({ visit: 1 });
  });

  it('gives columns: its own, or looked up through the tables, with null for an unknown record', () => {
    const columns = { instrument: ['Cam', 'Cam', 'Other', 'Cam'], exposure: Float64Array.of(1, 2, 1, 7), detector: Float64Array.of(0, 1, 2, 3) };
    expect(Array.from(implied.column('band', columns, 4)!)).toEqual(['r', 'g', 'r', null]);
    expect(Array.from(implied.column('day_obs', columns, 4)!)).toEqual([20240101, 20240102, 20240101, null]);
    expect(implied.column('detector', columns, 4)).toBe(columns.detector);
    expect(implied.column('visit', columns, 4)).toBeNull();
    expect(implied.column('band', { detector: Float64Array.of(1) }, 1)).toBeNull();
  });
});
