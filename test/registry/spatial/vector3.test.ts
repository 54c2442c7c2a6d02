import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { angleBetween, cross, dot, fromRaDec, normalize, SpatialArgumentError, toRaDec } from '../../../registry/spatial/index.js';

describe('vector3', () => {
  it('converts RA/Dec to unit vectors on the axes', () => {
    const close = (a: readonly number[], b: number[]) => a.forEach((x, i) => expect(x).toBeCloseTo(b[i], 15));
    close(fromRaDec(0, 0), [1, 0, 0]);
    close(fromRaDec(90, 0), [0, 1, 0]);
    close(fromRaDec(123, 90), [0, 0, 1]);
    close(fromRaDec(180, -90), [0, 0, -1]);
  });

  it('round-trips RA/Dec, RA in [0, 360)', () => {
    fc.assert(
      fc.property(fc.double({ min: -720, max: 720, noNaN: true }), fc.double({ min: -89.999, max: 89.999, noNaN: true }), (ra, dec) => {
        const [r, d] = toRaDec(fromRaDec(ra, dec));
        expect(r).toBeGreaterThanOrEqual(0);
        expect(r).toBeLessThan(360);
        expect(d).toBeCloseTo(dec, 9);
        expect(angleBetween(fromRaDec(r, d), fromRaDec(ra, dec))).toBeLessThan(1e-14);
      }),
    );
  });

  it('has dot, cross, normalize and an accurate angle at tiny and near-pi separations', () => {
    expect(dot([1, 2, 3], [4, 5, 6])).toBe(32);
    expect(cross([1, 0, 0], [0, 1, 0])).toEqual([0, 0, 1]);
    expect(normalize([3, 0, 4])).toEqual([0.6, 0, 0.8]);
    expect(() => normalize([0, 0, 0])).toThrow(SpatialArgumentError);
    expect(angleBetween(fromRaDec(0, 0), fromRaDec(1e-10, 0)) / (1e-10 * (Math.PI / 180))).toBeCloseTo(1, 14);
    expect(angleBetween([1, 0, 0], [-1, 1e-12, 0])).toBeCloseTo(Math.PI - 1e-12, 15);
    expect(angleBetween([1, 0, 0], [0, 0, 5])).toBeCloseTo(Math.PI / 2, 15);
  });
});
