import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  angleBetween, boxPolygon, Circle, ConvexPolygon, fromRaDec, HtmPixelization, normalize, regionsOverlap,
  SpatialArgumentError, type Region, type Vector3,
} from '../../../registry/spatial/index.js';
import { arbCircle, arbPolygon, arbRandomUnit, arbUnit, DEG, distanceToRegion, pointsIn, sampleTriangle } from './spatial-oracles.js';
import { seededRandom } from '../../support/random.js';

const PIX = Array.from({ length: 15 }, (_, l) => new HtmPixelization(l));

/** Side of p w.r.t. the great circle a->b, from the normalized (a + b) x (b - a). */
function side(a: Vector3, b: Vector3, p: Vector3): number {
  const s = [a[0] + b[0], a[1] + b[1], a[2] + b[2]], d = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const n = normalize([s[1] * d[2] - s[2] * d[1], s[2] * d[0] - s[0] * d[2], s[0] * d[1] - s[1] * d[0]]);
  return n[0] * p[0] + n[1] * p[1] + n[2] * p[2];
}
/** Smallest signed distance-like margin of p inside triangle t (< 0 outside). */
function margin(t: readonly Vector3[], p: Vector3): number {
  return Math.min(side(t[0], t[1], p), side(t[1], t[2], p), side(t[2], t[0], p));
}
/** Trixel size scale at a level (radians). */
const trixelSize = (level: number): number => Math.PI / 2 / 2 ** level;

function expectValidRanges(pix: HtmPixelization, ranges: ReadonlyArray<readonly [number, number]>): void {
  const [lo, hi] = pix.universe();
  let prevEnd = -1;
  for (const [b, e] of ranges) {
    expect(b).toBeGreaterThanOrEqual(lo);
    expect(e).toBeLessThanOrEqual(hi);
    expect(b).toBeLessThan(e);
    expect(b).toBeGreaterThan(prevEnd); // sorted and merged: no touching neighbours
    prevEnd = e;
  }
}

describe('HtmPixelization against reference values computed independently of this code', () => {
  it('indexes (1,1,1) at level 1 as 63', () => {
    expect(new HtmPixelization(1).index(normalize([1, 1, 1]))).toBe(63);
  });

  it('envelopes a 0.1-degree circle about (1,1,1) at level 3 as exactly {0x3ff}', () => {
    const pix = new HtmPixelization(3);
    const circle = new Circle(normalize([1, 1, 1]), 0.1 * DEG);
    expect(pix.envelope(circle)).toEqual([[0x3ff, 0x400]]);
    expect(pix.envelopeIds(circle)).toEqual([0x3ff]);
  });

  it('indexes (ra -20.1234, dec +10.1234) at level 14 as 3278525534', () => {
    expect(new HtmPixelization(14).index(fromRaDec(-20.1234, 10.1234))).toBe(3278525534);
  });

  it('puts every level-L id in [8*4^L, 16*4^L), with 7 the default level', () => {
    expect(new HtmPixelization().level).toBe(7);
    expect(new HtmPixelization().universe()).toEqual([131072, 262144]);
    fc.assert(
      fc.property(arbUnit, fc.integer({ min: 0, max: 24 }), (v, level) => {
        const id = new HtmPixelization(level).index(v);
        expect(id).toBeGreaterThanOrEqual(8 * 4 ** level);
        expect(id).toBeLessThan(16 * 4 ** level);
        expect(HtmPixelization.levelOf(id)).toBe(level);
      }),
      { numRuns: 500 },
    );
  });
});

describe('HtmPixelization structure', () => {
  it('has the standard root triangles S0..S3, N0..N3', () => {
    const X: Vector3 = [1, 0, 0], Y: Vector3 = [0, 1, 0], Z: Vector3 = [0, 0, 1];
    const m = (v: Vector3): Vector3 => [-v[0] || 0, -v[1] || 0, -v[2] || 0];
    const roots = [[X, m(Z), Y], [Y, m(Z), m(X)], [m(X), m(Z), m(Y)], [m(Y), m(Z), X], [X, Z, m(Y)], [m(Y), Z, m(X)], [m(X), Z, Y], [Y, Z, X]];
    const norm0 = (t: Vector3[]) => t.map((v) => v.map((x) => x || 0));
    roots.forEach((r, i) => expect(norm0(PIX[0].triangle(8 + i))).toEqual(norm0(r)));
  });

  it('validates levels and ids', () => {
    for (const bad of [-1, 25, 1.5, Number.NaN]) expect(() => new HtmPixelization(bad)).toThrow(SpatialArgumentError);
    expect(() => PIX[3].triangle(8)).toThrow(SpatialArgumentError);
    expect(() => PIX[3].triangle(1024)).toThrow(SpatialArgumentError);
    expect(HtmPixelization.levelOf(7)).toBe(-1);
    expect(HtmPixelization.levelOf(15)).toBe(0);
    expect(HtmPixelization.levelOf(63)).toBe(1);
    expect(HtmPixelization.levelOf(8.5)).toBe(-1);
  });

  it('tiles the sphere: a point is in exactly one root and exactly one child at each level', () => {
    fc.assert(
      fc.property(arbRandomUnit, (p) => {
        const inRoots = [8, 9, 10, 11, 12, 13, 14, 15].filter((id) => margin(PIX[0].triangle(id), p) >= 0);
        const roots = [8, 9, 10, 11, 12, 13, 14, 15].filter((id) => margin(PIX[0].triangle(id), p) > 1e-12);
        fc.pre(inRoots.length === roots.length); // not within rounding of a root edge
        expect(roots).toEqual([PIX[0].index(p)]);
        for (let l = 0; l + 1 < PIX.length; l++) {
          const id = PIX[l].index(p);
          expect(margin(PIX[l].triangle(id), p)).toBeGreaterThanOrEqual(-1e-15);
          const children = [0, 1, 2, 3].map((k) => 4 * id + k);
          const margins = children.map((c) => margin(PIX[l + 1].triangle(c), p));
          if (margins.some((x) => Math.abs(x) < 1e-13)) break; // on a child edge: ambiguous by rounding
          const holding = children.filter((_, k) => margins[k] > 0);
          expect(holding).toEqual([PIX[l + 1].index(p)]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('orients every trixel counter-clockwise and nests children in parents', () => {
    fc.assert(
      fc.property(arbUnit, fc.integer({ min: 1, max: 20 }), (p, level) => {
        const pix = new HtmPixelization(level);
        const id = pix.index(p);
        const t = pix.triangle(id);
        expect(side(t[0], t[1], t[2])).toBeGreaterThan(0);
        const parent = new HtmPixelization(level - 1);
        expect(parent.index(p)).toBe(Math.floor(id / 4));
        const pt = parent.triangle(Math.floor(id / 4));
        for (const v of t) expect(margin(pt, v)).toBeGreaterThanOrEqual(-1e-15);
      }),
      { numRuns: 300 },
    );
  });

  it('indexes boundary points into a trixel holding them (closed triangles)', () => {
    // Trixel vertices and edge midpoints lie on many trixels; index() must pick one of them.
    const pix = PIX[6];
    for (const id of [8 * 4 ** 6, 8 * 4 ** 6 + 1234, 16 * 4 ** 6 - 1]) {
      const t = pix.triangle(id);
      for (const v of [...t, normalize([t[0][0] + t[1][0], t[0][1] + t[1][1], t[0][2] + t[1][2]])]) {
        expect(margin(pix.triangle(pix.index(v)), v)).toBeGreaterThanOrEqual(-1e-15);
      }
    }
    for (const v of [[1, 0, 0], [0, -1, 0], [0, 0, -1], [-1, 0, 0], [0, 0, 1]] as Vector3[]) {
      expect(margin(pix.triangle(pix.index(v)), v)).toBeGreaterThanOrEqual(-1e-15);
    }
  });
});

/** The exact oracle envelope at a low level: every trixel tested against the region. */
function bruteForceIds(pix: HtmPixelization, region: Region): number[] {
  const [lo, hi] = pix.universe();
  const ids: number[] = [];
  for (let id = lo; id < hi; id++) if (regionsOverlap(region, new ConvexPolygon(pix.triangle(id)))) ids.push(id);
  return ids;
}

const arbRegionAtLevel = (minLevel: number, maxLevel: number) =>
  fc.integer({ min: minLevel, max: maxLevel }).chain((level) => {
    const s = trixelSize(level);
    return fc.tuple(fc.constant(level), fc.oneof(arbPolygon(0.01 * s, 3 * s), arbCircle(0.005 * s, 1.5 * s)), fc.integer());
  });

describe('HtmPixelization envelope', () => {
  it('covers every interior and boundary point of random polygons and circles', () => {
    fc.assert(
      fc.property(arbRegionAtLevel(0, 12), ([level, region, seed]) => {
        const pix = PIX[level];
        const ranges = pix.envelope(region);
        expectValidRanges(pix, ranges);
        const ids = new Set(pix.envelopeIds(region));
        for (const p of pointsIn(region, seededRandom(seed), 40)) expect(ids.has(pix.index(p))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('holds no trixel disjoint from the region (exact test and dense sampling)', () => {
    fc.assert(
      fc.property(arbRegionAtLevel(3, 11), ([level, region]) => {
        const pix = PIX[level];
        for (const id of pix.envelopeIds(region)) {
          const t = pix.triangle(id);
          expect(regionsOverlap(region, new ConvexPolygon(t))).toBe(true);
          // Some sample of the trixel lies within the grid's covering radius of the region.
          const n = 16;
          const bound = (1.2 * Math.max(angleBetween(t[0], t[1]), angleBetween(t[1], t[2]), angleBetween(t[2], t[0]))) / n;
          const nearest = Math.min(...sampleTriangle(t, n).map((q) => distanceToRegion(region, q)));
          expect(nearest).toBeLessThanOrEqual(bound);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('equals the brute-force exact envelope at low levels, large regions included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.oneof(arbPolygon(0.001, 1.2), arbCircle(0.001, 1.5), arbCircle(1.5, Math.PI)), (level, region) => {
        const pix = PIX[level];
        expect(pix.envelopeIds(region)).toEqual(bruteForceIds(pix, region));
      }),
      { numRuns: 80 },
    );
  });

  it('returns the whole universe for the whole sphere, as one range', () => {
    for (const level of [0, 3, 7]) {
      expect(PIX[level].envelope(new Circle([0, 0, 1], Math.PI))).toEqual([PIX[level].universe()]);
    }
    // The northern hemisphere is exactly the N roots.
    expect(PIX[4].envelope(new Circle([0, 0, 1], Math.PI / 2 - 1e-9))).toEqual([[12 * 256, 16 * 256]]);
  });

  it('coarsens to maxRanges by filling the smallest gaps, staying a superset', () => {
    fc.assert(
      fc.property(arbRegionAtLevel(6, 10), fc.integer({ min: 1, max: 4 }), ([level, region], maxRanges) => {
        const pix = PIX[level];
        const fine = pix.envelope(region);
        const coarse = pix.envelope(region, maxRanges);
        expect(coarse.length).toBeLessThanOrEqual(Math.max(maxRanges, 0));
        expectValidRanges(pix, coarse);
        expect(coarse[0][0]).toBe(fine[0][0]);
        expect(coarse[coarse.length - 1][1]).toBe(fine[fine.length - 1][1]);
        for (const [b, e] of fine) expect(coarse.some(([cb, ce]) => cb <= b && e <= ce)).toBe(true);
        if (fine.length <= maxRanges) expect(coarse).toEqual(fine);
      }),
      { numRuns: 200 },
    );
    expect(() => PIX[7].envelope(Circle.fromRaDec(0, 0, 1), 0)).toThrow(SpatialArgumentError);
  });

  it('is fast: a 0.2-degree box at level 7 well under a millisecond, index() well under a microsecond', () => {
    const pix = new HtmPixelization(7);
    const rnd = seededRandom(7);
    const boxes = Array.from({ length: 2000 }, () => boxPolygon(360 * rnd(), Math.asin(1.9 * rnd() - 0.95) / DEG, 0.2, 0.2));
    for (const b of boxes.slice(0, 200)) pix.envelope(b); // warm up
    let t = performance.now();
    let n = 0;
    for (const b of boxes) n += pix.envelope(b).length;
    const envelopeMs = (performance.now() - t) / boxes.length;
    const pts = new Float64Array(3 * 200_000);
    for (let i = 0; i < pts.length / 3; i++) pts.set(fromRaDec(360 * rnd(), Math.asin(2 * rnd() - 1) / DEG), 3 * i);
    let acc = 0;
    for (let i = 0; i < pts.length; i += 3) acc += pix.indexXyz(pts[i], pts[i + 1], pts[i + 2]); // warm up
    t = performance.now();
    for (let i = 0; i < pts.length; i += 3) acc += pix.indexXyz(pts[i], pts[i + 1], pts[i + 2]);
    const indexUs = ((performance.now() - t) * 1000) / (pts.length / 3);
    console.info(`htm7: envelope of a 0.2-deg box ${(envelopeMs * 1000).toFixed(1)} us (${(n / boxes.length).toFixed(2)} ranges); index() ${(indexUs * 1000).toFixed(0)} ns/point`);
    expect(acc).toBeGreaterThan(0);
    expect(envelopeMs).toBeLessThan(0.25);
    expect(indexUs).toBeLessThan(2);
  });
});
