/**
 * Which string values a --where expression compares dimensions with (the input of the
 * absent-value check): `=` either way round, IN lists, string binds; not governors (checked
 * before any query runs), not number-keyed dimensions, not negations.
 */
import { describe, expect, it } from 'vitest';
import { comparedStringValues, DimensionUniverse, parseWhere, type BindValue } from '../../../registry/index.js';

const universe = DimensionUniverse.default();
const compared = (where: string, binds: [string, BindValue][] = []) => {
  const m = comparedStringValues(parseWhere(where), universe, new Map(binds), where);
  return Object.fromEntries([...m].map(([d, v]) => [d, [...v].sort()]));
};

describe('comparedStringValues', () => {
  it('= either way round, IN lists and string binds, per dimension', () => {
    expect(compared("band = 'R' AND 'SimCam-r' = physical_filter")).toEqual({ band: ['R'], physical_filter: ['SimCam-r'] });
    expect(compared("band IN ('g', 'x') OR band = :b", [['b', 'y']])).toEqual({ band: ['g', 'x', 'y'] });
    expect(compared('band IN (:bands)', [['bands', ['u', 'v']]])).toEqual({ band: ['u', 'v'] });
  });

  it('not governors, number keys, != or NOT IN', () => {
    expect(compared("instrument = 'HSC' AND skymap = 'm' AND detector = 3 AND band != 'q' AND band NOT IN ('w')")).toEqual({});
  });
});
