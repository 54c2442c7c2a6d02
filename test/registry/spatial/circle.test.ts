import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  angleBetween, boxPolygon, Circle, ConvexPolygon, fromRaDec, InvalidRegionError, regionsOverlap, toRaDec,
} from '../../../registry/spatial/index.js';
import { arbCircle, arbPolygon, DEG, distanceToRegion, offset, pointsIn } from './spatial-oracles.js';
import { seededRandom } from '../../support/random.js';

describe('Circle', () => {
  it('contains points by angle, boundary included, exactly for tiny radii', () => {
    const c = Circle.fromRaDec(30, 40, 1);
    expect(c.contains(fromRaDec(30, 40.999))).toBe(true);
    expect(c.contains(fromRaDec(30, 41.001))).toBe(false);
    const tiny = new Circle(fromRaDec(30, 40), 1e-9);
    expect(tiny.contains(offset(tiny.center, 0.999e-9, 1))).toBe(true);
    expect(tiny.contains(offset(tiny.center, 1.001e-9, 1))).toBe(false);
    expect(new Circle([0, 0, 1], Math.PI).contains([0, 0, -1])).toBe(true);
  });

  it('rejects bad angles and centers', () => {
    expect(() => new Circle([0, 0, 1], -0.1)).toThrow(InvalidRegionError);
    expect(() => new Circle([0, 0, 1], 4)).toThrow(InvalidRegionError);
    expect(() => new Circle([0, 0, 0], 0.1)).toThrow(InvalidRegionError);
    expect(() => new Circle([0, 0, 1], Number.NaN)).toThrow(InvalidRegionError);
  });

  it('overlaps circles by center distance', () => {
    const a = Circle.fromRaDec(0, 0, 1);
    expect(a.overlaps(Circle.fromRaDec(1.999, 0, 1))).toBe(true);
    expect(a.overlaps(Circle.fromRaDec(2.001, 0, 1))).toBe(false);
    expect(regionsOverlap(a, Circle.fromRaDec(1.999, 0, 1))).toBe(true);
  });

  it('overlaps polygons exactly as the distance oracle says (small and wide circles)', () => {
    fc.assert(
      fc.property(arbPolygon(1e-5, 0.3), fc.double({ min: 0, max: 0.6, noNaN: true }), fc.double({ min: 0, max: 7, noNaN: true }), fc.double({ min: 1e-7, max: 0.4, noNaN: true }), fc.boolean(), (poly, rho, phi, r, wide) => {
        const center = offset(poly.centroid(), rho, phi);
        // A wide cap (> hemisphere) is the complement of a small one about the antipode.
        const circle = wide ? new Circle([-center[0], -center[1], -center[2]], Math.PI - r) : new Circle(center, r);
        const d = distanceToRegion(poly, center);
        // wide: the cap misses poly iff poly lies inside the open small cap about center.
        const far = Math.max(...poly.vertices.map((v) => angleBetween(v, center)));
        const expected = wide ? far >= r : d <= r;
        fc.pre(Math.abs((wide ? far : d) - r) > 1e-9);
        expect(circle.overlaps(poly)).toBe(expected);
        expect(regionsOverlap(poly, circle)).toBe(expected);
        expect(regionsOverlap(circle, poly)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('has itself as bounding circle', () => {
    fc.assert(fc.property(arbCircle(0, 3), (c) => {
      expect(c.boundingCircle()).toBe(c);
    }));
  });
});

describe('boxPolygon (ADQL/STC BOX)', () => {
  it('has its side midpoints on the arms of the cross', () => {
    const b = boxPolygon(150, 2, 0.2, 0.1);
    expect(b.vertices.length).toBe(4);
    const [sw, se, ne, nw] = b.vertices;
    const mid = (p: readonly number[], q: readonly number[]) => toRaDec([p[0] + q[0], p[1] + q[1], p[2] + q[2]]);
    // East and west sides cross the east-west arm at 0.1 deg from the center along the great circle.
    const east = mid(se, ne), north = mid(nw, ne);
    expect(angleBetween(fromRaDec(...east), fromRaDec(150, 2)) / DEG).toBeCloseTo(0.1, 12);
    expect(angleBetween(fromRaDec(...north), fromRaDec(150, 2)) / DEG).toBeCloseTo(0.05, 12);
    expect(north[0]).toBeCloseTo(150, 12);
    expect(toRaDec(sw)[0]).toBeLessThan(150);
    expect(b.contains(fromRaDec(150, 2))).toBe(true);
    expect(b.contains(fromRaDec(150, 2.051))).toBe(false);
  });

  it('works at a pole and rejects bad sizes', () => {
    const p = boxPolygon(0, 90, 2, 2);
    expect(p.contains([0, 0, 1])).toBe(true);
    expect(() => boxPolygon(0, 0, 0, 1)).toThrow(InvalidRegionError);
    expect(() => boxPolygon(0, 0, 180, 1)).toThrow(InvalidRegionError);
    expect(() => boxPolygon(0, 95, 1, 1)).toThrow(InvalidRegionError);
  });

  it('contains every point of its interior', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 360, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true }), fc.double({ min: 1e-4, max: 20, noNaN: true }), fc.double({ min: 1e-4, max: 20, noNaN: true }), fc.integer(), (ra, dec, w, h, seed) => {
        const b = boxPolygon(ra, dec, w, h);
        for (const q of pointsIn(b, seededRandom(seed), 20)) expect(b.contains(q)).toBe(true);
        expect(b).toBeInstanceOf(ConvexPolygon);
      }),
      { numRuns: 200 },
    );
  });
});
